#include "qlayers/functional_norm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "base/error.h"
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

// ATen's quantized_normalize_kernel over M slices of N contiguous stored integers. Per-channel affine (group and
// instance norm): each slice holds channels_per_group channels of N / channels_per_group elements.
struct NormSpec {
  int64_t M, N;
  bool affine_per_channel;
  int64_t num_channels, num_groups;
  const float* gamma;  // may be null
  const float* beta;   // may be null
  double eps;
};

template <class T>
void normalize(const NormSpec& s, const T* x, T* y, float x_scale, int64_t x_zp, float y_scale, int64_t y_zp) {
  constexpr int64_t qmin = std::numeric_limits<T>::lowest(), qmax = std::numeric_limits<T>::max();
  const float y_inv_scale = 1.0f / y_scale;
  const int64_t channels_per_group = s.affine_per_channel ? s.num_channels / s.num_groups : 1;
  const int64_t per_channel = s.N / channels_per_group;
  auto quantize = [&](float v) {
    const int64_t q = y_zp + static_cast<int64_t>(std::nearbyint(v * y_inv_scale));
    return static_cast<T>(std::clamp(q, qmin, qmax));
  };
  for (int64_t i = 0; i < s.M; ++i) {
    const T* xs = x + i * s.N;
    T* ys = y + i * s.N;
    int64_t sum = 0, sum_sq = 0;
    for (int64_t j = 0; j < s.N; ++j) {
      sum += xs[j];
      sum_sq += static_cast<int64_t>(xs[j]) * xs[j];
    }
    // Mean and variance in the stored units (shifted by the zero point), as ATen computes them.
    const float n = static_cast<float>(s.N);
    const float mean_shifted = static_cast<float>(sum) / n;
    const float mean = mean_shifted - static_cast<float>(x_zp);
    const float sq_mean = static_cast<float>(sum_sq) / n;
    const float var = std::max(sq_mean - mean_shifted * mean_shifted, 0.0f);
    // The variance product is float, the eps addition and square root double (eps is a double in ATen).
    const float inv_std = static_cast<float>(x_scale / std::sqrt(static_cast<double>(var * x_scale * x_scale) + s.eps));
    if (s.affine_per_channel) {
      for (int64_t ch = 0; ch < channels_per_group; ++ch) {
        const int64_t c = (i * channels_per_group + ch) % s.num_channels;
        const float g = (s.gamma ? s.gamma[c] : 1.0f) * inv_std;
        const float b = s.beta ? s.beta[c] : 0.0f;
        for (int64_t j = ch * per_channel; j < (ch + 1) * per_channel; ++j) {
          const float d = static_cast<float>(static_cast<int64_t>(xs[j]) - x_zp) - mean;
          ys[j] = quantize(d * g + b);
        }
      }
    } else {
      for (int64_t j = 0; j < s.N; ++j) {
        const float d = static_cast<float>(static_cast<int64_t>(xs[j]) - x_zp) - mean;
        const float g = s.gamma ? s.gamma[j] : 1.0f, b = s.beta ? s.beta[j] : 0.0f;
        ys[j] = quantize(d * inv_std * g + b);
      }
    }
  }
}

// Runs `normalize` on the contiguous form of x and returns the result in x's memory format.
Tensor run_normalize(const Tensor& x, const NormSpec& s, double output_scale, int64_t output_zero_point) {
  const MemoryFormat format = detail::working_format(x);
  const Tensor src = x.contiguous();
  Tensor y = empty_affine_quantized(x.sizes(), output_scale, output_zero_point, x.dtype());
  if (y.numel() > 0) {
    const float xs = static_cast<float>(x.q_scale()), ys = static_cast<float>(output_scale);
    if (x.dtype() == DType::quint8)
      normalize(s, src.data_ptr<uint8_t>(), y.data_ptr<uint8_t>(), xs, x.q_zero_point(), ys, output_zero_point);
    else
      normalize(s, src.data_ptr<int8_t>(), y.data_ptr<int8_t>(), xs, x.q_zero_point(), ys, output_zero_point);
  }
  return format == MemoryFormat::contiguous ? y : y.contiguous(format);
}

template <class T>
void batch_norm_kernel(const T* x, T* y, int64_t outer, int64_t C, int64_t inner, const float* alpha,
                       const float* beta, int64_t x_zp, int64_t y_zp, bool relu) {
  constexpr int64_t qmin = std::numeric_limits<T>::lowest(), qmax = std::numeric_limits<T>::max();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const T* xs = x + (o * C + c) * inner;
      T* ys = y + (o * C + c) * inner;
      for (int64_t j = 0; j < inner; ++j) {
        const float d = static_cast<float>(static_cast<int64_t>(xs[j]) - x_zp);
        int64_t q = y_zp + std::lrint(alpha[c] * d + beta[c]);
        if (relu) q = std::max(q, y_zp);
        ys[j] = static_cast<T>(std::clamp(q, qmin, qmax));
      }
    }
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
  // ATen's compute_fused_params (float, with the scale ratio and the division by the output scale in double).
  std::vector<float> alpha(static_cast<size_t>(C)), beta(static_cast<size_t>(C));
  const double in_scale = x.q_scale();
  for (int64_t c = 0; c < C; ++c) {
    const float inv_sigma = static_cast<float>(1.0 / std::sqrt(v[c] + static_cast<float>(eps)));
    const float wv = w ? w[c] : 1.0f, bv = b ? b[c] : 0.0f;
    alpha[c] = static_cast<float>(inv_sigma * wv * (in_scale / output_scale));
    beta[c] = static_cast<float>((bv - m[c] * inv_sigma * wv) / output_scale);
  }
  // Element-wise per channel: computed in the input's dense layout, which the output keeps.
  const MemoryFormat format = detail::working_format(x);
  const Tensor src = x.contiguous(format);
  Tensor y = empty_affine_quantized(x.sizes(), output_scale, output_zero_point, x.dtype(), format);
  if (y.numel() == 0) return y;
  const int64_t spatial = x.numel() / (x.size(0) * C);
  const int64_t outer = format == MemoryFormat::channels_last ? x.numel() / C : x.size(0);
  const int64_t inner = format == MemoryFormat::channels_last ? 1 : spatial;
  if (x.dtype() == DType::quint8)
    batch_norm_kernel(src.data_ptr<uint8_t>(), y.data_ptr<uint8_t>(), outer, C, inner, alpha.data(), beta.data(),
                      x.q_zero_point(), output_zero_point, relu);
  else
    batch_norm_kernel(src.data_ptr<int8_t>(), y.data_ptr<int8_t>(), outer, C, inner, alpha.data(), beta.data(),
                      x.q_zero_point(), output_zero_point, relu);
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
  NormSpec s{};
  s.N = N;
  s.M = N ? x.numel() / N : 0;
  s.affine_per_channel = false;
  s.num_channels = s.num_groups = 1;
  s.gamma = float_param(fn, "weight", weight, N, true, keep_w);
  s.beta = float_param(fn, "bias", bias, N, true, keep_b);
  s.eps = eps;
  return run_normalize(x, s, output_scale, output_zero_point);
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
  NormSpec s{};
  s.M = x.size(0) * num_groups;
  s.N = s.M ? x.numel() / s.M : 0;
  s.affine_per_channel = true;
  s.num_channels = C;
  s.num_groups = num_groups;
  s.gamma = float_param(fn, "weight", weight, C, true, keep_w);
  s.beta = float_param(fn, "bias", bias, C, true, keep_b);
  s.eps = eps;
  return run_normalize(x, s, output_scale, output_zero_point);
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
