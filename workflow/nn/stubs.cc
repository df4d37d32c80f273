#include "workflow/nn/stubs.h"

#include "base/error.h"

namespace qjit::nn {

QuantWrapper::QuantWrapper(std::shared_ptr<Module> module) {
  check_arg(module != nullptr, "nn.QuantWrapper", "module", "null", "must be a module");
  register_module("quant", std::make_shared<QuantStub>(module->qconfig));
  register_module("dequant", std::make_shared<DeQuantStub>(module->qconfig));
  const bool training = module->is_training();
  register_module("module", std::move(module));
  train(training);  // the wrapper takes the wrapped module's mode, as PyTorch's does
}

Tensor QuantWrapper::forward(const Tensor& x) { return call("dequant", call("module", call("quant", x))); }

}  // namespace qjit::nn
