#include "workflow/observer_defaults.h"

namespace qjit {

ObserverFactory default_observer() { return MinMaxObserver::with_args({.quant_min = 0, .quant_max = 127}); }

ObserverFactory default_placeholder_observer() { return PlaceholderObserver::with_args(); }

ObserverFactory default_debug_observer() { return RecordingObserver::with_args(); }

ObserverFactory default_weight_observer() {
  return MinMaxObserver::with_args({.dtype = DType::qint8, .qscheme = QScheme::per_tensor_symmetric});
}

ObserverFactory weight_observer_range_neg_127_to_127() {
  return MinMaxObserver::with_args({.dtype = DType::qint8, .qscheme = QScheme::per_tensor_symmetric,
                                    .quant_min = -127, .quant_max = 127, .eps = 0x1p-12f});
}

ObserverFactory default_histogram_observer() {
  return HistogramObserver::with_args({.quant_min = 0, .quant_max = 127});
}

ObserverFactory default_per_channel_weight_observer() {
  return PerChannelMinMaxObserver::with_args({.dtype = DType::qint8, .qscheme = QScheme::per_channel_symmetric});
}

ObserverFactory per_channel_weight_observer_range_neg_127_to_127() {
  return PerChannelMinMaxObserver::with_args({.dtype = DType::qint8, .qscheme = QScheme::per_channel_symmetric,
                                              .quant_min = -127, .quant_max = 127, .eps = 0x1p-12f});
}

ObserverFactory default_dynamic_quant_observer() {
  return PlaceholderObserver::with_args({.dtype = DType::quint8, .compute_dtype = DType::quint8});
}

ObserverFactory default_float_qparams_observer() {
  return PerChannelMinMaxObserver::with_args(
      {.ch_axis = 0, .dtype = DType::quint8, .qscheme = QScheme::per_channel_affine_float_qparams});
}

ObserverFactory default_float_qparams_observer_4bit() {
  return PerChannelMinMaxObserver::with_args(
      {.ch_axis = 0, .dtype = DType::quint4x2, .qscheme = QScheme::per_channel_affine_float_qparams});
}

ObserverFactory default_fixed_qparams_range_neg1to1_observer() {
  return FixedQParamsObserver::with_args({.scale = 2.0 / 256.0, .zero_point = 128});
}

ObserverFactory default_fixed_qparams_range_0to1_observer() {
  return FixedQParamsObserver::with_args({.scale = 1.0 / 256.0, .zero_point = 0});
}

}  // namespace qjit
