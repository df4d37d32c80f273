#include "workflow/fake_quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "base/error.h"
#include "qlayers/quantize.h"
#include "workflow/histogram_observer.h"

namespace qjit {
namespace {

// Builds the observer and checks it can drive fake quantization: a quantized dtype, a per-tensor or per-channel
// qscheme (PyTorch asserts the latter), and not itself a fake-quantize module.
std::unique_ptr<ObserverBase> make_observer(std::string_view fn, const ObserverFactory& factory) {
  check_arg(static_cast<bool>(factory), fn, "observer", "empty", "must be an observer factory");
  std::unique_ptr<ObserverBase> obs = factory();
  check_arg(obs != nullptr, fn, "observer", "null", "the factory must build an observer");
  check_arg(dynamic_cast<FakeQuantizeBase*>(obs.get()) == nullptr, fn, "observer", obs->name(),
            "must be an observer, not a fake-quantize module");
  check_arg(is_quantized(obs->dtype()), fn, "observer.dtype", dtype_name(obs->dtype()),
            "must be a quantized dtype (an observer with statistics, not a placeholder)");
  return obs;
}

// PyTorch's initial buffers: scale [1.0], zero point [0] (a float zero point for float qparams).
ObserverQParams initial_qparams(QScheme scheme) {
  ObserverQParams q;
  q.scales = {1.0f};
  if (scheme == QScheme::per_channel_affine_float_qparams) q.float_zero_points = {0.0f};
  else q.zero_points = {0};
  return q;
}

int64_t normalized_axis(std::string_view fn, int64_t axis, const Tensor& x) {
  const int64_t dim = x.dim();
  if (!(axis >= -dim && axis < dim))  // messages are built only on failure: forward allocates nothing else
    throw_bad_arg(fn, "ch_axis", axis,
                  "must be in [-" + std::to_string(dim) + ", " + std::to_string(dim) + ") for input of shape " +
                      shape_str(x.sizes()));
  return axis < 0 ? axis + dim : axis;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------- base

Tensor FakeQuantizeBase::backward(const Tensor& grad_y) const {
  if (!ran_) throw_bad_arg(std::string(name()) + "::backward", "forward", "not run", "backward needs a forward first");
  if (!last_mask_.defined()) return grad_y;  // fake quant was off: the forward was the identity
  return fake_quantize_backward(grad_y, last_mask_);
}

// ---------------------------------------------------------------------------------------------------- FakeQuantize

FakeQuantize::FakeQuantize(std::string_view fn, const ObserverFactory& observer)
    : FakeQuantize(fn, make_observer(fn, observer)) {}

FakeQuantize::FakeQuantize(const ObserverFactory& observer) : FakeQuantize("FakeQuantize", observer) {}

FakeQuantize::FakeQuantize(std::string_view, std::unique_ptr<ObserverBase> observer)
    : FakeQuantizeBase(observer->dtype(), observer->qscheme(), observer->quant_min(), observer->quant_max()),
      observer_(std::move(observer)),
      qparams_(initial_qparams(qscheme())) {}

FakeQuantize::FakeQuantize(const FakeQuantize& o)
    : FakeQuantizeBase(o), observer_(o.observer_->clone()), qparams_(o.qparams_) {}

ObserverFactory FakeQuantize::with_args(ObserverFactory observer) {
  return [observer = std::move(observer)] { return std::make_unique<FakeQuantize>(observer); };
}

Tensor FakeQuantize::fake_quantize(std::string_view fn, const Tensor& x) {
  if (!fake_quant_enabled()) {
    record_mask(Tensor());
    return x;
  }
  FakeQuantizeResult r;
  if (is_per_channel()) {
    const int64_t axis = normalized_axis(fn, ch_axis(), x);
    if (qparams_.has_float_zero_points())
      r = fake_quantize_per_channel_affine_float_qparams_cachemask(x, qparams_.scales, qparams_.float_zero_points,
                                                                   axis, quant_min(), quant_max());
    else
      r = fake_quantize_per_channel_affine_cachemask(x, qparams_.scales, qparams_.zero_points, axis, quant_min(),
                                                     quant_max());
  } else {
    r = fake_quantize_per_tensor_affine_cachemask(x, qparams_.scale(), qparams_.zero_point(), quant_min(),
                                                  quant_max());
  }
  record_mask(std::move(r.mask));
  return r.output;
}

Tensor FakeQuantize::forward(const Tensor& x) {
  if (observer_enabled()) {
    observer_->forward(x);
    qparams_ = observer_->calculate_qparams();
  }
  return fake_quantize("FakeQuantize::forward", x);
}

// ---------------------------------------------------------------------------------------------------- fused

FusedMovingAvgObsFakeQuantize::FusedMovingAvgObsFakeQuantize(const ObserverFactory& observer)
    : FakeQuantize("FusedMovingAvgObsFakeQuantize", observer) {
  check_arg(dynamic_cast<MovingAverageMinMaxObserver*>(observer_.get()) != nullptr ||
                dynamic_cast<MovingAveragePerChannelMinMaxObserver*>(observer_.get()) != nullptr,
            "FusedMovingAvgObsFakeQuantize", "observer", observer_->name(),
            "must be a MovingAverageMinMaxObserver or MovingAveragePerChannelMinMaxObserver");
}

ObserverFactory FusedMovingAvgObsFakeQuantize::with_args(ObserverFactory observer) {
  return [observer = std::move(observer)] { return std::make_unique<FusedMovingAvgObsFakeQuantize>(observer); };
}

Tensor FusedMovingAvgObsFakeQuantize::forward(const Tensor& x) {
  constexpr std::string_view fn = "FusedMovingAvgObsFakeQuantize::forward";
  const Tensor f = detail::observed_floats(fn, x);
  // The running min / max live in the observer, as the ATen op updates the observer's buffers in place.
  // Update rule of update_moving_average: a running value still at +-inf takes the batch value, else
  // r + c * (cur - r) in float32; a batch without non-NaN values changes nothing.
  auto average = [](float running, float cur, float c) {
    return std::isinf(running) ? cur : running + c * (cur - running);
  };
  std::vector<float> rmin, rmax;
  if (auto* obs = dynamic_cast<MovingAveragePerChannelMinMaxObserver*>(observer_.get())) {
    const int64_t axis = normalized_axis(fn, obs->ch_axis(), f);
    rmin = obs->min_val();
    rmax = obs->max_val();
    const size_t channels = static_cast<size_t>(f.size(axis));
    if (rmin.empty()) {  // ATen sizes the buffers on the first call, observer on or off
      rmin.assign(channels, std::numeric_limits<float>::infinity());
      rmax.assign(channels, -std::numeric_limits<float>::infinity());
    }
    if (rmin.size() != channels)
      throw_bad_arg(fn, "x.size(ch_axis)", channels,
                    "must match the " + std::to_string(rmin.size()) + " channels observed before");
    if (observer_enabled() && f.numel() > 0) {
      std::vector<float> mn, mx;
      detail::channel_min_max(f, axis, mn, mx);
      for (size_t c = 0; c < channels; ++c) {
        if (!(mn[c] <= mx[c])) continue;
        rmin[c] = average(rmin[c], mn[c], obs->averaging_constant());
        rmax[c] = average(rmax[c], mx[c], obs->averaging_constant());
      }
    }
    obs->set_min_max(rmin, rmax);
  } else {
    auto& ma = static_cast<MovingAverageMinMaxObserver&>(*observer_);
    rmin = {ma.min_val()};
    rmax = {ma.max_val()};
    float mn, mx;
    if (observer_enabled() && f.numel() > 0 &&
        detail::finite_batch_range(f.data_ptr<float>(), static_cast<size_t>(f.numel()), &mn, &mx)) {
      rmin[0] = average(rmin[0], mn, ma.averaging_constant());
      rmax[0] = average(rmax[0], mx, ma.averaging_constant());
      ma.set_min_max(rmin[0], rmax[0]);
    }
  }
  if (fake_quant_enabled()) {
    // ChooseQuantizationParams over the running range (NUMERICS.md sections 1 and 3). Widening the range to
    // include 0 first changes nothing (ATen does it as its third step, and the symmetric widening needs
    // min < 0 < max either way) but keeps a never-observed +inf / -inf out: ATen then gets scale 0.1 from the
    // empty range, and so do we.
    ObserverQParams q;
    q.scales.resize(rmin.size());
    q.zero_points.resize(rmin.size());
    for (size_t c = 0; c < rmin.size(); ++c) {
      const QParams p = choose_qparams(std::min(rmin[c], 0.0f), std::max(rmax[c], 0.0f),
                                       static_cast<int32_t>(quant_min()), static_cast<int32_t>(quant_max()),
                                       /*preserve_sparsity=*/is_symmetric_quant());
      q.scales[c] = static_cast<float>(p.scale);  // the float32 scale buffer
      q.zero_points[c] = p.zero_point;
    }
    qparams_ = std::move(q);
  }
  return fake_quantize(fn, x);
}

// ---------------------------------------------------------------------------------------------------- fixed

FixedQParamsFakeQuantize::FixedQParamsFakeQuantize(const ObserverFactory& observer)
    : FakeQuantize("FixedQParamsFakeQuantize", observer) {
  check_arg(dynamic_cast<FixedQParamsObserver*>(observer_.get()) != nullptr, "FixedQParamsFakeQuantize", "observer",
            observer_->name(), "must be a FixedQParamsObserver");
  qparams_ = observer_->calculate_qparams();  // PyTorch shares the observer's scale / zero_point buffers
}

ObserverFactory FixedQParamsFakeQuantize::with_args(ObserverFactory observer) {
  return [observer = std::move(observer)] { return std::make_unique<FixedQParamsFakeQuantize>(observer); };
}

// ---------------------------------------------------------------------------------------------------- defaults

ObserverFactory default_fake_quant() {
  return FakeQuantize::with_args(MovingAverageMinMaxObserver::with_args(
      {.dtype = DType::quint8, .qscheme = QScheme::per_tensor_affine, .reduce_range = true, .quant_min = 0,
       .quant_max = 255}));
}

ObserverFactory default_weight_fake_quant() {
  return FakeQuantize::with_args(MovingAverageMinMaxObserver::with_args(
      {.dtype = DType::qint8, .qscheme = QScheme::per_tensor_symmetric, .reduce_range = false, .quant_min = -128,
       .quant_max = 127}));
}

ObserverFactory default_per_channel_weight_fake_quant() {
  return FakeQuantize::with_args(MovingAveragePerChannelMinMaxObserver::with_args(
      {.ch_axis = 0, .dtype = DType::qint8, .qscheme = QScheme::per_channel_symmetric, .reduce_range = false,
       .quant_min = -128, .quant_max = 127}));
}

ObserverFactory default_histogram_fake_quant() {
  return FakeQuantize::with_args(HistogramObserver::with_args(
      {.dtype = DType::quint8, .qscheme = QScheme::per_tensor_affine, .reduce_range = true, .quant_min = 0,
       .quant_max = 255}));
}

ObserverFactory default_fixed_qparams_range_0to1_fake_quant() {
  return FixedQParamsFakeQuantize::with_args(FixedQParamsObserver::with_args({.scale = 1.0 / 256.0, .zero_point = 0}));
}

ObserverFactory default_fixed_qparams_range_neg1to1_fake_quant() {
  return FixedQParamsFakeQuantize::with_args(
      FixedQParamsObserver::with_args({.scale = 2.0 / 256.0, .zero_point = 128}));
}

ObserverFactory default_embedding_fake_quant() {
  return FakeQuantize::with_args(MovingAveragePerChannelMinMaxObserver::with_args(
      {.averaging_constant = 1, .ch_axis = 0, .dtype = DType::quint8,
       .qscheme = QScheme::per_channel_affine_float_qparams, .quant_min = 0, .quant_max = 255}));
}

ObserverFactory default_embedding_fake_quant_4bit() {
  return FakeQuantize::with_args(MovingAveragePerChannelMinMaxObserver::with_args(
      {.averaging_constant = 1, .ch_axis = 0, .dtype = DType::quint4x2,
       .qscheme = QScheme::per_channel_affine_float_qparams}));
}

ObserverFactory default_fused_act_fake_quant() {
  return FusedMovingAvgObsFakeQuantize::with_args(
      MovingAverageMinMaxObserver::with_args({.dtype = DType::quint8, .quant_min = 0, .quant_max = 255}));
}

ObserverFactory default_fused_wt_fake_quant() {
  return FusedMovingAvgObsFakeQuantize::with_args(MovingAverageMinMaxObserver::with_args(
      {.dtype = DType::qint8, .qscheme = QScheme::per_tensor_symmetric, .quant_min = -128, .quant_max = 127}));
}

ObserverFactory default_fused_per_channel_wt_fake_quant() {
  return FusedMovingAvgObsFakeQuantize::with_args(MovingAveragePerChannelMinMaxObserver::with_args(
      {.dtype = DType::qint8, .qscheme = QScheme::per_channel_symmetric, .quant_min = -128, .quant_max = 127}));
}

ObserverFactory fused_wt_fake_quant_range_neg_127_to_127() {
  return FusedMovingAvgObsFakeQuantize::with_args(MovingAverageMinMaxObserver::with_args(
      {.dtype = DType::qint8, .qscheme = QScheme::per_tensor_symmetric, .quant_min = -127, .quant_max = 127,
       .eps = 0x1p-12f}));
}

ObserverFactory fused_per_channel_wt_fake_quant_range_neg_127_to_127() {
  return FusedMovingAvgObsFakeQuantize::with_args(MovingAveragePerChannelMinMaxObserver::with_args(
      {.dtype = DType::qint8, .qscheme = QScheme::per_channel_symmetric, .quant_min = -127, .quant_max = 127,
       .eps = 0x1p-12f}));
}

}  // namespace qjit
