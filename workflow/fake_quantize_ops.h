// Fake quantization as functions (ATen's fake_quantize_*_cachemask and their backward, PyTorch 1.13.1), with the
// numerics of ../shared/golden/NUMERICS.md section 3:
//   q    = zp + rint(x * f32(1 / f32(scale)))       (round half to even, zero point added after rounding)
//   y    = f32((clamp(q, quant_min, quant_max) - zp) * f32(scale))
//   mask = quant_min <= q <= quant_max              (the unclamped q: straight-through estimator)
//   grad_x = grad_y * mask                          (so a masked negative gradient is -0.0, as in PyTorch)
// Float zero points (per_channel_affine_float_qparams): q = rint(x * f32(1/scale) + zp), y in double then float.
//
// Outputs keep the memory format of the input (channels_last in, channels_last out). Scales must be finite and > 0
// (also as float32), zero points within [quant_min, quant_max], quant_min <= quant_max; otherwise qjit::Error.
// Non-finite inputs: NaN gives quant_min (as PyTorch's x86 build) with a zero mask; values beyond the int64 range of
// q (±inf included) clamp to the nearer end, where PyTorch's x86 build gives quant_min for both.
#pragma once

#include <cstdint>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit {

// The fake-quantized tensor and the gradient mask (uint8 0/1, PyTorch's bool), same shape and layout as x.
struct FakeQuantizeResult {
  Tensor output;
  Tensor mask;
};

// torch.fake_quantize_per_tensor_affine (scale is used as float32).
Tensor fake_quantize_per_tensor_affine(const Tensor& x, double scale, int64_t zero_point, int64_t quant_min,
                                       int64_t quant_max);
FakeQuantizeResult fake_quantize_per_tensor_affine_cachemask(const Tensor& x, double scale, int64_t zero_point,
                                                             int64_t quant_min, int64_t quant_max);

// torch.fake_quantize_per_channel_affine along axis (in [0, dim), as ATen requires): one float32 scale and one
// integer zero point per index along it.
Tensor fake_quantize_per_channel_affine(const Tensor& x, const std::vector<float>& scale,
                                        const std::vector<int64_t>& zero_point, int64_t axis, int64_t quant_min,
                                        int64_t quant_max);
FakeQuantizeResult fake_quantize_per_channel_affine_cachemask(const Tensor& x, const std::vector<float>& scale,
                                                              const std::vector<int64_t>& zero_point, int64_t axis,
                                                              int64_t quant_min, int64_t quant_max);
// The same with float zero points (ATen takes a float zero_point tensor; embeddings' QAT).
Tensor fake_quantize_per_channel_affine_float_qparams(const Tensor& x, const std::vector<float>& scale,
                                                      const std::vector<float>& zero_point, int64_t axis,
                                                      int64_t quant_min, int64_t quant_max);
FakeQuantizeResult fake_quantize_per_channel_affine_float_qparams_cachemask(const Tensor& x,
                                                                            const std::vector<float>& scale,
                                                                            const std::vector<float>& zero_point,
                                                                            int64_t axis, int64_t quant_min,
                                                                            int64_t quant_max);

// The straight-through backward of the ops above (_fake_quantize_per_tensor_affine_cachemask_backward):
// grad_y * mask, grad_y float32 of the mask's shape. The result has the mask's memory format.
Tensor fake_quantize_backward(const Tensor& grad_y, const Tensor& mask);

// LSQ (torch._fake_quantize_learnable_per_tensor_affine): scale and zero point are learnable floats.
// Forward: zero point rint(zp) clamped to the range, then fake_quantize_per_tensor_affine.
Tensor fake_quantize_learnable_per_tensor_affine(const Tensor& x, float scale, float zero_point, int64_t quant_min,
                                                 int64_t quant_max, double grad_factor = 1.0);
// Backward (_fake_quantize_learnable_per_tensor_affine_backward): with the zero point trunc(zp + 0.5) clamped and
// q = rint(zp + x / scale) (the zero point added before rounding here, as ATen does),
//   grad_x = grad_y * [qmin <= q <= qmax]
//   grad_scale = sum(grad_y * (qmin - zp) or (qmax - zp) outside, grad_y * (fq(x) - x) / scale inside) * grad_factor
//   grad_zero_point = sum(-grad_y * scale outside, 0 inside) * grad_factor
// with ATen's float32 operation order and its float32 summation order (see fake_quantize_ops.cc).
// Requires quant_min <= 0 <= quant_max, as ATen does.
struct LearnableFakeQuantizeGrads {
  Tensor grad_x;
  float grad_scale = 0;
  float grad_zero_point = 0;
};
LearnableFakeQuantizeGrads fake_quantize_learnable_per_tensor_affine_backward(const Tensor& grad_y, const Tensor& x,
                                                                             float scale, float zero_point,
                                                                             int64_t quant_min, int64_t quant_max,
                                                                             double grad_factor = 1.0);

}  // namespace qjit
