// Eager-mode convert, quantize and quantize_dynamic (torch.ao.quantization.quantize, PyTorch 1.13.1).
//
// convert() walks the tree and swaps every module whose type has an entry in the mapping (and that carries a
// qconfig) for the quantized module the entry builds (swap_module / from_float): the activation observer that
// prepare() attached gives the output scale and zero point, a fresh weight observer from the qconfig is run on the
// float weight and gives the weight's (NUMERICS.md section 5). Float modules without an entry stay as they are (ReLU,
// pooling, flatten run on quantized tensors directly); their observers are removed.
//
// The mappings are data: a user adds an entry for a module type of their own (set) and passes the mapping.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "qlayers/module.h"
#include "workflow/observer.h"
#include "workflow/qconfig.h"

namespace qjit {

// What a converter gets: the float module, its name in the model, its qconfig and (static quantization) the
// activation observer prepare() attached, null for dynamic quantization.
struct ConvertContext {
  const std::string& name;
  nn::Module& module;
  const QConfig& qconfig;
  const ObserverBase* activation_observer;
};
// Builds the replacement (PyTorch's QuantizedModule.from_float).
using ModuleConverter = std::function<std::shared_ptr<nn::Module>(const ConvertContext&)>;

// Float module type (qualified name, "nn.Linear") -> converter.
class ModuleMapping {
 public:
  ModuleMapping& set(std::string float_type, ModuleConverter converter);
  const ModuleConverter* find(const nn::Module& m) const;
  bool contains(const std::string& float_type) const { return map_.count(float_type) != 0; }
  std::vector<std::string> types() const;

 private:
  std::map<std::string, ModuleConverter> map_;
};

// get_default_static_quant_module_mappings / get_default_dynamic_quant_module_mappings.
ModuleMapping get_default_static_quant_module_mappings();
ModuleMapping get_default_dynamic_quant_module_mappings();

// The weight of a float module quantized as convert does it: a fresh weight observer from the qconfig observes w,
// then quantize_per_tensor / quantize_per_channel (axis = the observer's ch_axis) with its parameters, clamping the
// stored values to the observer's [quant_min, quant_max] when that is narrower than the dtype (_clamp_weights).
Tensor quantize_weight(const Tensor& w, const QConfig& qconfig);

// convert(model, mapping, inplace, remove_qconfig): returns the converted model (`model` itself when inplace).
// A module with a qconfig and a mapping entry but no activation observer (an unprepared model) is a qjit::Error
// naming it.
std::shared_ptr<nn::Module> convert(std::shared_ptr<nn::Module> model,
                                    const ModuleMapping& mapping = get_default_static_quant_module_mappings(),
                                    bool inplace = false, bool remove_qconfig = true);

// swap_module(module, mapping): the replacement of one module, or the module itself when it is not converted.
std::shared_ptr<nn::Module> swap_module(const std::shared_ptr<nn::Module>& module, const std::string& name,
                                        const ModuleMapping& mapping);

// quantize(model, run_fn, inplace): prepare, run the calibration function on the prepared model, convert. The
// model's qconfig must be set.
std::shared_ptr<nn::Module> quantize(std::shared_ptr<nn::Module> model,
                                     const std::function<void(nn::Module&)>& run_fn, bool inplace = false,
                                     const ModuleMapping& mapping = get_default_static_quant_module_mappings());

// quantize_dynamic(model, qconfig_spec, dtype, mapping, inplace). The spec is either a set of module types
// ("nn.Linear", "nn.LSTM") that get the default qconfig of `dtype` (qint8: default_dynamic_qconfig, float16:
// float16_dynamic_qconfig, quint8: float_qparams_weight_only_qconfig, quint4x2: its 4-bit form), or a mapping from
// names / types to qconfigs. An empty type set means PyTorch's default spec for the dtype (NUMERICS.md section 4).
// Only children are swapped, as in PyTorch: quantize_dynamic of a bare Linear returns it unchanged.
std::shared_ptr<nn::Module> quantize_dynamic(std::shared_ptr<nn::Module> model,
                                             const std::set<std::string>& qconfig_spec = {},
                                             DType dtype = DType::qint8, bool inplace = false);
std::shared_ptr<nn::Module> quantize_dynamic(std::shared_ptr<nn::Module> model, const QConfigMapping& qconfig_spec,
                                             bool inplace = false);

}  // namespace qjit
