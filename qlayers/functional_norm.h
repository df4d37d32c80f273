// Quantized normalization on Tensors with PyTorch 1.13's names, arguments and numerics (ATen's
// quantized::layer_norm, group_norm, instance_norm, batch_norm1d/2d/3d and their _relu forms). The output takes
// the given output_scale / output_zero_point; weight, bias, running mean and variance are float32 tensors.
//
// Numerics (ATen's quantized_normalize_kernel and q_batch_norm_kernel, float32 throughout):
//  - layer / group / instance norm: per normalized slice of N stored integers q, mean m = f32(sum q) / N and
//    var v = max(f32(sum q^2) / N - m * m, 0) in the stored units; s = f32(x_scale / sqrt(double(v * x_scale^2) +
//    eps)); y = zp_out + nearbyint(f(q - x_zp - (m - x_zp)) / out_scale) with f = (d * s) * gamma + beta for
//    layer_norm (elementwise affine) and d * (s * gamma[c]) + beta[c] for group / instance norm, each product and
//    sum rounded to float. (Whether PyTorch's vectorised build fuses the last multiply-add cannot be told from the
//    golden cases: fused and unfused both reproduce all of them; they could differ by 1 LSB on a rounding tie.)
//  - batch norm: alpha[c] = f32(f32(1 / sqrt(var + f32(eps))) * weight * (x_scale / out_scale)),
//    beta[c] = f32((bias - mean * inv_sigma * weight) / out_scale); y = zp_out + lrintf(alpha * (q - x_zp) + beta),
//    ReLU: max(y, zp_out); clamped to the dtype's range.
// Inputs: quint8 or qint8 per tensor; either memory format (the output keeps the input's; PyTorch returns
// contiguous for layer / group / instance norm and channels_last for batch_norm2d/3d, with the same values).
// The element loops are kernels/qnorm.h (scalar reference and AVX2, bit-identical); these functions validate the
// arguments and lay out the buffers. A value whose rounding would not fit an int64 (infinite, NaN, e.g. from
// eps = 0 on a constant slice) saturates: +inf / huge to the top of the range, -inf / NaN to the bottom.
#pragma once

#include <cstdint>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit {

// quantized::layer_norm: normalized_shape must equal the trailing dimensions of x; weight and bias are either
// undefined (no affine) or float32 tensors of shape normalized_shape. eps >= 0.
Tensor layer_norm(const Tensor& x, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps, double output_scale, int64_t output_zero_point);

// quantized::group_norm: x has >= 3 dimensions [N, C, ...], num_groups > 0 divides C; weight / bias undefined or
// float32 [C].
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps,
                  double output_scale, int64_t output_zero_point);

// quantized::instance_norm: group_norm with one group per channel.
Tensor instance_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, double output_scale,
                     int64_t output_zero_point);

// quantized::batch_norm (x of 2 to 5 dimensions, channels at dimension 1) and the rank-checking forms
// batch_norm1d ([N, C] or [N, C, L]), batch_norm2d ([N, C, H, W]), batch_norm3d ([N, C, D, H, W]). running mean
// and var are float32 [C]; weight / bias float32 [C] or undefined (1 / 0).
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                  double eps, double output_scale, int64_t output_zero_point);
Tensor batch_norm1d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point);
Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point);
Tensor batch_norm3d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point);
// quantized::batch_norm_relu (and PyTorch's batch_norm2d_relu / 3d_relu, which are this with a rank check).
Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean,
                       const Tensor& var, double eps, double output_scale, int64_t output_zero_point);

}  // namespace qjit
