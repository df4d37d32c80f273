#include "qlayers/norm_modules.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "base/error.h"
#include "qlayers/functional_norm.h"
#include "qlayers/quantized_input.h"

namespace qjit::nnq {
namespace {

// Python's repr of a float: the shortest decimal that reads back, "1e-05", "0.1", "1.0".
std::string py_float(double v) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

const char* py_bool(bool b) { return b ? "True" : "False"; }

void check_features(std::string_view fn, int64_t n) { check_arg(n > 0, fn, "num_features", n, "must be > 0"); }

void check_float_vector(std::string_view fn, std::string_view arg, const Tensor& t, int64_t n, bool optional) {
  if (!t.defined()) {
    check_arg(optional, fn, arg, "undefined", "must be a float32 tensor");
    return;
  }
  check_arg(t.dtype() == DType::float32 && t.numel() == n, fn, arg, t.to_string(),
            "must be a float32 tensor of " + std::to_string(n) + " elements");
}

}  // namespace

// ---------------------------------------------------------------------------------------------------- batch norm
BatchNormNd::BatchNormNd(int64_t num_features_, double eps_, double momentum_, int spatial_dims, bool relu)
    : num_features(num_features_), eps(eps_), momentum(momentum_), spatial_dims_(spatial_dims), relu_(relu) {
  check_features("nnq.BatchNorm", num_features);
  weight = full({num_features}, 1.0);
  bias = zeros({num_features});
  running_mean = zeros({num_features});
  running_var = full({num_features}, 1.0);
}

void BatchNormNd::set_params(const Tensor& weight_, const Tensor& bias_, const Tensor& running_mean_,
                             const Tensor& running_var_, double scale_, int64_t zero_point_) {
  const std::string fn = qualified_name();
  check_float_vector(fn, "weight", weight_, num_features, true);
  check_float_vector(fn, "bias", bias_, num_features, true);
  check_float_vector(fn, "running_mean", running_mean_, num_features, false);
  check_float_vector(fn, "running_var", running_var_, num_features, false);
  check_scale(fn, "scale", scale_);
  weight = weight_;
  bias = bias_;
  running_mean = running_mean_;
  running_var = running_var_;
  scale = scale_;
  zero_point = zero_point_;
}

std::string BatchNormNd::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + py_float(eps) + ", momentum=" + py_float(momentum) +
         ", affine=True, track_running_stats=True";
}

Tensor BatchNormNd::forward(const Tensor& x) {
  detail::check_quantized_activation(qualified_name(), x, {spatial_dims_ + 2});
  if (relu_) return batch_norm_relu(x, weight, bias, running_mean, running_var, eps, scale, zero_point);
  return batch_norm(x, weight, bias, running_mean, running_var, eps, scale, zero_point);
}

std::shared_ptr<BatchNorm2d> BatchNorm2d::from_params(const Tensor& weight, const Tensor& bias,
                                                      const Tensor& running_mean, const Tensor& running_var,
                                                      double eps, double scale, int64_t zero_point) {
  auto m = std::make_shared<BatchNorm2d>(running_mean.defined() ? running_mean.numel() : 0, eps);
  m->set_params(weight, bias, running_mean, running_var, scale, zero_point);
  return m;
}

std::shared_ptr<BatchNorm3d> BatchNorm3d::from_params(const Tensor& weight, const Tensor& bias,
                                                      const Tensor& running_mean, const Tensor& running_var,
                                                      double eps, double scale, int64_t zero_point) {
  auto m = std::make_shared<BatchNorm3d>(running_mean.defined() ? running_mean.numel() : 0, eps);
  m->set_params(weight, bias, running_mean, running_var, scale, zero_point);
  return m;
}

// ---------------------------------------------------------------------------------------------------- layer norm
LayerNorm::LayerNorm(std::vector<int64_t> normalized_shape_, Tensor weight_, Tensor bias_, double scale_,
                     int64_t zero_point_, double eps_, bool elementwise_affine_)
    : normalized_shape(std::move(normalized_shape_)),
      weight(std::move(weight_)),
      bias(std::move(bias_)),
      scale(scale_),
      zero_point(zero_point_),
      eps(eps_),
      elementwise_affine(elementwise_affine_) {
  constexpr std::string_view fn = "nnq.LayerNorm";
  check_arg(!normalized_shape.empty(), fn, "normalized_shape", shape_str(normalized_shape), "must not be empty");
  int64_t n = 1;
  for (int64_t d : normalized_shape) {
    check_arg(d > 0, fn, "normalized_shape", shape_str(normalized_shape), "must be > 0 in every dimension");
    n *= d;
  }
  check_scale(fn, "scale", scale);
  if (!elementwise_affine) {
    weight = Tensor();
    bias = Tensor();
  }
  check_float_vector(fn, "weight", weight, n, true);
  check_float_vector(fn, "bias", bias, n, true);
}

std::string LayerNorm::extra_repr() const {
  std::string s = "(";
  for (size_t i = 0; i < normalized_shape.size(); ++i) s += (i ? ", " : "") + std::to_string(normalized_shape[i]);
  s += normalized_shape.size() == 1 ? ",)" : ")";
  return s + ", eps=" + py_float(eps) + ", elementwise_affine=" + py_bool(elementwise_affine);
}

Tensor LayerNorm::forward(const Tensor& x) {
  return layer_norm(x, normalized_shape, weight, bias, eps, scale, zero_point);
}

// ---------------------------------------------------------------------------------------------------- group norm
GroupNorm::GroupNorm(int64_t num_groups_, int64_t num_channels_, Tensor weight_, Tensor bias_, double scale_,
                     int64_t zero_point_, double eps_, bool affine_)
    : num_groups(num_groups_),
      num_channels(num_channels_),
      weight(std::move(weight_)),
      bias(std::move(bias_)),
      scale(scale_),
      zero_point(zero_point_),
      eps(eps_),
      affine(affine_) {
  constexpr std::string_view fn = "nnq.GroupNorm";
  check_arg(num_channels > 0, fn, "num_channels", num_channels, "must be > 0");
  check_arg(num_groups > 0 && num_channels % num_groups == 0, fn, "num_groups", num_groups,
            "must be > 0 and divide num_channels " + std::to_string(num_channels));
  check_scale(fn, "scale", scale);
  if (!affine) {
    weight = Tensor();
    bias = Tensor();
  }
  check_float_vector(fn, "weight", weight, num_channels, true);
  check_float_vector(fn, "bias", bias, num_channels, true);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups) + ", " + std::to_string(num_channels) + ", eps=" + py_float(eps) +
         ", affine=" + py_bool(affine);
}

Tensor GroupNorm::forward(const Tensor& x) {
  return group_norm(x, num_groups, weight, bias, eps, scale, zero_point);
}

// ---------------------------------------------------------------------------------------------------- instance norm
InstanceNormNd::InstanceNormNd(int spatial_dims, int64_t num_features_, Tensor weight_, Tensor bias_, double scale_,
                               int64_t zero_point_, double eps_, double momentum_, bool affine_,
                               bool track_running_stats_)
    : num_features(num_features_),
      weight(std::move(weight_)),
      bias(std::move(bias_)),
      scale(scale_),
      zero_point(zero_point_),
      eps(eps_),
      momentum(momentum_),
      affine(affine_),
      track_running_stats(track_running_stats_),
      spatial_dims_(spatial_dims) {
  constexpr std::string_view fn = "nnq.InstanceNorm";
  check_features(fn, num_features);
  check_scale(fn, "scale", scale);
  check_float_vector(fn, "weight", weight, num_features, true);
  check_float_vector(fn, "bias", bias, num_features, true);
}

std::string InstanceNormNd::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + py_float(eps) + ", momentum=" + py_float(momentum) +
         ", affine=" + py_bool(affine) + ", track_running_stats=" + py_bool(track_running_stats);
}

Tensor InstanceNormNd::forward(const Tensor& x) {
  detail::check_quantized_activation(qualified_name(), x, {spatial_dims_ + 2});
  return instance_norm(x, weight, bias, eps, scale, zero_point);
}

}  // namespace qjit::nnq

namespace qjit::nniq {

std::shared_ptr<BNReLU2d> BNReLU2d::from_params(const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                                                const Tensor& running_var, double eps, double scale,
                                                int64_t zero_point) {
  auto m = std::make_shared<BNReLU2d>(running_mean.defined() ? running_mean.numel() : 0, eps);
  m->set_params(weight, bias, running_mean, running_var, scale, zero_point);
  return m;
}

std::shared_ptr<BNReLU3d> BNReLU3d::from_params(const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                                                const Tensor& running_var, double eps, double scale,
                                                int64_t zero_point) {
  auto m = std::make_shared<BNReLU3d>(running_mean.defined() ? running_mean.numel() : 0, eps);
  m->set_params(weight, bias, running_mean, running_var, scale, zero_point);
  return m;
}

}  // namespace qjit::nniq
