// PyTorch's Module.named_parameters / named_buffers / state_dict / load_state_dict for qjit::nn module trees.
// Names are PyTorch's dotted paths: the module path from the root, then the local name ("conv1.weight",
// "features.0.bn.running_mean"). Only modules implementing nn::HasState contribute (every float module with
// parameters or buffers in workflow/nn does).
//
// load_state_dict, as PyTorch's:
//  - a key whose module path and local name exist is loaded; its tensor must have the module's shape and dtype,
//    else qjit::Error naming the key and both shapes (in strict and non-strict mode, as PyTorch);
//  - strict: any missing or unexpected key is a qjit::Error listing them; non-strict: they are returned.
// Loading replaces the module's tensor handles with copies of the given tensors: the caller's tensors and any
// clone of the module are left untouched.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "qlayers/module.h"

namespace qjit {

// Ordered name -> tensor pairs (PyTorch's OrderedDict). Tensors are the module's handles (shared, not copies).
using StateDict = std::vector<std::pair<std::string, Tensor>>;

StateDict named_parameters(nn::Module& module);
StateDict named_buffers(nn::Module& module);
// Parameters and buffers, module by module in named_modules() order, each module's own entries in its order.
StateDict state_dict(nn::Module& module);

struct IncompatibleKeys {
  std::vector<std::string> missing_keys, unexpected_keys;
};

IncompatibleKeys load_state_dict(nn::Module& module, const StateDict& state, bool strict = true);

}  // namespace qjit
