#include "workflow/nn/fused.h"

#include "base/error.h"

namespace qjit::nni {

void FusedModule::add_part(const char* fused, std::shared_ptr<nn::Module> part) {
  check_arg(part != nullptr, std::string("nni.") + fused, "part " + std::to_string(size()), "null",
            "must be a module");
  push_back(std::move(part));
}

}  // namespace qjit::nni
