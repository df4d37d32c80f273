#include "qlayers/functional_activation.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "base/error.h"
#include "kernels/qlut.h"
#include "kernels/reference/quantize_ref.h"
#include "qlayers/elementwise_util.h"
#include "qlayers/engine.h"

namespace qjit {

using detail::check_q8_per_tensor;
using detail::unary_lut_op;

namespace {

// ATen's quantize_val of a float bound with x's qparams (clamp and relu6 compare stored integers with it).
int32_t quantize_bound(const Tensor& x, double v) {
  return ref::quantize_val(static_cast<float>(v), 1.0f / static_cast<float>(x.q_scale()),
                           static_cast<int32_t>(x.q_zero_point()), qtype_of(x.dtype()));
}

// An integer clamp of the stored values into a new tensor with x's qparams, sizes and memory format.
Tensor clamp_integers(const Tensor& x, int32_t lo, int32_t hi) {
  const Tensor xd = detail::dense_in_own_format(x);
  Tensor y = empty_affine_quantized(xd.sizes(), x.q_scale(), x.q_zero_point(), x.dtype(),
                                    detail::elementwise_format(xd));
  qclamp(qtype_of(x.dtype()), xd.data_ptr<void>(), y.data_ptr<void>(), static_cast<size_t>(xd.numel()), lo, hi);
  return y;
}

void check_finite(const char* fn, const char* arg, double v) { check_arg(std::isfinite(v), fn, arg, v, "must be finite"); }

// PyTorch's fixed output qparams of sigmoid / hardsigmoid (1/256 over [0, 1)) for each dtype.
int64_t unit_interval_zero_point(DType t) { return t == DType::qint8 ? -128 : 0; }

// ATen's qelu_kernel with its generalised coefficients: x >= 0 ? x * scale_coef
// : (exp(x * input_scale_coef) - 1) * alpha * scale_coef.
Tensor elu_impl(const char* fn, const Tensor& x, double scale, int64_t zero_point, double alpha, double scale_coef,
                double input_scale_coef) {
  const auto a = static_cast<float>(alpha), sc = static_cast<float>(scale_coef),
             isc = static_cast<float>(input_scale_coef);
  // ATen's qelu_kernel: inv_o_scale = 1.0 / o_scale with o_scale a float, i.e. f32(1.0 / f64(f32(scale))).
  const float vec_inv = scale > 0.0 && std::isfinite(scale) ? detail::inv_scale_f64(static_cast<float>(scale)) : 0.0f;
  return unary_lut_op(
      fn, x, scale, zero_point, [=](float v) { return v >= 0.0f ? v * sc : (std::exp(v * isc) - 1.0f) * a * sc; },
      true, {}, vec_inv);
}

// QNNPACK's lookup-table operators (hardswish, sigmoid, tanh on quint8): the float input is is * (q - izp),
// `scaled` maps it to the output's integer scale including the zero point, clamped to [0, 255] in float and
// rounded by lrintf (half to even).
Tensor qnnpack_lut_op(const Tensor& x, double out_scale, int64_t out_zero_point,
                      const std::function<float(float)>& scaled) {
  const auto is = static_cast<float>(x.q_scale());
  const auto izp = static_cast<int32_t>(x.q_zero_point());
  QLut t{};
  for (int32_t i = 0; i < 256; ++i) {
    const float y = std::clamp(scaled(is * static_cast<float>(i - izp)), 0.0f, 255.0f);
    t[static_cast<size_t>(i)] = static_cast<uint8_t>(std::lrintf(y));
  }
  return detail::apply_luts(detail::dense_in_own_format(x), t, t, out_scale, out_zero_point);
}

bool use_qnnpack_lut(const Tensor& x) {
  return engine() == QEngine::qnnpack && x.defined() && x.dtype() == DType::quint8;
}

}  // namespace

Tensor relu(const Tensor& x) {
  check_q8_per_tensor("relu", "input", x);
  return clamp_integers(x, static_cast<int32_t>(x.q_zero_point()), static_cast<int32_t>(quant_max(x.dtype())));
}

Tensor relu6(const Tensor& x) {
  check_q8_per_tensor("relu6", "input", x);
  return clamp_integers(x, static_cast<int32_t>(x.q_zero_point()), quantize_bound(x, 6.0));
}

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  constexpr const char* fn = "clamp";
  check_q8_per_tensor(fn, "input", x);
  check_arg(min.has_value() || max.has_value(), fn, "min and max", "None", "at least one must be given");
  if (min) check_arg(!std::isnan(*min), fn, "min", *min, "must not be NaN");
  if (max) check_arg(!std::isnan(*max), fn, "max", *max, "must not be NaN");
  if (min && max) check_arg(*min <= *max, fn, "min", *min, "must be <= max (" + std::to_string(*max) + ")");
  const int32_t lo = min ? quantize_bound(x, *min) : static_cast<int32_t>(quant_min(x.dtype()));
  const int32_t hi = max ? quantize_bound(x, *max) : static_cast<int32_t>(quant_max(x.dtype()));
  return clamp_integers(x, lo, std::max(lo, hi));
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  constexpr const char* fn = "hardtanh";
  check_q8_per_tensor(fn, "input", x);
  check_finite(fn, "min_val", min_val);
  check_finite(fn, "max_val", max_val);
  check_arg(min_val <= max_val, fn, "min_val", min_val, "must be <= max_val (" + std::to_string(max_val) + ")");
  return clamp_integers(x, quantize_bound(x, min_val), quantize_bound(x, max_val));
}

Tensor hardswish(const Tensor& x, double scale, int64_t zero_point) {
  constexpr const char* fn = "hardswish";
  if (use_qnnpack_lut(x)) {
    check_q8_per_tensor(fn, "input", x);
    check_scale(fn, "output_scale", scale);
    check_zero_point(fn, "output_zero_point", zero_point, 0, 255);
    const float inv = 1.0f / static_cast<float>(scale);
    const auto ozp = static_cast<float>(zero_point);
    return qnnpack_lut_op(x, scale, zero_point, [=](float v) {
      float m = v + 3.0f;
      m = m > 0.0f ? m : 0.0f;
      m = m < 6.0f ? m : 6.0f;
      return inv * (v * m / 6.0f) + ozp;  // QNNPACK adds the zero point before rounding
    });
  }
  // ATen's qhardswish_kernel keeps the output scale as a double: its vector lambda quantizes with f32(1.0 / scale).
  return unary_lut_op(
      fn, x, scale, zero_point, [](float v) { return v * std::min(std::max(v + 3.0f, 0.0f), 6.0f) / 6.0f; }, true,
      {}, scale > 0.0 && std::isfinite(scale) ? detail::inv_scale_f64(scale) : 0.0f);
}

Tensor elu(const Tensor& x, double scale, int64_t zero_point, double alpha) {
  check_finite("elu", "alpha", alpha);
  return elu_impl("elu", x, scale, zero_point, alpha, 1.0, 1.0);
}

Tensor celu(const Tensor& x, double scale, int64_t zero_point, double alpha) {
  check_arg(std::isfinite(alpha) && alpha != 0.0, "celu", "alpha", alpha, "must be finite and non-zero");
  return elu_impl("celu", x, scale, zero_point, alpha, 1.0, 1.0 / alpha);
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  check_q8_per_tensor("leaky_relu", "input", x);
  return leaky_relu(x, negative_slope, x.q_scale(), x.q_zero_point());
}

Tensor leaky_relu(const Tensor& x, double negative_slope, double scale, int64_t zero_point) {
  check_finite("leaky_relu", "negative_slope", negative_slope);
  const auto slope = static_cast<float>(negative_slope);
  return unary_lut_op("leaky_relu", x, scale, zero_point, [=](float v) { return v > 0.0f ? v : v * slope; });
}

Tensor threshold(const Tensor& x, double threshold, double value) {
  constexpr const char* fn = "threshold";
  check_q8_per_tensor(fn, "input", x);
  check_finite(fn, "threshold", threshold);
  check_finite(fn, "value", value);
  const auto t = static_cast<float>(threshold), v = static_cast<float>(value);
  // ATen's qthreshold_kernel: inv_output_scale = f32(1.0 / f64(f32(scale))), as qelu_kernel.
  return unary_lut_op(fn, x, x.q_scale(), x.q_zero_point(), [=](float d) { return d > t ? d : v; }, true, {},
                      detail::inv_scale_f64(static_cast<float>(x.q_scale())));
}

Tensor sigmoid(const Tensor& x, double output_scale, int64_t output_zero_point) {
  // PyTorch hands quint8 sigmoid to QNNPACK under that engine, whose table assumes the output qparams 1/256, 0.
  if (use_qnnpack_lut(x) && x.qscheme() == QScheme::per_tensor_affine && output_scale == 1.0 / 256.0 &&
      output_zero_point == 0)
    return qnnpack_lut_op(x, output_scale, output_zero_point, [](float v) { return 256.0f / (1.0f + std::exp(-v)); });
  // ATen's scalar lambda computes 1 / (1 + exp(-x)) with the sum in double, its vector lambda all in float.
  return unary_lut_op(
      "sigmoid", x, output_scale, output_zero_point,
      [](float v) { return static_cast<float>(1.0f / (1.0 + static_cast<double>(std::exp(-v)))); }, true,
      [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
}

Tensor sigmoid(const Tensor& x) {
  check_q8_per_tensor("sigmoid", "input", x);
  return sigmoid(x, 1.0 / 256.0, unit_interval_zero_point(x.dtype()));
}

Tensor tanh(const Tensor& x) {
  check_q8_per_tensor("tanh", "input", x);
  if (use_qnnpack_lut(x))  // QNNPACK's table for the fixed output qparams 2/256, 128
    return qnnpack_lut_op(x, 2.0 / 256.0, 128, [](float v) { return 128.0f * std::tanh(v) + 128.0f; });
  return unary_lut_op("tanh", x, 2.0 / 256.0, x.dtype() == DType::qint8 ? 0 : 128,
                      [](float v) { return std::tanh(v); });
}

Tensor hardsigmoid(const Tensor& x) {
  check_q8_per_tensor("hardsigmoid", "input", x);
  return unary_lut_op("hardsigmoid", x, 1.0 / 256.0, unit_interval_zero_point(x.dtype()),
                      [](float v) { return std::min(std::max(v + 3.0f, 0.0f), 6.0f) / 6.0f; });
}

Tensor softmax(const Tensor& x, int64_t dim, double output_scale, int64_t output_zero_point) {
  constexpr const char* fn = "softmax";
  check_q8_per_tensor(fn, "input", x);
  check_scale(fn, "output_scale", output_scale);
  check_zero_point(fn, "output_zero_point", output_zero_point, quant_min(x.dtype()), quant_max(x.dtype()));
  const int64_t nd = std::max<int64_t>(x.dim(), 1);
  check_arg(dim >= -nd && dim < nd, fn, "dim", dim,
            "must be in [-" + std::to_string(nd) + ", " + std::to_string(nd) + ")");
  const int64_t d = x.dim() == 0 ? 0 : (dim < 0 ? dim + nd : dim);
  const Tensor xc = x.contiguous();
  Tensor y = empty_affine_quantized(x.sizes(), output_scale, output_zero_point, x.dtype());
  int64_t outer = 1, len = x.dim() == 0 ? 1 : x.size(d), inner = 1;
  for (int64_t k = 0; k < d; ++k) outer *= x.size(k);
  for (int64_t k = d + 1; k < x.dim(); ++k) inner *= x.size(k);
  const QType type = qtype_of(x.dtype());
  const auto s = static_cast<float>(x.q_scale());
  const auto zp = static_cast<int32_t>(x.q_zero_point());
  const float inv = 1.0f / static_cast<float>(output_scale);
  const auto ozp = static_cast<int32_t>(output_zero_point);
  const auto* in = static_cast<const uint8_t*>(xc.data_ptr<void>());
  auto* out = static_cast<uint8_t*>(y.data_ptr<void>());
  std::vector<float> v(static_cast<size_t>(len));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * len * inner + i;
      float mx = -INFINITY;
      for (int64_t k = 0; k < len; ++k) {
        v[static_cast<size_t>(k)] = ref::dequantize_val(ref::load_q(in, static_cast<size_t>(base + k * inner), type), s, zp);
        mx = std::max(mx, v[static_cast<size_t>(k)]);
      }
      float sum = 0.0f;
      for (float& e : v) sum += (e = std::exp(e - mx));
      const float r = 1.0f / sum;
      for (int64_t k = 0; k < len; ++k)
        ref::store_q(out, static_cast<size_t>(base + k * inner), type,
                     ref::quantize_val(v[static_cast<size_t>(k)] * r, inv, ozp, type));
    }
  const MemoryFormat fmt = detail::elementwise_format(x);
  return fmt == MemoryFormat::contiguous ? y : y.contiguous(fmt);
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  constexpr const char* fn = "mean";
  check_q8_per_tensor(fn, "input", x);
  const int64_t nd = x.dim();
  std::vector<bool> reduced(static_cast<size_t>(nd), dims.empty());
  for (int64_t d : dims) {
    check_arg(d >= -nd && d < nd, fn, "dim", d, "must be in [-" + std::to_string(nd) + ", " + std::to_string(nd) + ")");
    const auto k = static_cast<size_t>(d < 0 ? d + nd : d);
    check_arg(!reduced[k], fn, "dim", d, "appears more than once");
    reduced[k] = true;
  }
  // Kept dimensions first, reduced ones last, then ATen's qmean_inner_dim over contiguous rows. (PyTorch takes
  // this path when the reduced dimensions already are the innermost of a contiguous tensor.)
  std::vector<int64_t> perm, out_sizes;
  int64_t rows = 1, len = 1;
  for (int64_t k = 0; k < nd; ++k)
    if (!reduced[static_cast<size_t>(k)]) {
      perm.push_back(k);
      rows *= x.size(k);
    }
  for (int64_t k = 0; k < nd; ++k)
    if (reduced[static_cast<size_t>(k)]) {
      perm.push_back(k);
      len *= x.size(k);
    }
  for (int64_t k = 0; k < nd; ++k) {
    if (!reduced[static_cast<size_t>(k)]) out_sizes.push_back(x.size(k));
    else if (keepdim) out_sizes.push_back(1);
  }
  check_arg(len > 0, fn, "input", x.to_string(), "must have elements along the reduced dimensions");
  const Tensor xp = nd > 0 ? x.permute(perm).contiguous() : x.contiguous();
  Tensor y = empty_affine_quantized(out_sizes, x.q_scale(), x.q_zero_point(), x.dtype());
  const QType type = qtype_of(x.dtype());
  const void* in = xp.data_ptr<void>();
  void* out = y.data_ptr<void>();
  for (int64_t r = 0; r < rows; ++r) {
    int64_t sum = 0;
    for (int64_t k = 0; k < len; ++k) sum += ref::load_q(in, static_cast<size_t>(r * len + k), type);
    const float m = static_cast<float>(sum) / static_cast<float>(len);
    ref::store_q(out, static_cast<size_t>(r), type, static_cast<int32_t>(std::nearbyint(m)));
  }
  return y;
}

}  // namespace qjit
