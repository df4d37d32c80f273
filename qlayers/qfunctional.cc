#include "qlayers/qfunctional.h"

#include "base/error.h"
#include "qlayers/activation.h"
#include "qlayers/functional_binary.h"

namespace qjit::nnq {

QFunctional::QFunctional() { register_module("activation_post_process", std::make_shared<nn::Identity>()); }

std::shared_ptr<QFunctional> QFunctional::from_qparams(double scale, int64_t zero_point) {
  check_scale("QFunctional.from_qparams", "scale", scale);
  auto m = std::make_shared<QFunctional>();
  m->scale = scale;
  m->zero_point = zero_point;
  return m;
}

std::string QFunctional::extra_repr() const {
  return "scale=" + python_float(scale) + ", zero_point=" + std::to_string(zero_point);
}

Tensor QFunctional::forward(const Tensor&) {
  throw Error("QFunctional.forward: Functional is not intended to use the 'forward'. Please use the underlying "
              "operation (add, add_scalar, mul, mul_scalar, cat, add_relu)");
}

// The child runs through its slot (so a pass may replace it); the module's own hooks do not run, as PyTorch's
// FloatFunctional methods bypass __call__.
Tensor QFunctional::post_process(const Tensor& r) { return call("activation_post_process", r); }

Tensor QFunctional::add(const Tensor& x, const Tensor& y) {
  return post_process(quantized_add(x, y, scale, zero_point));
}
Tensor QFunctional::add_scalar(const Tensor& x, double y) { return quantized_add_scalar(x, y); }
Tensor QFunctional::mul(const Tensor& x, const Tensor& y) {
  return post_process(quantized_mul(x, y, scale, zero_point));
}
Tensor QFunctional::mul_scalar(const Tensor& x, double y) { return quantized_mul_scalar(x, y); }
Tensor QFunctional::cat(const std::vector<Tensor>& x, int64_t dim) {
  return post_process(quantized_cat(x, dim, scale, zero_point));
}
Tensor QFunctional::add_relu(const Tensor& x, const Tensor& y) {
  return post_process(quantized_add_relu(x, y, scale, zero_point));
}

}  // namespace qjit::nnq
