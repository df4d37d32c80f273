// QConfig (torch.ao.quantization.qconfig, PyTorch 1.13.1): how to observe a module's activation and weight, as two
// observer factories, plus the named defaults of qconfig.py and QConfigMapping. NUMERICS.md section 4 lists them.
//
// A QConfig is the annotation a module carries (nn::Module::qconfig) for prepare / convert. Constructing one
// builds each observer once, so an invalid observer combination (symmetric + quint8 + reduce_range, ...) is a
// qjit::Error when the qconfig is made, not in the middle of prepare().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "qlayers/module.h"
#include "workflow/observer.h"

namespace qjit {

class QConfig : public nn::ModuleAnnotation {
 public:
  // Both factories must be callable and build valid observers.
  QConfig(ObserverFactory activation, ObserverFactory weight);

  const ObserverFactory& activation() const { return activation_; }
  const ObserverFactory& weight() const { return weight_; }

  // What the factories build, read once at construction.
  DType activation_dtype() const { return activation_dtype_; }
  DType weight_dtype() const { return weight_dtype_; }
  // The activation is quantized at run time (a PlaceholderObserver with compute_dtype): dynamic quantization.
  bool is_dynamic() const { return is_dynamic_; }
  // Weights observed per channel.
  bool weight_per_channel() const { return weight_per_channel_; }
  // Activation and weight both float16 placeholders (float16_dynamic_qconfig / float16_static_qconfig).
  bool is_float16() const { return activation_dtype_ == DType::float16 && weight_dtype_ == DType::float16; }

  // "QConfig(activation=HistogramObserver, weight=PerChannelMinMaxObserver)".
  std::string to_string() const;

 private:
  ObserverFactory activation_, weight_;
  DType activation_dtype_, weight_dtype_;
  bool is_dynamic_, weight_per_channel_;
};

// PyTorch's QConfigDynamic is a deprecated alias of QConfig.
using QConfigDynamic = QConfig;
using QConfigPtr = std::shared_ptr<const QConfig>;

// ---- the named qconfigs of qconfig.py
QConfigPtr default_qconfig();                  // default_observer + default_weight_observer
QConfigPtr default_debug_qconfig();            // default_debug_observer + default_weight_observer
QConfigPtr default_per_channel_qconfig();      // default_observer + default_per_channel_weight_observer
QConfigPtr default_dynamic_qconfig();          // default_dynamic_quant_observer + default_weight_observer
QConfigPtr per_channel_dynamic_qconfig();      // default_dynamic_quant_observer + default_per_channel_weight_observer
QConfigPtr float16_dynamic_qconfig();          // PlaceholderObserver(float16, compute_dtype float16) + float16
QConfigPtr float16_static_qconfig();           // PlaceholderObserver(float16) for both
QConfigPtr float_qparams_weight_only_qconfig();       // placeholder + default_float_qparams_observer
QConfigPtr float_qparams_weight_only_qconfig_4bit();  // placeholder + default_float_qparams_observer_4bit
QConfigPtr default_qat_qconfig();              // default_fake_quant + default_weight_fake_quant
QConfigPtr default_qat_qconfig_v2();           // default_fused_act_fake_quant + default_fused_wt_fake_quant
QConfigPtr default_weight_only_qconfig();      // identity activation + default_weight_fake_quant
QConfigPtr default_activation_only_qconfig();  // default_fake_quant + identity weight
QConfigPtr default_symmetric_qnnpack_qconfig();      // Histogram qint8 eps 2^-12 + weight [-127,127] eps 2^-12
QConfigPtr default_per_channel_symmetric_qnnpack_qconfig();

// get_default_qconfig(backend): "fbgemm" / "x86" (Histogram, reduce_range = true; per-channel weights), "onednn"
// (Histogram, reduce_range = false; per-channel), "qnnpack" (Histogram, reduce_range = false; per-tensor weights).
// Another backend name is a qjit::Error (PyTorch 1.13 asserts).
QConfigPtr get_default_qconfig(std::string_view backend = "x86");
// get_default_qat_qconfig(backend, version = 1): the fused moving-average fake quants (version 0: the unfused
// FakeQuantize ones).
QConfigPtr get_default_qat_qconfig(std::string_view backend = "x86", int version = 1);

// ---- QConfigMapping: which qconfig each module gets. Precedence as PyTorch's eager propagate_qconfig_: a module's
// own qconfig, else its name, else its type, else its parent's, else the global one. A null qconfig means "do not
// quantize" (as None in PyTorch) and is inherited like any other.
class QConfigMapping {
 public:
  QConfigMapping& set_global(QConfigPtr q);
  // type_name is the float module's qualified name ("nn.Linear") or class name ("Linear").
  QConfigMapping& set_object_type(std::string type_name, QConfigPtr q);
  // A dotted module name ("features.0"): the module and its descendants.
  QConfigMapping& set_module_name(std::string name, QConfigPtr q);

  const std::optional<QConfigPtr>& global() const { return global_; }
  const std::vector<std::pair<std::string, QConfigPtr>>& object_types() const { return types_; }
  const std::vector<std::pair<std::string, QConfigPtr>>& module_names() const { return names_; }
  // The qconfig set for this type / name, if any.
  std::optional<QConfigPtr> for_type(const nn::Module& m) const;
  std::optional<QConfigPtr> for_name(std::string_view name) const;

 private:
  std::optional<QConfigPtr> global_;
  std::vector<std::pair<std::string, QConfigPtr>> types_, names_;
};

// get_default_qconfig_mapping(backend): the global qconfig of get_default_qconfig(backend), with the fixed-qparams
// observers for Sigmoid / Hardsigmoid / Softmax (1/256, 0) and Tanh (2/256, 128) as PyTorch 1.13 sets them.
QConfigMapping get_default_qconfig_mapping(std::string_view backend = "x86");

}  // namespace qjit
