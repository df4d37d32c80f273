// add_quant_dequant (torch.ao.quantization.add_quant_dequant, PyTorch 1.13.1): wraps every leaf module that carries
// a qconfig in a QuantWrapper, so that after prepare / convert the leaf runs quantized between its own Quantize and
// DeQuantize, and the rest of the model keeps float tensors. It is how a float model without QuantStub /
// DeQuantStub of its own is made quantizable module by module.
//
// Promise, as PyTorch's: the children are replaced in place (their slots hold the wrappers); the returned module is
// `module` itself, or a new QuantWrapper around it when `module` is itself a leaf with a qconfig. Only the qconfig
// already set on a module counts (run propagate_qconfig_ first to spread a model-level one); modules without a
// qconfig are left as they are. Observer slots (activation_post_process) are never wrapped.
#pragma once

#include <memory>

#include "qlayers/module.h"

namespace qjit {

std::shared_ptr<nn::Module> add_quant_dequant(std::shared_ptr<nn::Module> module);

}  // namespace qjit
