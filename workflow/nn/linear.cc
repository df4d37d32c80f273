#include "workflow/nn/linear.h"

#include <algorithm>

#include "base/error.h"
#include "kernels/sgemm.h"
#include "workflow/nn/float_ops.h"

namespace qjit::nn {

Linear::Linear(int64_t in, int64_t out, bool has_bias) : in_features(in), out_features(out) {
  check_arg(in >= 1, "nn.Linear", "in_features", in, "must be >= 1");
  check_arg(out >= 1, "nn.Linear", "out_features", out, "must be >= 1");
  weight = zeros({out, in});
  if (has_bias) bias = zeros({out});
}

Tensor linear(const Tensor& x_in, const Tensor& weight, const Tensor& bias) {
  constexpr const char* fn = "linear";
  const Tensor x = detail::float_input(fn, x_in, 1, 8);
  check_arg(weight.defined() && weight.dim() == 2, fn, "weight", weight.defined() ? weight.to_string() : "undefined",
            "must be a 2-D tensor");
  const int64_t out = weight.size(0), in = weight.size(1);
  detail::check_param(fn, "weight", weight, {out, in});
  if (bias.defined()) detail::check_param(fn, "bias", bias, {out});
  check_arg(x.size(-1) == in, fn, "input", x.to_string(), "last dimension must equal in_features (" +
            std::to_string(in) + ")");
  std::vector<int64_t> out_sizes = x.sizes();
  out_sizes.back() = out;
  Tensor y = empty(out_sizes);
  const int64_t rows = x.numel() / in;
  float* yp = y.data_ptr<float>();
  if (bias.defined()) {
    const float* b = bias.contiguous().data_ptr<float>();
    for (int64_t r = 0; r < rows; ++r) std::copy(b, b + out, yp + r * out);
  }
  const Tensor w = weight.contiguous();
  sgemm(false, true, size_t(rows), size_t(out), size_t(in), 1.f, x.data_ptr<float>(), size_t(in),
        w.data_ptr<float>(), size_t(in), bias.defined() ? 1.f : 0.f, yp, size_t(out));
  return y;
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + detail::py_bool(bias.defined());
}

std::vector<StateEntry> Linear::local_state() {
  std::vector<StateEntry> s;
  add_state(s, "weight", weight, StateKind::parameter);
  add_state(s, "bias", bias, StateKind::parameter);
  return s;
}

}  // namespace qjit::nn
