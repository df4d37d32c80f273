// Quantized pooling over raw channels-last buffers (NHWC / NDHWC): max pooling, average pooling and adaptive
// average pooling with PyTorch 1.13's numerics (its generic quantized kernels, the `onednn` engine's path).
// qlayers/functional_pool.h gives these ops on Tensors; a contiguous NCHW tensor is passed here as batch N*C with
// one channel, so both memory formats share one kernel and one formula.
//
// Promises: every path (scalar reference in kernels/reference/pool_ref.h, AVX2 vectorised over channels) gives
// bit-identical output; max pooling is a pure integer max; average pooling rounds exactly as ATen's
// avg_pool2d_out_frame: y = clamp(nearbyint(f32(sum - size * in_zp) * multiplier + f32(out_zp)), qmin, qmax),
// multiplier = f32(scale_ratio / divisor) (ratio = in_scale / out_scale in double). The kernels allocate nothing.
#pragma once

#include <cstdint>

#include "jit/cpu.h"
#include "kernels/qtype.h"

namespace qjit {

// The geometry of one pooling call; dimensions are (depth, height, width), 2-D pooling has depth 1 with kernel,
// stride and dilation 1 and padding 0 along it. x is [batch][in d][in h][in w][channels], y likewise with `out`.
// Plain arrays rather than std::array: the AVX2 file may not instantiate header templates.
struct PoolDesc {
  int64_t batch = 1;
  int64_t channels = 1;
  int64_t in[3] = {1, 1, 1};
  int64_t out[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t pad[3] = {0, 0, 0};
  int64_t dilation[3] = {1, 1, 1};
};

// How average pooling divides and requantizes (ATen's arguments of the same names).
struct AvgPoolParams {
  bool count_include_pad = true;
  int64_t divisor_override = 0;  // 0: none; otherwise the divisor of every window
  double scale_ratio = 1.0;      // in_scale / out_scale (1 when the output keeps the input's parameters)
  int32_t in_zero_point = 0;
  int32_t out_zero_point = 0;
};

// Output length of one pooled dimension as ATen's pooling_output_shape computes it (floor or ceil mode; in ceil
// mode the last window must start inside the input or its left padding). May be <= 0: callers check.
int64_t pooling_output_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation, bool ceil_mode);

// Adaptive pooling windows (ATen's start_index / end_index): output index o of `out` covers input
// [floor(o * in / out), ceil((o + 1) * in / out)).
int64_t adaptive_start_index(int64_t o, int64_t out, int64_t in);
int64_t adaptive_end_index(int64_t o, int64_t out, int64_t in);

// Max over each window (padding and dilation holes excluded; a window with no input element gives qmin).
// t is u8 or s8. isa picks the path (AVX2 on every x86 rung from avx2 up); all paths agree bit for bit.
void max_pool_nhwc(const PoolDesc& d, QType t, const void* x, void* y, Isa isa = max_isa());

// Average over each window with ATen's divisor rules: divisor_override if set, else the window clipped to the
// padded input (count_include_pad) or to the input. Dilation must be 1. t is u8 or s8.
void avg_pool_nhwc(const PoolDesc& d, const AvgPoolParams& p, QType t, const void* x, void* y, Isa isa = max_isa());

// Adaptive average pooling with ATen's quantized formula for equal input and output parameters: no zero point
// correction, y = nearbyint(sum * r) with r = f32(f32(f32(1.0 / kd) / kh) / kw) (the reciprocal built as ATen
// does). kernel, stride, pad, dilation of d are ignored. t is u8 or s8. Scalar.
void adaptive_avg_pool_nhwc(const PoolDesc& d, QType t, const void* x, void* y);

}  // namespace qjit
