// Quantized element-wise binary ops on Tensors, PyTorch 1.13's quantized::add / add_relu / mul / mul_relu /
// add_scalar / mul_scalar / cat and torch.cat on quantized tensors (../shared/golden/NUMERICS.md section 7).
//
// Promises:
//  - a and b are per-tensor quint8 or qint8 of one dtype; shapes broadcast as in PyTorch; the result has that dtype,
//    the broadcast shape, the given output qparams, and the memory format a suggests.
//  - add / add_relu follow the process-wide engine (qlayers/engine.h), read when the op runs: onednn (default, and
//    x86 / fbgemm) is ATen's generic kernel, bit-exact including its position-dependent dequantization (vector
//    blocks of kAtenVectorBlock elements at the start of each contiguous inner run use fma, the rest does not);
//    qnnpack uses QNNPACK's fixed-point add for same-shape quint8 inputs (ties away from zero) and the generic kernel
//    otherwise, as PyTorch does. mul is the generic kernel under every engine.
//  - add_scalar / mul_scalar choose the output qparams as ATen does (pure integer work or an integer requantize).
//  - Bad input (dtype, qscheme, shapes, scales, zero points, dims) is a qjit::Error naming the argument.
#pragma once

#include <cstdint>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit {

Tensor quantized_add(const Tensor& a, const Tensor& b, double scale, int64_t zero_point);
Tensor quantized_add_relu(const Tensor& a, const Tensor& b, double scale, int64_t zero_point);
Tensor quantized_mul(const Tensor& a, const Tensor& b, double scale, int64_t zero_point);
Tensor quantized_mul_relu(const Tensor& a, const Tensor& b, double scale, int64_t zero_point);

// quantized::add_scalar(a, other): with s, z = a's qparams and c_q = rint(other / s), the output is a's integers
// with zero point z - c_q when that fits the dtype's range; otherwise the zero point saturates at the range end,
// the scale widens to keep the range, and the integers are requantized (requantize_from_int).
Tensor quantized_add_scalar(const Tensor& a, double other);
Tensor quantized_add_scalar_relu(const Tensor& a, double other);
// quantized::mul_scalar(a, other): other > 0 scales the scale, other == 0 gives zeros with scale 1 zp 0, other < 0
// mirrors the integers (q' = qmax + qmin - q) and the zero point.
Tensor quantized_mul_scalar(const Tensor& a, double other);

// quantized::cat(tensors, dim, scale, zero_point): every input dequantized and requantized to (scale, zero_point).
// Inputs: at least one, all quantized per tensor with one dtype, equal sizes outside `dim` (negative dim counts
// from the end). The result takes the first input's memory format when all inputs share it.
Tensor quantized_cat(const std::vector<Tensor>& tensors, int64_t dim, double scale, int64_t zero_point);
// torch.cat on quantized tensors: all inputs must share their qparams (PyTorch 1.13 requires it); a pure copy.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);

// Broadcast of two shapes as PyTorch's infer_size (qjit::Error naming fn and both shapes when they do not).
std::vector<int64_t> broadcast_shapes(const char* fn, const std::vector<int64_t>& a, const std::vector<int64_t>& b);

}  // namespace qjit
