// torch.ao.quantization's QuantStub, DeQuantStub and QuantWrapper in the float model: the stubs are the identity
// (they only mark where a quantized region starts and ends); prepare() observes the QuantStub's output and
// convert() swaps the stubs for nnq.Quantize / nnq.DeQuantize.
#pragma once

#include <memory>

#include "qlayers/module.h"

namespace qjit::nn {

class QuantStub : public ModuleBase<QuantStub> {
 public:
  explicit QuantStub(std::shared_ptr<const ModuleAnnotation> qconfig = nullptr) { this->qconfig = std::move(qconfig); }
  std::string type_name() const override { return "QuantStub"; }
  std::string qualified_name() const override { return "nn.QuantStub"; }
  Tensor forward(const Tensor& x) override { return x; }
};

class DeQuantStub : public ModuleBase<DeQuantStub> {
 public:
  explicit DeQuantStub(std::shared_ptr<const ModuleAnnotation> qconfig = nullptr) {
    this->qconfig = std::move(qconfig);
  }
  std::string type_name() const override { return "DeQuantStub"; }
  std::string qualified_name() const override { return "nn.DeQuantStub"; }
  Tensor forward(const Tensor& x) override { return x; }
};

// Children, in PyTorch's order: "quant" (QuantStub with the wrapped module's qconfig), "dequant", "module".
// forward: quant -> module -> dequant, each through its slot.
class QuantWrapper : public ModuleBase<QuantWrapper> {
 public:
  explicit QuantWrapper(std::shared_ptr<Module> module);
  std::string type_name() const override { return "QuantWrapper"; }
  std::string qualified_name() const override { return "nn.QuantWrapper"; }
  Tensor forward(const Tensor& x) override;
};

}  // namespace qjit::nn
