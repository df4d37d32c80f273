// Quantized activations and reductions on Tensors with PyTorch 1.13's names, arguments and numerics
// (torch.ao.nn.quantized.functional, quantized:: ops, torch.* on quantized tensors; NUMERICS.md section 7).
//
// Promises:
//  - input: quint8 or qint8, quantized per tensor; output: same dtype, sizes and memory format (element-wise ops).
//  - Integer ops keep the input qparams: relu, relu6, hardtanh, clamp, leaky_relu / threshold / celu without
//    output qparams (F.* forms: the input's qparams).
//  - Ops with output qparams take them as arguments (hardswish, elu, leaky_relu op form) or use PyTorch's fixed ones
//    (sigmoid and hardsigmoid: 1/256 with zp 0 for quint8, -128 for qint8; tanh: 2/256 with zp 128 / 0).
//  - Ops computed in float follow ATen's generic kernel (dequantize, float op, quantize with the reciprocal output
//    scale), evaluated through 256-entry tables, so every call costs one table build plus a byte lookup.
//    Under the qnnpack engine, quint8 hardswish, sigmoid (output 1/256, 0) and tanh use QNNPACK's lookup tables
//    as PyTorch does (float formula, zero point added before lrintf's rounding); everything else is generic.
//  - Bad input is a qjit::Error naming the argument and the value.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit {

Tensor relu(const Tensor& x);
Tensor relu6(const Tensor& x);
// torch.clamp(x, min, max); at least one bound; min <= max when both given.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);

// torch.ao.nn.quantized.functional.hardswish(input, scale, zero_point).
Tensor hardswish(const Tensor& x, double scale, int64_t zero_point);
// torch.ao.nn.quantized.functional.elu(input, scale, zero_point, alpha=1.0).
Tensor elu(const Tensor& x, double scale, int64_t zero_point, double alpha = 1.0);
// torch.ao.nn.quantized.functional.celu(input, scale, zero_point, alpha=1.0):
// max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
Tensor celu(const Tensor& x, double scale, int64_t zero_point, double alpha = 1.0);
// F.leaky_relu on a quantized tensor: keeps the input qparams.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
// quantized::leaky_relu(x, negative_slope, inplace, output_scale, output_zero_point).
Tensor leaky_relu(const Tensor& x, double negative_slope, double scale, int64_t zero_point);
// torch.ao.nn.quantized.functional.threshold(input, threshold, value): x > threshold ? x : value, input qparams.
Tensor threshold(const Tensor& x, double threshold, double value);

// torch.sigmoid / torch.tanh / F.hardsigmoid on quantized tensors: PyTorch's fixed output qparams.
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor hardsigmoid(const Tensor& x);
// quantized::sigmoid(x, output_scale, output_zero_point).
Tensor sigmoid(const Tensor& x, double output_scale, int64_t output_zero_point);

// quantized::softmax(x, dim, output_scale, output_zero_point): dequantize, float softmax along dim, quantize.
Tensor softmax(const Tensor& x, int64_t dim, double output_scale = 1.0 / 256.0, int64_t output_zero_point = 0);

// torch.mean(x, dims, keepdim) on a quantized tensor: keeps the input qparams; the mean of the stored integers
// rounded half to even (ATen's qmean_inner_dim kernel). dims: distinct, in [-dim, dim); empty = all dimensions.
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);

}  // namespace qjit
