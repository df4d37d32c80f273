#include "qlayers/functional_norm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "base/error.h"
#include "kernels/qnorm.h"
#include "qlayers/quantized_input.h"

namespace qjit {
namespace {

// An optional float32 parameter tensor of `numel` elements (undefined is allowed when `optional`).
const float* float_param(std::string_view fn, std::string_view arg, const Tensor& t, int64_t numel, bool optional,
                         Tensor& keep) {
  if (!t.defined()) {
    check_arg(optional, fn, arg, "undefined", "must be a float32 tensor");
    return nullptr;
  }
  check_arg(t.dtype() == DType::float32, fn, arg, t.to_string(), "must be a float32 tensor");
  check_arg(t.numel() == numel, fn, arg, t.to_string(), "must have " + std::to_string(numel) + " elements");
  keep = t.contiguous();
  return keep.data_ptr<float>();
}

void check_output_qparams(std::string_view fn, double scale, int64_t zero_point, DType dtype) {
  check_scale(fn, "output_scale", scale);
  check_zero_point(fn, "output_zero_point", zero_point, quant_min(dtype), quant_max(dtype));
}

void check_eps(std::string_view fn, double eps) {
  check_arg(std::isfinite(eps) && eps >= 0.0, fn, "eps", eps, "must be finite and >= 0");
}

// Runs kernels/qnorm.h's quantized_normalize on the contiguous form of x and returns the result in x's memory
// format. d holds the slice geometry and affine parameters; the quantization parameters are filled in here.
Tensor run_normalize(const Tensor& x, NormDesc d, double output_scale, int64_t output_zero_point) {
  const MemoryFormat format = detail::working_format(x);
  const Tensor src = x.contiguous();
  Tensor y = empty_affine_quantized(x.sizes(), output_scale, output_zero_point, x.dtype());
  if (y.numel() > 0) {
    d.in_scale = static_cast<float>(x.q_scale());
    d.in_zero_point = static_cast<int32_t>(x.q_zero_point());
    d.out_scale = static_cast<float>(output_scale);
    d.out_zero_point = static_cast<int32_t>(output_zero_point);
    quantized_normalize(d, qtype_of(x.dtype()), src.data_ptr(), y.data_ptr());
  }
  return format == MemoryFormat::contiguous ? y : y.contiguous(format);
}

Tensor batch_norm_impl(std::string_view fn, const Tensor& x, std::initializer_list<int64_t> ranks,
                       const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var, double eps,
                       double output_scale, int64_t output_zero_point, bool relu) {
  detail::check_quantized_activation(fn, x, ranks);
  check_eps(fn, eps);
  check_output_qparams(fn, output_scale, output_zero_point, x.dtype());
  const int64_t C = x.size(1);
  Tensor keep_w, keep_b, keep_m, keep_v;
  const float* w = float_param(fn, "weight", weight, C, true, keep_w);
  const float* b = float_param(fn, "bias", bias, C, true, keep_b);
  const float* m = float_param(fn, "running_mean", mean, C, false, keep_m);
  const float* v = float_param(fn, "running_var", var, C, false, keep_v);
  std::vector<float> alpha(static_cast<size_t>(C)), beta(static_cast<size_t>(C));
  batch_norm_fused_params(C, w, b, m, v, eps, x.q_scale(), output_scale, alpha.data(), beta.data());
  // Element-wise per channel: computed in the input's dense layout, which the output keeps.
  const MemoryFormat format = detail::working_format(x);
  const Tensor src = x.contiguous(format);
  Tensor y = empty_affine_quantized(x.sizes(), output_scale, output_zero_point, x.dtype(), format);
  if (y.numel() == 0) return y;
  const int64_t spatial = x.numel() / (x.size(0) * C);
  BatchNormDesc d;
  d.channels = C;
  d.outer = format == MemoryFormat::channels_last ? x.numel() / C : x.size(0);
  d.inner = format == MemoryFormat::channels_last ? 1 : spatial;
  d.alpha = alpha.data();
  d.beta = beta.data();
  d.in_zero_point = static_cast<int32_t>(x.q_zero_point());
  d.out_zero_point = static_cast<int32_t>(output_zero_point);
  d.relu = relu;
  q_batch_norm(d, qtype_of(x.dtype()), src.data_ptr(), y.data_ptr());
  return y;
}

}  // namespace

Tensor layer_norm(const Tensor& x, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps, double output_scale, int64_t output_zero_point) {
  constexpr std::string_view fn = "layer_norm";
  detail::check_quantized_activation(fn, x, {1, 2, 3, 4, 5, 6});
  check_eps(fn, eps);
  check_output_qparams(fn, output_scale, output_zero_point, x.dtype());
  const size_t k = normalized_shape.size();
  bool shape_ok = k >= 1 && k <= static_cast<size_t>(x.dim());
  int64_t N = 1;
  for (size_t i = 0; shape_ok && i < k; ++i) {
    shape_ok = normalized_shape[i] == x.size(x.dim() - static_cast<int64_t>(k) + static_cast<int64_t>(i));
    N *= normalized_shape[i];
  }
  check_arg(shape_ok, fn, "normalized_shape", shape_str(normalized_shape),
            "must equal the trailing dimensions of x " + shape_str(x.sizes()));
  Tensor keep_w, keep_b;
  NormDesc d;
  d.slice_size = N;
  d.slices = N ? x.numel() / N : 0;
  d.per_channel_affine = false;
  d.gamma = float_param(fn, "weight", weight, N, true, keep_w);
  d.beta = float_param(fn, "bias", bias, N, true, keep_b);
  d.eps = eps;
  return run_normalize(x, d, output_scale, output_zero_point);
}

namespace {
Tensor group_norm_impl(std::string_view fn, const Tensor& x, int64_t num_groups, const Tensor& weight,
                       const Tensor& bias, double eps, double output_scale, int64_t output_zero_point) {
  check_eps(fn, eps);
  check_output_qparams(fn, output_scale, output_zero_point, x.dtype());
  const int64_t C = x.size(1);
  check_arg(num_groups > 0 && C % num_groups == 0, fn, "num_groups", num_groups,
            "must be > 0 and divide the number of channels " + std::to_string(C));
  Tensor keep_w, keep_b;
  NormDesc d;
  d.slices = x.size(0) * num_groups;
  d.slice_size = d.slices ? x.numel() / d.slices : 0;
  d.per_channel_affine = true;
  d.channels = C;
  d.channels_per_slice = C / num_groups;
  d.gamma = float_param(fn, "weight", weight, C, true, keep_w);
  d.beta = float_param(fn, "bias", bias, C, true, keep_b);
  d.eps = eps;
  return run_normalize(x, d, output_scale, output_zero_point);
}
}  // namespace

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps,
                  double output_scale, int64_t output_zero_point) {
  detail::check_quantized_activation("group_norm", x, {3, 4, 5});
  return group_norm_impl("group_norm", x, num_groups, weight, bias, eps, output_scale, output_zero_point);
}

Tensor instance_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, double output_scale,
                     int64_t output_zero_point) {
  constexpr std::string_view fn = "instance_norm";
  detail::check_quantized_activation(fn, x, {3, 4, 5});
  return group_norm_impl(fn, x, x.size(1), weight, bias, eps, output_scale, output_zero_point);
}

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                  double eps, double output_scale, int64_t output_zero_point) {
  return batch_norm_impl("batch_norm", x, {2, 3, 4, 5}, weight, bias, mean, var, eps, output_scale,
                         output_zero_point, false);
}
Tensor batch_norm1d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point) {
  return batch_norm_impl("batch_norm1d", x, {2, 3}, weight, bias, mean, var, eps, output_scale, output_zero_point,
                         false);
}
Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point) {
  return batch_norm_impl("batch_norm2d", x, {4}, weight, bias, mean, var, eps, output_scale, output_zero_point,
                         false);
}
Tensor batch_norm3d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point) {
  return batch_norm_impl("batch_norm3d", x, {5}, weight, bias, mean, var, eps, output_scale, output_zero_point,
                         false);
}
Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean,
                       const Tensor& var, double eps, double output_scale, int64_t output_zero_point) {
  return batch_norm_impl("batch_norm_relu", x, {2, 3, 4, 5}, weight, bias, mean, var, eps, output_scale,
                         output_zero_point, true);
}

}  // namespace qjit
