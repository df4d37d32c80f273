#include "workflow/fusion.h"

#include <cmath>
#include <string>
#include <vector>

#include "base/error.h"

namespace qjit {
namespace {

// The float32 values of a 1-D per-channel tensor of length n, or `fill` when it is undefined.
std::vector<float> channel_values(std::string_view fn, const char* arg, const Tensor& t, int64_t n, float fill) {
  if (!t.defined()) return std::vector<float>(static_cast<size_t>(n), fill);
  check_arg(t.dtype() == DType::float32, fn, arg, t.to_string(), "must be float32");
  check_arg(t.numel() == n, fn, arg, shape_str(t.sizes()), "must have one value per output channel");
  Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + n);
}

struct Folded {
  std::vector<float> rm, w, b, prev_bias;  // running mean, BN weight and bias, the layer's bias (0 when absent)
  std::vector<float> rsq, s;               // rsqrt(var + eps), bn_w * rsq
};

// Reads the BatchNorm's parameters for n channels and computes the folding factors.
Folded fold_factors(std::string_view fn, int64_t n, const Tensor& layer_b, const Tensor& bn_rm, const Tensor& bn_rv,
                    double eps, const Tensor& bn_w, const Tensor& bn_b) {
  check_arg(bn_rm.defined() && bn_rv.defined(), fn, "bn running stats", "undefined", "must be given");
  Folded f;
  f.rm = channel_values(fn, "bn_running_mean", bn_rm, n, 0.f);
  const std::vector<float> rv = channel_values(fn, "bn_running_var", bn_rv, n, 1.f);
  f.w = channel_values(fn, "bn_weight", bn_w, n, 1.f);
  f.b = channel_values(fn, "bn_bias", bn_b, n, 0.f);
  f.prev_bias = channel_values(fn, "bias", layer_b, n, 0.f);
  const float eps_f = static_cast<float>(eps);
  check_arg(std::isfinite(eps_f) && eps_f >= 0, fn, "bn_eps", eps, "must be finite and >= 0");
  for (size_t c = 0; c < rv.size(); ++c) {
    const float sum = rv[c] + eps_f;
    check_arg(sum > 0, fn, "bn_running_var + eps", sum, "must be > 0");
    const float r = 1.0f / std::sqrt(sum);
    f.rsq.push_back(r);
    f.s.push_back(f.w[c] * r);
  }
  return f;
}

Tensor scale_weight(const Tensor& w, const std::vector<float>& s, int64_t axis) {
  Tensor out = w.contiguous().clone();
  float* p = out.data_ptr<float>();
  const int64_t outer = axis == 0 ? 1 : out.size(0);
  const int64_t channels = out.size(axis);
  const int64_t inner = out.numel() / (outer * channels);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) p[(o * channels + c) * inner + i] *= s[c];
  return out;
}

}  // namespace

std::pair<Tensor, Tensor> fuse_conv_bn_weights(const Tensor& conv_w, const Tensor& conv_b, const Tensor& bn_rm,
                                               const Tensor& bn_rv, double bn_eps, const Tensor& bn_w,
                                               const Tensor& bn_b, bool transpose) {
  const char* fn = "fuse_conv_bn_weights";
  check_arg(conv_w.defined() && conv_w.dtype() == DType::float32 && conv_w.dim() >= 2, fn, "conv_w",
            conv_w.defined() ? conv_w.to_string() : std::string("undefined"), "must be a float32 tensor of rank >= 2");
  const int64_t axis = transpose ? 1 : 0;
  const int64_t n = conv_w.size(axis);
  const Folded f = fold_factors(fn, n, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b);
  Tensor bias = empty({n});
  float* pb = bias.data_ptr<float>();
  for (int64_t c = 0; c < n; ++c) pb[c] = (f.prev_bias[c] - f.rm[c]) * f.rsq[c] * f.w[c] + f.b[c];
  return {scale_weight(conv_w, f.s, axis), bias};
}

std::pair<Tensor, Tensor> fuse_linear_bn_weights(const Tensor& linear_w, const Tensor& linear_b, const Tensor& bn_rm,
                                                 const Tensor& bn_rv, double bn_eps, const Tensor& bn_w,
                                                 const Tensor& bn_b) {
  const char* fn = "fuse_linear_bn_weights";
  check_arg(linear_w.defined() && linear_w.dtype() == DType::float32 && linear_w.dim() == 2, fn, "linear_w",
            linear_w.defined() ? linear_w.to_string() : std::string("undefined"), "must be a float32 [out, in] tensor");
  const int64_t n = linear_w.size(0);
  const Folded f = fold_factors(fn, n, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b);
  Tensor bias = empty({n});
  float* pb = bias.data_ptr<float>();
  for (int64_t c = 0; c < n; ++c) pb[c] = (f.prev_bias[c] - f.rm[c]) * f.s[c] + f.b[c];
  return {scale_weight(linear_w, f.s, 0), bias};
}

}  // namespace qjit
