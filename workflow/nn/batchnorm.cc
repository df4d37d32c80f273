#include "workflow/nn/batchnorm.h"

#include <cmath>

#include "base/error.h"
#include "workflow/nn/float_ops.h"

namespace qjit::nn {

using detail::py_bool;
using detail::py_float;

NormBase::NormBase(int64_t n, double e, std::optional<double> m, bool aff, bool track, const std::string& fn)
    : num_features(n), eps(e), momentum(m), affine(aff), track_running_stats(track) {
  check_arg(n >= 1, fn, "num_features", n, "must be >= 1");
  check_arg(std::isfinite(e) && e >= 0, fn, "eps", e, "must be finite and >= 0");
  if (m) check_arg(std::isfinite(*m), fn, "momentum", *m, "must be finite");
  if (affine) {
    weight = full({n}, 1.0);
    bias = zeros({n});
  }
  if (track) {
    running_mean = zeros({n});
    running_var = full({n}, 1.0);
    num_batches_tracked = zeros({}, DType::int64);
  }
}

std::string NormBase::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + py_float(eps) +
         ", momentum=" + (momentum ? py_float(*momentum) : std::string("None")) + ", affine=" + py_bool(affine) +
         ", track_running_stats=" + py_bool(track_running_stats);
}

std::vector<StateEntry> NormBase::local_state() {
  std::vector<StateEntry> s;
  add_state(s, "weight", weight, StateKind::parameter);
  add_state(s, "bias", bias, StateKind::parameter);
  add_state(s, "running_mean", running_mean, StateKind::buffer);
  add_state(s, "running_var", running_var, StateKind::buffer);
  add_state(s, "num_batches_tracked", num_batches_tracked, StateKind::buffer);
  return s;
}

Tensor BatchNormBase::run(const Tensor& x, int64_t min_dim, int64_t max_dim) {
  const std::string fn = qualified_name() + ".forward";
  detail::float_input(fn, x, min_dim, max_dim);
  check_arg(x.size(1) == num_features, fn, "input", x.to_string(),
            "dimension 1 must equal num_features (" + std::to_string(num_features) + ")");
  const bool use_batch_stats = is_training() || !track_running_stats;
  int64_t count = 0;
  if (is_training() && track_running_stats) {
    count = num_batches_tracked.data_ptr<int64_t>()[0] + 1;
    Tensor n = zeros({}, DType::int64);
    n.data_ptr<int64_t>()[0] = count;
    num_batches_tracked = n;
  }
  return batch_norm(x, track_running_stats ? &running_mean : nullptr, track_running_stats ? &running_var : nullptr,
                    weight, bias, use_batch_stats, momentum, eps, count);
}

Tensor batch_norm(const Tensor& x_in, Tensor* running_mean, Tensor* running_var, const Tensor& weight,
                  const Tensor& bias, bool training, std::optional<double> momentum, double eps,
                  int64_t num_batches_tracked) {
  constexpr const char* fn = "batch_norm";
  const Tensor x = detail::float_input(fn, x_in, 2, 8);
  const int64_t N = x.size(0), C = x.size(1), plane = x.numel() / std::max<int64_t>(N * C, 1);
  const bool have_running = running_mean && running_mean->defined() && running_var && running_var->defined();
  if (have_running) {
    detail::check_param(fn, "running_mean", *running_mean, {C});
    detail::check_param(fn, "running_var", *running_var, {C});
  }
  if (weight.defined()) detail::check_param(fn, "weight", weight, {C});
  if (bias.defined()) detail::check_param(fn, "bias", bias, {C});
  const bool batch_stats = training || !have_running;
  const int64_t per_channel = N * plane;
  if (batch_stats)
    check_arg(per_channel > 1 || !training, fn, "input", x.to_string(),
              "expected more than 1 value per channel when training");
  check_arg(per_channel > 0, fn, "input", x.to_string(), "must not be empty");

  std::vector<float> mean(C), invstd(C);
  std::vector<double> var_unbiased(C);
  const float* xp = x.data_ptr<float>();
  for (int64_t c = 0; c < C; ++c) {
    if (!batch_stats) {
      mean[c] = running_mean->data_ptr<float>()[c];
      invstd[c] = 1.f / std::sqrt(running_var->data_ptr<float>()[c] + static_cast<float>(eps));
      continue;
    }
    double sum = 0;
    for (int64_t n = 0; n < N; ++n) {
      const float* p = xp + (n * C + c) * plane;
      for (int64_t i = 0; i < plane; ++i) sum += p[i];
    }
    const double m = sum / double(per_channel);
    double ss = 0;
    for (int64_t n = 0; n < N; ++n) {
      const float* p = xp + (n * C + c) * plane;
      for (int64_t i = 0; i < plane; ++i) ss += (p[i] - m) * (p[i] - m);
    }
    mean[c] = static_cast<float>(m);
    invstd[c] = static_cast<float>(1.0 / std::sqrt(ss / double(per_channel) + eps));
    var_unbiased[c] = per_channel > 1 ? ss / double(per_channel - 1) : 0.0;
  }

  Tensor y = empty(x.sizes());
  float* yp = y.data_ptr<float>();
  for (int64_t c = 0; c < C; ++c) {
    const float w = weight.defined() ? weight.data_ptr<float>()[c] : 1.f;
    const float b = bias.defined() ? bias.data_ptr<float>()[c] : 0.f;
    const float alpha = invstd[c] * w;
    const float beta = b - mean[c] * alpha;
    for (int64_t n = 0; n < N; ++n) {
      const float* p = xp + (n * C + c) * plane;
      float* q = yp + (n * C + c) * plane;
      for (int64_t i = 0; i < plane; ++i) q[i] = p[i] * alpha + beta;
    }
  }

  if (training && have_running) {
    const double m = momentum ? *momentum : 1.0 / double(std::max<int64_t>(num_batches_tracked, 1));
    Tensor rm = empty({C}), rv = empty({C});
    const float* old_m = running_mean->contiguous().data_ptr<float>();
    const float* old_v = running_var->contiguous().data_ptr<float>();
    for (int64_t c = 0; c < C; ++c) {
      rm.data_ptr<float>()[c] = static_cast<float>((1 - m) * old_m[c] + m * mean[c]);
      rv.data_ptr<float>()[c] = static_cast<float>((1 - m) * old_v[c] + m * var_unbiased[c]);
    }
    *running_mean = rm;
    *running_var = rv;
  }
  return y;
}

}  // namespace qjit::nn
