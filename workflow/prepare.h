// Eager-mode prepare (torch.ao.quantization.quantize, PyTorch 1.13.1): propagate qconfigs through a module tree and
// attach observers as each quantizable module's `activation_post_process`, run by a forward hook after the
// module's forward (NUMERICS.md section 5).
//
// Which modules are observed, as in PyTorch's _add_observer_: every module with a non-null qconfig that is a leaf
// (no children) whose type is in the allow list (default: get_default_qconfig_propagation_list(), the float
// types the default static and dynamic mappings convert: nn.ReLU, nn.MaxPool2d, nn.Flatten ... are not observed,
// their quantized forms keep their input's qparams), a fused module (qualified name "nni.*", whose parts are not
// observed separately) or a FloatFunctional-like module that already has an `activation_post_process` slot (its
// typed calls run it themselves); Dropout is skipped. A module's forward hooks are not the place where PyTorch's calibration goes
// wrong silently: a module observed twice is an error here.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "qlayers/module.h"
#include "workflow/observer.h"
#include "workflow/qconfig.h"

namespace qjit {

// propagate_qconfig_(module, qconfig_dict): sets Module::qconfig on every module of the tree: the module's own
// qconfig if it has one, else the mapping's entry for its name, else for its type, else its parent's, else the
// mapping's global qconfig. Modules with no qconfig end up with null.
void propagate_qconfig_(nn::Module& model, const QConfigMapping& mapping = {});

// get_default_qconfig_propagation_list: the float module types of the default static and dynamic quantization
// mappings, plus nn.Sequential (PyTorch's list also has the QAT types, which qjit does not have).
std::set<std::string> get_default_qconfig_propagation_list();

// The name of the slot an observer goes in, as PyTorch's attribute.
inline constexpr const char* kActivationPostProcess = "activation_post_process";

// prepare(model, inplace): propagates the qconfigs already set on the model (model.qconfig, or children's) and
// attaches the activation observers. Returns the prepared model: `model` itself when inplace, else a deep copy.
// The model should be in eval mode for post-training quantization; observers record in either mode.
// allow_list: the qualified type names of the leaves to observe (PyTorch's allow_list argument).
std::shared_ptr<nn::Module> prepare(std::shared_ptr<nn::Module> model, bool inplace = false,
                                   const std::set<std::string>& allow_list = get_default_qconfig_propagation_list());

// True when `m` has an activation_post_process observer.
bool has_observer(const nn::Module& m);
// The observer of `m` (qjit::Error naming the module when it has none).
const ObserverBase& activation_observer(const nn::Module& m, const std::string& module_name = "");

// get_observer_dict: every activation_post_process in the tree by dotted name ("conv1.activation_post_process").
std::map<std::string, const ObserverBase*> get_observer_dict(nn::Module& model);

// Removes every observer and its hook (PyTorch's _remove_activation_post_process / _remove_qconfig when
// remove_qconfig is true).
void remove_observers(nn::Module& model, bool remove_qconfig = true);

}  // namespace qjit
