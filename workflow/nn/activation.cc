#include "workflow/nn/activation.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "qlayers/functional_activation.h"
#include "workflow/nn/float_ops.h"

namespace qjit::nn {

using detail::py_float;

Tensor map_float(std::string_view fn, const Tensor& x_in, float (*f)(float, const float*), const float* args) {
  const Tensor x = detail::float_input(fn, x_in, 0, 64);
  Tensor y = empty(x.sizes());
  const float* xp = x.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) yp[i] = f(xp[i], args);
  return y;
}

// std::max(x, 0.f) would turn NaN into 0; PyTorch's relu keeps NaN.
Tensor ReLU::forward(const Tensor& x) {
  if (x.defined() && x.is_quantized()) return qjit::relu(x);
  return map_float("nn.ReLU.forward", x, [](float v, const float*) { return v < 0.f ? 0.f : v; });
}

Tensor ReLU6::forward(const Tensor& x) {
  return map_float("nn.ReLU6.forward", x, [](float v, const float*) { return v < 0.f ? 0.f : (v > 6.f ? 6.f : v); });
}

Tensor Hardswish::forward(const Tensor& x) {
  return map_float("nn.Hardswish.forward", x, [](float v, const float*) {
    return v * std::min(std::max(v + 3.f, 0.f), 6.f) / 6.f;
  });
}

Tensor ELU::forward(const Tensor& x) {
  const float a = static_cast<float>(alpha);
  return map_float("nn.ELU.forward", x, [](float v, const float* p) { return v > 0.f ? v : p[0] * std::expm1(v); }, &a);
}

std::string ELU::extra_repr() const {
  return "alpha=" + py_float(alpha) + (inplace ? ", inplace=True" : "");
}

Tensor LeakyReLU::forward(const Tensor& x) {
  const float s = static_cast<float>(negative_slope);
  return map_float("nn.LeakyReLU.forward", x, [](float v, const float* p) { return v >= 0.f ? v : v * p[0]; }, &s);
}

std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + py_float(negative_slope) + (inplace ? ", inplace=True" : "");
}

Tensor Sigmoid::forward(const Tensor& x) {
  if (x.defined() && x.is_quantized()) return qjit::sigmoid(x);
  return map_float("nn.Sigmoid.forward", x, [](float v, const float*) { return 1.f / (1.f + std::exp(-v)); });
}

Tensor Tanh::forward(const Tensor& x) {
  if (x.defined() && x.is_quantized()) return qjit::tanh(x);
  return map_float("nn.Tanh.forward", x, [](float v, const float*) { return std::tanh(v); });
}

Dropout::Dropout(double p_, bool inplace_) : p(p_), inplace(inplace_) {
  check_arg(p_ >= 0 && p_ <= 1, "nn.Dropout", "p", p_, "dropout probability has to be between 0 and 1");
}

Tensor Dropout::forward(const Tensor& x) {
  if (x.defined() && x.is_quantized()) return x;  // nnq.Dropout is the identity too
  return detail::float_input("nn.Dropout.forward", x, 0, 64);
}

std::string Dropout::extra_repr() const { return "p=" + py_float(p) + ", inplace=" + detail::py_bool(inplace); }

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  constexpr const char* fn = "flatten";
  check_arg(x.defined(), fn, "input", "undefined", "must be a defined tensor");
  const int64_t d = std::max<int64_t>(x.dim(), 1);
  check_arg(start_dim >= -d && start_dim < d, fn, "start_dim", start_dim, "out of range for input " + x.to_string());
  check_arg(end_dim >= -d && end_dim < d, fn, "end_dim", end_dim, "out of range for input " + x.to_string());
  const int64_t s = start_dim < 0 ? start_dim + d : start_dim, e = end_dim < 0 ? end_dim + d : end_dim;
  check_arg(s <= e, fn, "start_dim", start_dim, "must not come after end_dim");
  if (x.dim() == 0) return x.reshape({1});
  std::vector<int64_t> sizes(x.sizes().begin(), x.sizes().begin() + s);
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= x.size(i);
  sizes.push_back(merged);
  sizes.insert(sizes.end(), x.sizes().begin() + e + 1, x.sizes().end());
  return x.reshape(sizes);
}

Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_dim, end_dim); }

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

}  // namespace qjit::nn
