// torch.nn.quantized.FloatFunctional: the float arithmetic of a model (add, mul, cat, ...) as a module, so that
// prepare() can observe its output and convert() can swap it for nnq.QFunctional. Every method computes in fp32
// and then passes the result through the child "activation_post_process" (an Identity until prepare() puts an
// observer there), as PyTorch does. forward(x) is not available: call the methods.
// add / mul / add_relu broadcast as torch.add does; cat concatenates along `dim` (negative counts from the end).
#pragma once

#include <cstdint>
#include <vector>

#include "qlayers/module.h"

namespace qjit::nn {

class FloatFunctional : public ModuleBase<FloatFunctional> {
 public:
  FloatFunctional();
  std::string type_name() const override { return "FloatFunctional"; }
  std::string qualified_name() const override { return "nn.FloatFunctional"; }

  Tensor add(const Tensor& x, const Tensor& y);
  Tensor add_scalar(const Tensor& x, double y);
  Tensor mul(const Tensor& x, const Tensor& y);
  Tensor mul_scalar(const Tensor& x, double y);
  Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);
  Tensor add_relu(const Tensor& x, const Tensor& y);
};

// The float element-wise ops with broadcasting (torch.add / torch.mul) and torch.cat on float32 tensors.
Tensor add(const Tensor& x, const Tensor& y);
Tensor mul(const Tensor& x, const Tensor& y);
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);

}  // namespace qjit::nn
