#include "workflow/observer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "base/error.h"

namespace qjit {
namespace {

// Python's floor division (quant_min // 2 of calculate_qmin_qmax: -127 // 2 == -64).
int64_t floor_div2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

bool is_symmetric(QScheme s) { return s == QScheme::per_tensor_symmetric || s == QScheme::per_channel_symmetric; }

std::string range_str(int64_t lo, int64_t hi) {
  std::string s = "[";  // built by appending: GCC 12 warns (falsely, -Wrestrict) on "literal" + std::string
  s.append(std::to_string(lo)).append(", ").append(std::to_string(hi)).append("]");
  return s;
}

}  // namespace

double ObserverQParams::scale() const {
  check_arg(scales.size() == 1, "ObserverQParams::scale", "scales.size()", scales.size(),
            "must be 1 (per-tensor parameters)");
  return scales[0];
}

int64_t ObserverQParams::zero_point() const {
  check_arg(zero_points.size() == 1, "ObserverQParams::zero_point", "zero_points.size()", zero_points.size(),
            "must be 1 (per-tensor integer parameters)");
  return zero_points[0];
}

// ---------------------------------------------------------------------------------------------------- uniform base

namespace {
// The checks of UniformQuantizationObserverBase.__init__ (and the ones PyTorch leaves out, see observer.h), then
// utils.calculate_qmin_qmax (NUMERICS.md section 2): a custom range must contain 0 and is *still halved* by
// reduce_range (floor division); otherwise the dtype's 8-bit range, [0,127] / [-64,63] with reduce_range.
std::pair<int64_t, int64_t> checked_quant_range(std::string_view fn, const UniformQuantizationArgs& a, bool per_channel) {
  check_arg(a.dtype == DType::quint8 || a.dtype == DType::qint8 || a.dtype == DType::qint32 ||
                a.dtype == DType::quint4x2,
            fn, "dtype", dtype_name(a.dtype), "must be quint8, qint8, qint32 or quint4x2");
  if (per_channel) {
    check_arg(is_per_channel(a.qscheme), fn, "qscheme", qscheme_name(a.qscheme),
              "must be per_channel_affine, per_channel_symmetric or per_channel_affine_float_qparams");
  } else {
    check_arg(a.qscheme == QScheme::per_tensor_affine || a.qscheme == QScheme::per_tensor_symmetric, fn, "qscheme",
              qscheme_name(a.qscheme), "must be per_tensor_affine or per_tensor_symmetric");
  }
  if (a.qscheme == QScheme::per_channel_affine_float_qparams) {
    check_arg(a.dtype == DType::quint8 || a.dtype == DType::quint4x2, fn, "dtype", dtype_name(a.dtype),
              "must be quint8 or quint4x2 for per_channel_affine_float_qparams");
  }
  check_arg(std::isfinite(a.eps) && a.eps > 0, fn, "eps", a.eps, "must be finite and > 0");
  check_arg(a.quant_min.has_value() == a.quant_max.has_value(), fn, "quant_min",
            a.quant_min ? std::to_string(*a.quant_min) : std::string("none"),
            "quant_min and quant_max must be given together");
  if (a.quant_min && a.quant_max) {
    int64_t qmin = *a.quant_min, qmax = *a.quant_max;
    check_arg(qmin <= 0 && 0 <= qmax, fn, "quant_min", range_str(qmin, qmax), "the custom range must include 0");
    check_arg(qmin < qmax, fn, "quant_min", range_str(qmin, qmax), "must be < quant_max");
    // PyTorch bounds only qint8 / qint32 ranges here (FakeQuantize bounds every dtype); a wider range would make
    // zero points the dtype cannot hold.
    check_arg(qmin >= qjit::quant_min(a.dtype) && qmax <= qjit::quant_max(a.dtype), fn, "quant_min",
              range_str(qmin, qmax),
              "must lie within the range of " + std::string(dtype_name(a.dtype)) + " " +
                  range_str(qjit::quant_min(a.dtype), qjit::quant_max(a.dtype)));
    if (a.reduce_range) {
      qmin = floor_div2(qmin);
      qmax = floor_div2(qmax);
    }
    return {qmin, qmax};
  }
  switch (a.dtype) {
    case DType::qint8: return a.reduce_range ? std::pair<int64_t, int64_t>{-64, 63} : std::pair<int64_t, int64_t>{-128, 127};
    case DType::quint8: return {0, a.reduce_range ? 127 : 255};
    case DType::qint32: return {qjit::quant_min(DType::qint32), qjit::quant_max(DType::qint32)};
    default: return {0, 15};  // quint4x2
  }
}
}  // namespace

UniformQuantizationObserverBase::UniformQuantizationObserverBase(std::string_view fn, const UniformQuantizationArgs& a,
                                                                 bool per_channel)
    : UniformQuantizationObserverBase(a, checked_quant_range(fn, a, per_channel)) {}

UniformQuantizationObserverBase::UniformQuantizationObserverBase(const UniformQuantizationArgs& a,
                                                                 std::pair<int64_t, int64_t> range)
    : ObserverBase(a.dtype, a.qscheme, range.first, range.second),
      reduce_range_(a.reduce_range),
      eps_(a.eps),
      has_customized_qrange_(a.quant_min.has_value() && a.quant_max.has_value()) {}

ObserverQParams UniformQuantizationObserverBase::calculate_qparams_from(const float* min_val, const float* max_val,
                                                                         size_t n) const {
  constexpr std::string_view fn = "calculate_qparams";
  ObserverQParams p;
  const bool float_qparams = qscheme() == QScheme::per_channel_affine_float_qparams;
  // check_min_max_valid: nothing observed yet -> PyTorch's defaults scale [1.0], zero point [0].
  if (n == 0 || (n == 1 && min_val[0] == std::numeric_limits<float>::infinity() &&
                 max_val[0] == -std::numeric_limits<float>::infinity())) {
    p.scales = {1.0f};
    if (float_qparams) p.float_zero_points = {0.0f};
    else p.zero_points = {0};
    return p;
  }
  const int64_t qmin = quant_min(), qmax = quant_max();
  p.scales.resize(n);
  if (float_qparams) p.float_zero_points.resize(n);
  else p.zero_points.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const float mn = min_val[i], mx = max_val[i];
    if (!(std::isfinite(mn) && std::isfinite(mx)))  // (messages built only on failure)
      throw_bad_arg(fn, arg_name(ArgAt{"min_val", i}), mn,
                    "the observed range must be finite (max_val = " + detail::format_value(mx) + ")");
    if (mn > mx) throw_bad_arg(fn, arg_name(ArgAt{"min_val", i}), mn, "must be <= max_val = " + detail::format_value(mx));
    // Every operation below is a float32 tensor operation in PyTorch, Python scalars rounded to float32 first.
    const float min_neg = std::min(mn, 0.0f), max_pos = std::max(mx, 0.0f);
    if (is_symmetric(qscheme())) {
      // amax / ((qmax - qmin) / 2): divides by 127.5 for full 8 bits, so 127.5 * scale is the largest value.
      const float amax = std::max(-min_neg, max_pos);
      const float scale = amax / static_cast<float>(static_cast<double>(qmax - qmin) / 2);
      p.scales[i] = std::max(scale, eps());  // torch.max(scale, eps): NaN cannot occur (finite, divisor > 0)
      // quint8: 128, or the floored midpoint of a custom range; signed types: 0.
      p.zero_points[i] = dtype() == DType::quint8 ? (has_customized_qrange() ? floor_div2(qmin + qmax) : 128) : 0;
    } else if (float_qparams) {
      // Embedding-style: no widening to include 0, scale 1.0 below eps, zero point -min/scale as a float.
      float scale = (mx - mn) / static_cast<float>(qmax - qmin);
      scale = scale > eps() ? scale : 1.0f;
      p.scales[i] = scale;
      p.float_zero_points[i] = (-1.0f * mn) / scale;
    } else {
      float scale = (max_pos - min_neg) / static_cast<float>(qmax - qmin);
      scale = std::max(scale, eps());
      p.scales[i] = scale;
      // qmin - round(min_neg / scale), round half to even, clamped to the range. The quotient is bounded before
      // the integer conversion: a tiny eps can make it exceed int64, and that conversion is undefined behaviour.
      const double r = std::nearbyint(static_cast<double>(min_neg / scale));
      const double bounded = std::clamp(r, -9.0e15, 9.0e15);
      p.zero_points[i] = std::clamp<int64_t>(qmin - static_cast<int64_t>(bounded), qmin, qmax);
    }
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------- no statistics

namespace {
int64_t dtype_qmin(DType t) { return is_quantized(t) ? qjit::quant_min(t) : 0; }
int64_t dtype_qmax(DType t) { return is_quantized(t) ? qjit::quant_max(t) : 0; }
}  // namespace

PlaceholderObserver::PlaceholderObserver(const Options& o)
    : ObserverBase(o.dtype, QScheme::per_tensor_affine, dtype_qmin(o.dtype), dtype_qmax(o.dtype)),
      custom_op_name_(o.custom_op_name),
      compute_dtype_(o.compute_dtype) {}

ObserverFactory PlaceholderObserver::with_args(const Options& o) {
  return [o] { return std::make_unique<PlaceholderObserver>(o); };
}

ObserverQParams PlaceholderObserver::calculate_qparams() const {
  throw Error("PlaceholderObserver::calculate_qparams: should not be called for PlaceholderObserver (dtype " +
              std::string(dtype_name(dtype())) + "): it records no statistics");
}

NoopObserver::NoopObserver(const Options& o)
    : ObserverBase(o.dtype, QScheme::per_tensor_affine, dtype_qmin(o.dtype), dtype_qmax(o.dtype)),
      custom_op_name_(o.custom_op_name) {}

ObserverFactory NoopObserver::with_args(const Options& o) {
  return [o] { return std::make_unique<NoopObserver>(o); };
}

ObserverQParams NoopObserver::calculate_qparams() const {
  throw Error("NoopObserver::calculate_qparams: should not be called for NoopObserver: it records no statistics");
}

RecordingObserver::RecordingObserver(const Options& o)
    : ObserverBase(o.dtype, QScheme::per_tensor_affine, dtype_qmin(o.dtype), dtype_qmax(o.dtype)) {}

ObserverFactory RecordingObserver::with_args(const Options& o) {
  return [o] { return std::make_unique<RecordingObserver>(o); };
}

Tensor RecordingObserver::forward(const Tensor& x) {
  check_arg(x.defined(), "RecordingObserver::forward", "x", "undefined", "must be a defined tensor");
  tensor_val_.push_back(x.clone());
  return x;
}

ObserverQParams RecordingObserver::calculate_qparams() const {
  throw Error("RecordingObserver::calculate_qparams: should not be called for RecordingObserver: it only records "
              "tensors");
}

FixedQParamsObserver::FixedQParamsObserver(const Options& o)
    : ObserverBase(o.dtype, o.qscheme, o.quant_min, o.quant_max),
      scale_(static_cast<float>(o.scale)),
      zero_point_(o.zero_point) {
  constexpr std::string_view fn = "FixedQParamsObserver";
  check_arg(o.dtype == DType::quint8 || o.dtype == DType::qint8 || o.dtype == DType::qint32, fn, "dtype",
            dtype_name(o.dtype), "must be quint8, qint8 or qint32");
  check_arg(o.qscheme == QScheme::per_tensor_affine || o.qscheme == QScheme::per_tensor_symmetric, fn, "qscheme",
            qscheme_name(o.qscheme), "must be per_tensor_affine or per_tensor_symmetric");
  check_arg(o.quant_min < o.quant_max && o.quant_min >= qjit::quant_min(o.dtype) &&
                o.quant_max <= qjit::quant_max(o.dtype),
            fn, "quant_min", range_str(o.quant_min, o.quant_max),
            "must be < quant_max and within the range of " + std::string(dtype_name(o.dtype)));
  check_scale(fn, "scale", o.scale);
  check_zero_point(fn, "zero_point", o.zero_point, o.quant_min, o.quant_max);
}

ObserverFactory FixedQParamsObserver::with_args(const Options& o) {
  return [o] { return std::make_unique<FixedQParamsObserver>(o); };
}

ObserverQParams FixedQParamsObserver::calculate_qparams() const {
  ObserverQParams p;
  p.scales = {scale_};
  p.zero_points = {zero_point_};
  return p;
}

// ---------------------------------------------------------------------------------------------------- helpers

Tensor detail::observed_floats(std::string_view fn, const Tensor& x) {
  check_arg(x.defined(), fn, "x", "undefined", "must be a defined tensor");
  check_arg(!x.is_quantized(), fn, "x.dtype", dtype_name(x.dtype()),
            "must not be quantized (observers see float tensors)");
  Tensor f = x.dtype() == DType::float32 ? x : x.to(DType::float32);
  return f.contiguous(f.suggest_memory_format());
}

}  // namespace qjit
