// Shared pieces of the float modules of workflow/nn: argument checks on float inputs, and PyTorch-style printing
// of module arguments for extra_repr() (Python's repr of floats, bools and tuples).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit::nn::detail {

// x as a contiguous (NCHW) float32 tensor; throws qjit::Error "fn: input = <tensor>: ..." when x is undefined,
// not float32, or its dimension is outside [min_dim, max_dim].
Tensor float_input(std::string_view fn, const Tensor& x, int64_t min_dim, int64_t max_dim);
// Checks a parameter's dtype (float32) and shape, naming it ("Linear.forward: weight = ...").
void check_param(std::string_view fn, std::string_view name, const Tensor& t, const std::vector<int64_t>& shape);

// Python's repr: 1e-05, 0.1, 1.0.
std::string py_float(double v);
inline std::string py_bool(bool b) { return b ? "True" : "False"; }
// (3, 3), (3,) for one element.
std::string py_tuple(const std::vector<int64_t>& v);
// A PyTorch argument given as "int or tuple": the int when one value was given, else the tuple.
std::string py_int_or_tuple(const std::vector<int64_t>& v);

// An "int or tuple" argument expanded to n values (one value is repeated); qjit::Error naming fn and arg otherwise.
std::vector<int64_t> expand_arg(std::string_view fn, std::string_view arg, const std::vector<int64_t>& v, size_t n);

}  // namespace qjit::nn::detail
