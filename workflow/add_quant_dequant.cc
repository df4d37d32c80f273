#include "workflow/add_quant_dequant.h"

#include <string>
#include <vector>

#include "base/error.h"
#include "workflow/nn/stubs.h"
#include "workflow/prepare.h"

namespace qjit {

std::shared_ptr<nn::Module> add_quant_dequant(std::shared_ptr<nn::Module> module) {
  check_arg(module != nullptr, "add_quant_dequant", "module", "null", "must not be null");
  if (module->named_children().empty() && module->qconfig) return std::make_shared<nn::QuantWrapper>(module);
  // Copy the slot list first: wrapping replaces entries.
  const auto children = module->named_children();
  for (const auto& [name, child] : children) {
    if (name == kActivationPostProcess) continue;
    std::shared_ptr<nn::Module> wrapped = add_quant_dequant(child);
    if (wrapped != child) module->set_child(name, std::move(wrapped));
  }
  return module;
}

}  // namespace qjit
