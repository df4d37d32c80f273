#include "qlayers/activation.h"

#include <charconv>

#include "qlayers/functional_activation.h"

namespace qjit::nnq {

std::string python_float(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";  // integral values print as "1.0"; inf / nan as is
  return s;
}

std::string ReLU6::extra_repr() const { return inplace ? "inplace=True" : ""; }
Tensor ReLU6::forward(const Tensor& x) { return relu6(x); }

Tensor Hardswish::forward(const Tensor& x) { return hardswish(x, scale, zero_point); }

std::string ELU::extra_repr() const { return "alpha=" + python_float(alpha); }
Tensor ELU::forward(const Tensor& x) { return elu(x, scale, zero_point, alpha); }

std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + python_float(negative_slope) + (inplace ? ", inplace=True" : "");
}
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope, scale, zero_point); }

Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x, output_scale, output_zero_point); }

std::string Softmax::extra_repr() const { return "dim=" + (dim ? std::to_string(*dim) : std::string("None")); }
Tensor Softmax::forward(const Tensor& x) {
  const int64_t nd = x.defined() ? x.dim() : 0;
  const int64_t d = dim ? *dim : (nd == 0 || nd == 1 || nd == 3 ? 0 : 1);
  return softmax(x, d, scale, zero_point);
}

}  // namespace qjit::nnq
