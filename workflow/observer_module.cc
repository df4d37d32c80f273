#include "workflow/observer_module.h"

#include "base/error.h"

namespace qjit {

ObserverModule::ObserverModule(std::unique_ptr<ObserverBase> observer) : observer_(std::move(observer)) {
  check_arg(observer_ != nullptr, "ObserverModule", "observer", "null", "must not be null");
}

ObserverModule::ObserverModule(const ObserverModule& other)
    : ModuleBase(other), parent_hook(other.parent_hook), observer_(other.observer_->clone()) {}

std::string ObserverModule::extra_repr() const {
  return std::string("dtype=") + dtype_name(observer_->dtype()) + ", qscheme=" + qscheme_name(observer_->qscheme()) +
         ", quant_min=" + std::to_string(observer_->quant_min()) +
         ", quant_max=" + std::to_string(observer_->quant_max());
}

}  // namespace qjit
