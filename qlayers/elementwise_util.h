// Shared plumbing of the quantized element-wise ops (functional_binary, functional_activation): argument checks,
// dense inputs in the memory format they suggest, and unary ops built as 256-entry tables.
//
// Why tables: a quint8/qint8 unary op's output depends only on the stored input byte, so evaluating the op's
// reference formula once per byte value gives a table whose application is exact by construction and fast (see
// kernels/qlut.h). ATen's generic kernels dequantize differently in their vector lambda (fma(s, q, -s*zp)) and
// their scalar tail ((q - zp) * s); two tables, one per form, reproduce even that position effect.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "kernels/qlut.h"
#include "qlayers/tensor.h"

namespace qjit::detail {

// x is defined, quint8 or qint8 (qjit::Error naming fn, arg and the dtype otherwise) and per-tensor quantized.
void check_q8_per_tensor(std::string_view fn, std::string_view arg, const Tensor& x);
// The format an element-wise op keeps: the one the input suggests (4-D / 5-D channels_last stays channels_last).
MemoryFormat elementwise_format(const Tensor& x);
// x dense in its own suggested format (no copy when it already is).
Tensor dense_in_own_format(const Tensor& x);

// How the table's input value is dequantized.
enum class Dequant { plain, fma };

// The table of y = quantize(f(dequantize(q)), out_scale, out_zero_point) over every stored byte value of `type`;
// inv_out_scale is the reciprocal the quantization multiplies by (ATen computes it differently per kernel).
QLut build_unary_lut(QType type, float in_scale, int32_t in_zero_point, float inv_out_scale, int32_t out_zero_point,
                     Dequant dequant, const std::function<float(float)>& f);

// The float reciprocals of an output scale that ATen's kernels use: 1.0f / f32(scale) (quantize_val, and kernels
// that keep the scale as float), or f32(1.0 / scale) in double (kernels that keep it as double, e.g. hardswish).
// They differ in the last bit for some scales, which moves results that lie near a rounding tie.
float inv_scale_f32(double scale);
float inv_scale_f64(double scale);

// out = f(x) requantized to (out_scale, out_zero_point), same dtype, sizes and memory format as x, computed the way
// ATen's generic cpu_kernel_vec ops are: the vector form on whole vector blocks, the plain form on the tail
// (fma_in_vector_blocks = false uses the plain form everywhere). f receives and returns float values; f_vector,
// when given, is the op as ATen's vector lambda computes it (where that differs from its scalar lambda);
// vector_inv_scale, when > 0, is the reciprocal ATen's vector lambda quantizes with (default: inv_scale_f32).
// The scalar tail always uses inv_scale_f32, as ATen's quantize_val does.
Tensor unary_lut_op(std::string_view fn, const Tensor& x, double out_scale, int64_t out_zero_point,
                    const std::function<float(float)>& f, bool fma_in_vector_blocks = true,
                    const std::function<float(float)>& f_vector = {}, float vector_inv_scale = 0.0f);

// Applies precomputed tables: vector_table on [0, aten_vector_end(numel)), tail_table on the rest.
Tensor apply_luts(const Tensor& x_dense, const QLut& vector_table, const QLut& tail_table, double out_scale,
                  int64_t out_zero_point);

}  // namespace qjit::detail
