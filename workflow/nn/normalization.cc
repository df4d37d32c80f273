#include "workflow/nn/normalization.h"

#include <cmath>

#include "base/error.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/float_ops.h"

namespace qjit::nn {

using detail::py_bool;
using detail::py_float;
using detail::py_tuple;

namespace {

// Normalises `rows` consecutive runs of `len` floats; the affine terms are indexed by affine_index(row, i).
template <class Affine>
void normalize_rows(const float* x, float* y, int64_t rows, int64_t len, double eps, Affine&& affine) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = x + r * len;
    double sum = 0;
    for (int64_t i = 0; i < len; ++i) sum += p[i];
    const double mean = sum / double(len);
    double ss = 0;
    for (int64_t i = 0; i < len; ++i) ss += (p[i] - mean) * (p[i] - mean);
    const float rstd = static_cast<float>(1.0 / std::sqrt(ss / double(len) + eps));
    const float m = static_cast<float>(mean);
    for (int64_t i = 0; i < len; ++i) {
      const auto [w, b] = affine(r, i);
      y[r * len + i] = (p[i] - m) * rstd * w + b;
    }
  }
}

void check_eps(const std::string& fn, double eps) {
  check_arg(std::isfinite(eps) && eps >= 0, fn, "eps", eps, "must be finite and >= 0");
}

}  // namespace

Tensor layer_norm(const Tensor& x_in, const std::vector<int64_t>& shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  constexpr const char* fn = "layer_norm";
  check_arg(!shape.empty(), fn, "normalized_shape", py_tuple(shape), "must not be empty");
  const Tensor x = detail::float_input(fn, x_in, int64_t(shape.size()), 64);
  const int64_t lead = x.dim() - int64_t(shape.size());
  int64_t len = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    check_arg(x.size(lead + int64_t(i)) == shape[i], fn, "input", x.to_string(),
              "trailing dimensions must equal normalized_shape " + py_tuple(shape));
    len *= shape[i];
  }
  if (weight.defined()) detail::check_param(fn, "weight", weight, shape);
  if (bias.defined()) detail::check_param(fn, "bias", bias, shape);
  Tensor y = empty(x.sizes());
  if (len == 0 || x.numel() == 0) return y;
  const float* w = weight.defined() ? weight.contiguous().data_ptr<float>() : nullptr;
  const float* b = bias.defined() ? bias.contiguous().data_ptr<float>() : nullptr;
  normalize_rows(x.data_ptr<float>(), y.data_ptr<float>(), x.numel() / len, len, eps, [&](int64_t, int64_t i) {
    return std::pair{w ? w[i] : 1.f, b ? b[i] : 0.f};
  });
  return y;
}

Tensor group_norm(const Tensor& x_in, int64_t G, const Tensor& weight, const Tensor& bias, double eps) {
  constexpr const char* fn = "group_norm";
  const Tensor x = detail::float_input(fn, x_in, 2, 64);
  const int64_t N = x.size(0), C = x.size(1), plane = C ? x.numel() / std::max<int64_t>(N * C, 1) : 0;
  check_arg(G >= 1 && C % G == 0, fn, "num_groups", G,
            "must be >= 1 and divide the number of channels (" + std::to_string(C) + ")");
  if (weight.defined()) detail::check_param(fn, "weight", weight, {C});
  if (bias.defined()) detail::check_param(fn, "bias", bias, {C});
  Tensor y = empty(x.sizes());
  const int64_t len = (C / G) * plane;
  if (len == 0 || N == 0) return y;
  const float* w = weight.defined() ? weight.contiguous().data_ptr<float>() : nullptr;
  const float* b = bias.defined() ? bias.contiguous().data_ptr<float>() : nullptr;
  normalize_rows(x.data_ptr<float>(), y.data_ptr<float>(), N * G, len, eps, [&](int64_t row, int64_t i) {
    const int64_t c = (row % G) * (C / G) + i / plane;
    return std::pair{w ? w[c] : 1.f, b ? b[c] : 0.f};
  });
  return y;
}

LayerNorm::LayerNorm(const std::vector<int64_t>& shape, double e, bool aff)
    : normalized_shape(shape), eps(e), elementwise_affine(aff) {
  check_arg(!shape.empty(), "nn.LayerNorm", "normalized_shape", py_tuple(shape), "must not be empty");
  for (int64_t s : shape) check_arg(s >= 1, "nn.LayerNorm", "normalized_shape", py_tuple(shape), "sizes must be >= 1");
  check_eps("nn.LayerNorm", e);
  if (aff) {
    weight = full(shape, 1.0);
    bias = zeros(shape);
  }
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, normalized_shape, weight, bias, eps); }

std::string LayerNorm::extra_repr() const {
  return py_tuple(normalized_shape) + ", eps=" + py_float(eps) + ", elementwise_affine=" + py_bool(elementwise_affine);
}

std::vector<StateEntry> LayerNorm::local_state() {
  std::vector<StateEntry> s;
  add_state(s, "weight", weight, StateKind::parameter);
  add_state(s, "bias", bias, StateKind::parameter);
  return s;
}

GroupNorm::GroupNorm(int64_t g, int64_t c, double e, bool aff) : num_groups(g), num_channels(c), eps(e), affine(aff) {
  check_arg(g >= 1, "nn.GroupNorm", "num_groups", g, "must be >= 1");
  check_arg(c >= 1 && c % g == 0, "nn.GroupNorm", "num_channels", c, "must be >= 1 and divisible by num_groups");
  check_eps("nn.GroupNorm", e);
  if (aff) {
    weight = full({c}, 1.0);
    bias = zeros({c});
  }
}

Tensor GroupNorm::forward(const Tensor& x) {
  detail::float_input("nn.GroupNorm.forward", x, 2, 64);
  check_arg(x.size(1) == num_channels, "nn.GroupNorm.forward", "input", x.to_string(),
            "dimension 1 must equal num_channels (" + std::to_string(num_channels) + ")");
  return group_norm(x, num_groups, weight, bias, eps);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups) + ", " + std::to_string(num_channels) + ", eps=" + py_float(eps) +
         ", affine=" + py_bool(affine);
}

std::vector<StateEntry> GroupNorm::local_state() {
  std::vector<StateEntry> s;
  add_state(s, "weight", weight, StateKind::parameter);
  add_state(s, "bias", bias, StateKind::parameter);
  return s;
}

// PyTorch's instance_norm: the input viewed as (1, N*C, *spatial) through batch_norm with the running stats
// repeated N times, the updated copies then averaged over N.
Tensor InstanceNormBase::run(const Tensor& x_in, int spatial_dims) {
  const std::string fn = qualified_name() + ".forward";
  Tensor x = detail::float_input(fn, x_in, spatial_dims + 1, spatial_dims + 2);
  const bool batched = x.dim() == spatial_dims + 2;
  if (!batched) {
    std::vector<int64_t> s = x.sizes();
    s.insert(s.begin(), 1);
    x = x.view(s);
  }
  const int64_t N = x.size(0), C = x.size(1);
  check_arg(C == num_features, fn, "input", x.to_string(),
            "dimension 1 must equal num_features (" + std::to_string(num_features) + ")");
  std::vector<int64_t> flat = x.sizes();
  flat[0] = 1;
  flat[1] = N * C;
  const auto repeat = [&](const Tensor& t) {
    if (!t.defined()) return t;
    Tensor r = empty({N * C});
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c) r.data_ptr<float>()[n * C + c] = t.data_ptr<float>()[c];
    return r;
  };
  const bool use_running = track_running_stats;
  Tensor rm = use_running ? repeat(running_mean) : Tensor(), rv = use_running ? repeat(running_var) : Tensor();
  int64_t count = 1;
  if (is_training() && track_running_stats) {
    count = num_batches_tracked.data_ptr<int64_t>()[0] + 1;
    Tensor t = zeros({}, DType::int64);
    t.data_ptr<int64_t>()[0] = count;
    num_batches_tracked = t;
  }
  Tensor y = batch_norm(x.view(flat), use_running ? &rm : nullptr, use_running ? &rv : nullptr, repeat(weight),
                        repeat(bias), is_training() || !track_running_stats, momentum, eps, count);
  if (is_training() && track_running_stats) {
    Tensor m = zeros({C}), v = zeros({C});
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c) {
        m.data_ptr<float>()[c] += rm.data_ptr<float>()[n * C + c] / float(N);
        v.data_ptr<float>()[c] += rv.data_ptr<float>()[n * C + c] / float(N);
      }
    running_mean = m;
    running_var = v;
  }
  y = y.view(x.sizes());
  if (!batched) {
    std::vector<int64_t> s = y.sizes();
    s.erase(s.begin());
    y = y.view(s);
  }
  return y;
}

}  // namespace qjit::nn
