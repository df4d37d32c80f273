#include "workflow/qconfig.h"

#include <cmath>

#include "base/error.h"
#include "workflow/fake_quantize.h"
#include "workflow/histogram_observer.h"
#include "workflow/minmax_observer.h"
#include "workflow/observer_defaults.h"

namespace qjit {

QConfig::QConfig(ObserverFactory activation, ObserverFactory weight)
    : activation_(std::move(activation)), weight_(std::move(weight)) {
  check_arg(static_cast<bool>(activation_), "QConfig", "activation", "empty", "must be an observer factory");
  check_arg(static_cast<bool>(weight_), "QConfig", "weight", "empty", "must be an observer factory");
  std::unique_ptr<ObserverBase> act, wt;
  try {
    act = activation_();
    wt = weight_();
  } catch (const Error& e) {
    throw Error(std::string("QConfig: invalid observer: ") + e.what());
  }
  activation_dtype_ = act->dtype();
  weight_dtype_ = wt->dtype();
  const auto* placeholder = dynamic_cast<const PlaceholderObserver*>(act.get());
  is_dynamic_ = placeholder != nullptr && placeholder->compute_dtype().has_value();
  weight_per_channel_ = is_per_channel(wt->qscheme());
  // float16 activations only go with float16 weights (float16_dynamic_qconfig / float16_static_qconfig).
  check_arg(!(activation_dtype_ == DType::float16) || weight_dtype_ == DType::float16, "QConfig", "weight dtype",
            dtype_name(weight_dtype_), "a float16 activation needs float16 weights");
}

std::string QConfig::to_string() const {
  return std::string("QConfig(activation=") + activation_()->name() + ", weight=" + weight_()->name() + ")";
}

namespace {
QConfigPtr make(ObserverFactory a, ObserverFactory w) { return std::make_shared<const QConfig>(std::move(a), std::move(w)); }

ObserverFactory histogram(bool reduce_range, DType dtype = DType::quint8,
                          float eps = std::numeric_limits<float>::epsilon()) {
  HistogramObserver::Options o;
  o.reduce_range = reduce_range;
  o.dtype = dtype;
  o.eps = eps;
  if (dtype == DType::qint8) o.qscheme = QScheme::per_tensor_symmetric;
  return HistogramObserver::with_args(o);
}

// The QAT activation observer: MovingAverageMinMax over quint8 [0, 255], halved by reduce_range.
ObserverFactory moving_average_act(bool reduce_range) {
  MovingAverageMinMaxObserver::Options o;
  o.dtype = DType::quint8;
  o.quant_min = 0;
  o.quant_max = 255;
  o.reduce_range = reduce_range;
  return MovingAverageMinMaxObserver::with_args(o);
}

ObserverFactory fused_act(bool reduce_range) {
  return FusedMovingAvgObsFakeQuantize::with_args(moving_average_act(reduce_range));
}

ObserverFactory unfused_act(bool reduce_range) { return FakeQuantize::with_args(moving_average_act(reduce_range)); }

bool is_backend(std::string_view b) { return b == "fbgemm" || b == "x86" || b == "onednn" || b == "qnnpack"; }
}  // namespace

QConfigPtr default_qconfig() { return make(default_observer(), default_weight_observer()); }
QConfigPtr default_debug_qconfig() { return make(default_debug_observer(), default_weight_observer()); }
QConfigPtr default_per_channel_qconfig() { return make(default_observer(), default_per_channel_weight_observer()); }
QConfigPtr default_dynamic_qconfig() { return make(default_dynamic_quant_observer(), default_weight_observer()); }
QConfigPtr per_channel_dynamic_qconfig() {
  return make(default_dynamic_quant_observer(), default_per_channel_weight_observer());
}
QConfigPtr float16_dynamic_qconfig() {
  return make(PlaceholderObserver::with_args({.dtype = DType::float16, .compute_dtype = DType::float16}),
              PlaceholderObserver::with_args({.dtype = DType::float16}));
}
QConfigPtr float16_static_qconfig() {
  return make(PlaceholderObserver::with_args({.dtype = DType::float16}),
              PlaceholderObserver::with_args({.dtype = DType::float16}));
}
QConfigPtr float_qparams_weight_only_qconfig() {
  return make(default_placeholder_observer(), default_float_qparams_observer());
}
QConfigPtr float_qparams_weight_only_qconfig_4bit() {
  return make(default_placeholder_observer(), default_float_qparams_observer_4bit());
}
QConfigPtr default_qat_qconfig() { return make(default_fake_quant(), default_weight_fake_quant()); }
QConfigPtr default_qat_qconfig_v2() { return make(default_fused_act_fake_quant(), default_fused_wt_fake_quant()); }
QConfigPtr default_weight_only_qconfig() {
  return make(PlaceholderObserver::with_args({.dtype = DType::float32}), default_weight_fake_quant());
}
QConfigPtr default_activation_only_qconfig() {
  return make(default_fake_quant(), PlaceholderObserver::with_args({.dtype = DType::float32}));
}
QConfigPtr default_symmetric_qnnpack_qconfig() {
  return make(histogram(false, DType::qint8, std::ldexp(1.f, -12)), weight_observer_range_neg_127_to_127());
}
QConfigPtr default_per_channel_symmetric_qnnpack_qconfig() {
  return make(histogram(false, DType::qint8, std::ldexp(1.f, -12)),
              per_channel_weight_observer_range_neg_127_to_127());
}

QConfigPtr get_default_qconfig(std::string_view backend) {
  check_arg(is_backend(backend), "get_default_qconfig", "backend", std::string(backend),
            "must be one of fbgemm, x86, onednn, qnnpack");
  if (backend == "fbgemm" || backend == "x86") return make(histogram(true), default_per_channel_weight_observer());
  if (backend == "onednn") return make(histogram(false), default_per_channel_weight_observer());
  return make(histogram(false), default_weight_observer());  // qnnpack
}

QConfigPtr get_default_qat_qconfig(std::string_view backend, int version) {
  check_arg(is_backend(backend), "get_default_qat_qconfig", "backend", std::string(backend),
            "must be one of fbgemm, x86, onednn, qnnpack");
  check_arg(version == 0 || version == 1, "get_default_qat_qconfig", "version", version, "must be 0 or 1");
  const bool rr = backend == "fbgemm" || backend == "x86";
  const bool per_channel = backend != "qnnpack";
  if (version == 0)
    return make(unfused_act(rr), per_channel ? default_per_channel_weight_fake_quant() : default_weight_fake_quant());
  return make(fused_act(rr), per_channel ? default_fused_per_channel_wt_fake_quant() : default_fused_wt_fake_quant());
}

QConfigMapping& QConfigMapping::set_global(QConfigPtr q) {
  global_ = std::move(q);
  return *this;
}

QConfigMapping& QConfigMapping::set_object_type(std::string type_name, QConfigPtr q) {
  check_arg(!type_name.empty(), "QConfigMapping.set_object_type", "type_name", type_name, "must not be empty");
  std::erase_if(types_, [&](const auto& e) { return e.first == type_name; });
  types_.emplace_back(std::move(type_name), std::move(q));
  return *this;
}

QConfigMapping& QConfigMapping::set_module_name(std::string name, QConfigPtr q) {
  check_arg(!name.empty(), "QConfigMapping.set_module_name", "name", name, "must not be empty");
  std::erase_if(names_, [&](const auto& e) { return e.first == name; });
  names_.emplace_back(std::move(name), std::move(q));
  return *this;
}

std::optional<QConfigPtr> QConfigMapping::for_type(const nn::Module& m) const {
  const std::string qualified = m.qualified_name(), plain = m.type_name();
  for (const auto& [t, q] : types_)
    if (t == qualified || t == plain) return q;
  return std::nullopt;
}

std::optional<QConfigPtr> QConfigMapping::for_name(std::string_view name) const {
  for (const auto& [n, q] : names_)
    if (n == name) return q;
  return std::nullopt;
}

QConfigMapping get_default_qconfig_mapping(std::string_view backend) {
  QConfigMapping m;
  m.set_global(get_default_qconfig(backend));
  const QConfigPtr zero_to_one = make(default_fixed_qparams_range_0to1_observer(), default_weight_observer());
  const QConfigPtr neg1_to_1 = make(default_fixed_qparams_range_neg1to1_observer(), default_weight_observer());
  m.set_object_type("nn.Sigmoid", zero_to_one).set_object_type("nn.Hardsigmoid", zero_to_one);
  m.set_object_type("nn.Softmax", zero_to_one).set_object_type("nn.Tanh", neg1_to_1);
  return m;
}

}  // namespace qjit
