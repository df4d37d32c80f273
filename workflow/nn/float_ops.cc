#include "workflow/nn/float_ops.h"

#include <cstdio>
#include <cstdlib>

#include "base/error.h"

namespace qjit::nn::detail {

Tensor float_input(std::string_view fn, const Tensor& x, int64_t min_dim, int64_t max_dim) {
  check_arg(x.defined(), fn, "input", "undefined", "must be a defined tensor");
  check_arg(x.dtype() == DType::float32, fn, "input", x.to_string(), "must be float32");
  const std::string dims = min_dim == max_dim ? std::to_string(min_dim) + "-D"
                                              : std::to_string(min_dim) + "-D to " + std::to_string(max_dim) + "-D";
  check_arg(x.dim() >= min_dim && x.dim() <= max_dim, fn, "input", x.to_string(), "must be " + dims);
  return x.contiguous();
}

void check_param(std::string_view fn, std::string_view name, const Tensor& t, const std::vector<int64_t>& shape) {
  check_arg(t.defined(), fn, name, "undefined", "must be set");
  check_arg(t.dtype() == DType::float32, fn, name, t.to_string(), "must be float32");
  check_arg(t.sizes() == shape, fn, name, t.to_string(), "must have shape " + shape_str(shape));
}

std::string py_float(double v) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // Python writes 1.0, not 1 (n: inf, nan)
  return s;
}

std::string py_tuple(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

std::string py_int_or_tuple(const std::vector<int64_t>& v) {
  return v.size() == 1 ? std::to_string(v[0]) : py_tuple(v);
}

std::vector<int64_t> expand_arg(std::string_view fn, std::string_view arg, const std::vector<int64_t>& v, size_t n) {
  check_arg(v.size() == 1 || v.size() == n, fn, arg, py_tuple(v),
            "must hold 1 or " + std::to_string(n) + " values");
  return v.size() == 1 ? std::vector<int64_t>(n, v[0]) : v;
}

}  // namespace qjit::nn::detail
