// Quantize f32 -> u8/s8/s32 and dequantize back, per tensor or per channel, over raw buffers.
// Numerics are ATen's (../shared/golden/NUMERICS.md section 1), bit-exact on every path:
//   quantize:   q = clamp(rint(x * f32(1/scale)) + zp, qmin, qmax)    (s32: zp added in float, then saturated)
//   float zp:   q = clamp(rint(x * f32(1/scale) + zp_f), qmin, qmax)   (per_channel_affine_float_qparams)
//   dequantize: x = f32(int32(q - zp)) * scale                        (float zp: (f32(q) - zp_f) * scale)
// A NaN input quantizes to qmax (as ATen's AVX2 path does). Per-channel data is viewed as [outer][channels][inner].
// Buffers need only the natural alignment of their element type.
// Scales are the float scales (not their inverses); bad scales or zero points throw qjit::Error.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/exec.h"
#include "kernels/qtype.h"

namespace qjit {

void quantize_per_tensor(const float* x, void* q, size_t n, QType type, float scale, int32_t zero_point,
                         const Exec& exec = {});
void quantize_per_channel(const float* x, void* q, size_t outer, size_t channels, size_t inner, QType type,
                          const float* scales, const int32_t* zero_points, const Exec& exec = {});
void quantize_per_channel_float_qparams(const float* x, void* q, size_t outer, size_t channels, size_t inner,
                                        QType type, const float* scales, const float* zero_points,
                                        const Exec& exec = {});

void dequantize_per_tensor(const void* q, float* x, size_t n, QType type, float scale, int32_t zero_point,
                           const Exec& exec = {});
void dequantize_per_channel(const void* q, float* x, size_t outer, size_t channels, size_t inner, QType type,
                            const float* scales, const int32_t* zero_points, const Exec& exec = {});
void dequantize_per_channel_float_qparams(const void* q, float* x, size_t outer, size_t channels, size_t inner,
                                          QType type, const float* scales, const float* zero_points,
                                          const Exec& exec = {});

}  // namespace qjit
