// torch.nn.Linear in fp32: y = x W^T + b over the last dimension of x, through OpenBLAS sgemm
// (kernels/sgemm.h). Parameters are public Tensors named as PyTorch names them: weight [out, in], bias [out]
// (undefined when built with bias=false). They start at zero (PyTorch's random initialisation is not reproduced:
// callers set weights or load a state dict).
#pragma once

#include <cstdint>

#include "qlayers/module.h"
#include "workflow/nn/module_state.h"

namespace qjit::nn {

class Linear : public ModuleBase<Linear>, public HasState {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  std::string type_name() const override { return "Linear"; }
  std::string qualified_name() const override { return "nn.Linear"; }
  // x: float32 [..., in_features] (at least 1-D) -> [..., out_features].
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<StateEntry> local_state() override;

  int64_t in_features, out_features;
  Tensor weight, bias;
};

// The fp32 linear map itself, shared by Linear and the fused modules: checks x, weight and bias (may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

}  // namespace qjit::nn
