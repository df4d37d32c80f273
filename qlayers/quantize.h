// Quantize / dequantize Tensors, with PyTorch's names and numerics (../shared/golden/NUMERICS.md section 1).
// The element work is done by the kernels of kernels/quantize.h and kernels/minmax.h; this layer validates the
// arguments, picks memory formats as PyTorch does and attaches the quantization parameters.
//
// Memory format: outputs take the format the input suggests (channels_last in -> channels_last out), as ATen's
// quantize_per_tensor / quantize_per_channel / dequantize do. quint4x2 tensors are always row-major.
#pragma once

#include <cstdint>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit {

// Quantization parameters as ATen's ChooseQuantizationParams returns them: the scale is the double ATen computes
// (kernels use (float)scale), the zero point an integer in [qmin, qmax].
struct QParams {
  double scale = 1.0;
  int64_t zero_point = 0;
};

// torch.quantize_per_tensor: x float32, dtype quint8 / qint8 / qint32, scale finite and > 0, zero_point within the
// dtype's range (qint32: the int32 range, as PyTorch allows).
Tensor quantize_per_tensor(const Tensor& x, double scale, int64_t zero_point, DType dtype);

// torch.quantize_per_channel along `axis` (in [0, dim), as PyTorch requires), one scale and zero point per index
// along it. Integer zero points: per_channel_affine, dtype quint8 / qint8 / qint32.
Tensor quantize_per_channel(const Tensor& x, const std::vector<double>& scales,
                            const std::vector<int64_t>& zero_points, int64_t axis, DType dtype);
// Float zero points: per_channel_affine_float_qparams (embeddings), dtype quint8 or quint4x2 (values in [0, 15],
// packed two per byte). The zero point is added before rounding: q = clamp(rint(x / scale + zp), qmin, qmax).
Tensor quantize_per_channel(const Tensor& x, const std::vector<double>& scales, const std::vector<float>& zero_points,
                            int64_t axis, DType dtype);

// ATen quant_utils::ChooseQuantizationParams, step by step (NUMERICS.md section 1): optional range halving,
// symmetric widening for preserve_sparsity, the range extended to include 0, scale in double, 0.1 when the float
// scale vanishes, optional power-of-2 scale, the 6.1e-5 floor, then the zero point from the end with the smaller
// error (the middle of the range with preserve_sparsity), clamped and rounded half to even.
// min and max must be finite with min <= max, qmin < qmax.
QParams choose_qparams(float min, float max, int32_t qmin, int32_t qmax, bool preserve_sparsity = false,
                       bool force_power_of_2 = false, bool reduce_range = false);

// torch._choose_qparams_per_tensor: choose_qparams(min(x), max(x), 0, 255, reduce_range) over a non-empty float32
// tensor (the dynamic activation parameters of dynamic Linear / LSTM). NaNs are skipped.
QParams choose_qparams_per_tensor(const Tensor& x, bool reduce_range = false);

// torch.quantize_per_tensor_dynamic: quint8 or qint8 with parameters chosen from x's range (qmin/qmax of the dtype,
// halved by reduce_range); float16 returns x.to(float16) as PyTorch does. PyTorch's QNNPACK engine ignores
// reduce_range here; qjit has no engine switch and always honours it.
Tensor quantize_per_tensor_dynamic(const Tensor& x, DType dtype, bool reduce_range = false);

// Tensor.dequantize: float32 values of a quantized tensor (per tensor, per channel, float zero points, quint4x2),
// with ATen's formulas: per tensor f32(int32(q - zp)) * f32(scale); per channel f32(double(q - zp) * scale) (the
// double scale, no float rounding in between); float zero points (f32(q) - zp) * f32(scale).
// Unlike PyTorch, a float tensor is an error rather than passed through: it is almost always a missing quantize.
Tensor dequantize(const Tensor& q);

// Tensor.int_repr: the stored integers (quint8 -> uint8, qint8 -> int8, qint32 -> int32), same shape and memory
// format. quint4x2 gives its packed bytes as PyTorch does, shaped [..., ceil(last / 2)].
Tensor int_repr(const Tensor& q);

}  // namespace qjit
