// Quantized normalization over raw buffers: the element loops of layer_norm / group_norm / instance_norm (ATen's
// quantized_normalize_kernel) and of batch_norm (ATen's q_batch_norm_kernel), with PyTorch 1.13's numerics as
// qlayers/functional_norm.h states them. qlayers/functional_norm.h gives these ops on Tensors and validates their
// arguments; these kernels trust theirs.
//
// Promises: every path (scalar reference in kernels/reference/qnorm_ref.h; AVX2 on every x86 rung from avx2 up)
// gives bit-identical output for every input, including values that saturate. The statistics are integer sums, so
// the AVX2 path computes them too without changing a bit. The kernels allocate nothing.
#pragma once

#include <cstdint>

#include "jit/cpu.h"
#include "kernels/qtype.h"

namespace qjit {

// `slices` rows of `slice_size` contiguous stored integers, each normalized by its own mean and variance, then
// scaled by an optional affine transform:
//  - per element (layer_norm): gamma / beta hold slice_size values, value j applies to element j of every slice;
//  - per channel (group / instance norm on contiguous NC...): slice i holds channels_per_slice channels of
//    slice_size / channels_per_slice elements each, its k-th channel is (i * channels_per_slice + k) % channels.
// gamma or beta may be null (1 and 0).
struct NormDesc {
  int64_t slices = 0;
  int64_t slice_size = 0;
  bool per_channel_affine = false;
  int64_t channels = 1;
  int64_t channels_per_slice = 1;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  double eps = 0.0;
  float in_scale = 1.0f;
  int32_t in_zero_point = 0;
  float out_scale = 1.0f;
  int32_t out_zero_point = 0;
};

// ATen's quantized_normalize: y = out_zp + nearbyint(f(x) / out_scale), clamped to t's range. t is u8 or s8.
void quantized_normalize(const NormDesc& d, QType t, const void* x, void* y, Isa isa = max_isa());

// Batch norm over a dense [outer][channels][inner] buffer: a contiguous [N, C, *] tensor is outer = N,
// inner = prod(*); a channels-last one is outer = N * prod(*), inner = 1. alpha / beta come from
// batch_norm_fused_params.
struct BatchNormDesc {
  int64_t outer = 1;
  int64_t channels = 1;
  int64_t inner = 1;
  const float* alpha = nullptr;
  const float* beta = nullptr;
  int32_t in_zero_point = 0;
  int32_t out_zero_point = 0;
  bool relu = false;  // batch_norm_relu: outputs below out_zero_point become out_zero_point
};

// ATen's compute_fused_params: alpha[c] = f32(f32(1 / sqrt(var + f32(eps))) * weight * (in_scale / out_scale)),
// beta[c] = f32((bias - mean * inv_sigma * weight) / out_scale). weight / bias may be null (1 and 0).
void batch_norm_fused_params(int64_t channels, const float* weight, const float* bias, const float* mean,
                             const float* var, double eps, double in_scale, double out_scale, float* alpha,
                             float* beta);

// ATen's q_batch_norm: y = out_zp + lrint(alpha[c] * f32(x - in_zp) + beta[c]), ReLU if asked, clamped to t's
// range. t is u8 or s8.
void q_batch_norm(const BatchNormDesc& d, QType t, const void* x, void* y, Isa isa = max_isa());

}  // namespace qjit
