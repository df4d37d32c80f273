// torch.nn.BatchNorm1d / 2d / 3d in fp32 (PyTorch's _BatchNorm), over channel dimension 1.
//  - eval with running stats: y = x * alpha + beta, alpha = weight / sqrt(running_var + eps), beta = bias -
//    running_mean * alpha (PyTorch's CPU kernel form).
//  - train (or track_running_stats=false): batch statistics (mean, biased variance, accumulated in double as
//    PyTorch's CPU kernel does); in train mode with running stats these are updated as PyTorch does:
//    running = (1 - momentum) * running + momentum * batch, with the *unbiased* variance for running_var, and
//    num_batches_tracked += 1; momentum = nullopt uses the cumulative average 1 / num_batches_tracked.
// Parameters and buffers are public Tensors with PyTorch's names: weight (ones), bias (zeros) when affine;
// running_mean (zeros), running_var (ones), num_batches_tracked (int64 scalar) when track_running_stats. Updating the
// running statistics replaces those tensors (never writes into storage a clone may share).
#pragma once

#include <cstdint>
#include <optional>

#include "qlayers/module.h"
#include "workflow/nn/module_state.h"

namespace qjit::nn {

// PyTorch's _NormBase: the arguments, parameters, buffers and printing that BatchNorm and InstanceNorm share.
class NormBase : public Module, public HasState {
 public:
  std::string extra_repr() const override;
  std::vector<StateEntry> local_state() override;

  int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 protected:
  // Checks the arguments (fn names the module in messages) and creates the tensors the flags ask for.
  NormBase(int64_t num_features, double eps, std::optional<double> momentum, bool affine, bool track_running_stats,
           const std::string& fn);
};

class BatchNormBase : public NormBase {
 protected:
  using NormBase::NormBase;
  // x must have one of the dims; fn names the module in messages.
  Tensor run(const Tensor& x, int64_t min_dim, int64_t max_dim);
};

template <int Dims>
class BatchNormNd : public ModuleBase<BatchNormNd<Dims>, BatchNormBase> {
 public:
  explicit BatchNormNd(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true)
      : ModuleBase<BatchNormNd<Dims>, BatchNormBase>(num_features, eps, momentum, affine, track_running_stats,
                                                     "nn.BatchNorm" + std::to_string(Dims) + "d") {}
  std::string type_name() const override { return "BatchNorm" + std::to_string(Dims) + "d"; }
  std::string qualified_name() const override { return "nn." + type_name(); }
  // BatchNorm1d: (N, C) or (N, C, L); 2d: (N, C, H, W); 3d: (N, C, D, H, W).
  Tensor forward(const Tensor& x) override {
    return Dims == 1 ? this->run(x, 2, 3) : this->run(x, Dims + 2, Dims + 2);
  }
};

using BatchNorm1d = BatchNormNd<1>;
using BatchNorm2d = BatchNormNd<2>;
using BatchNorm3d = BatchNormNd<3>;

// torch.nn.functional.batch_norm over (N, C, *) float32: running_mean / running_var may be undefined (then batch
// statistics are used whatever `training` says); weight / bias may be undefined. When training and the running
// tensors are defined, they are replaced by their updated values (momentum as above; nullopt needs
// num_batches_tracked, the count after this batch). Returns y.
Tensor batch_norm(const Tensor& x, Tensor* running_mean, Tensor* running_var, const Tensor& weight, const Tensor& bias,
                  bool training, std::optional<double> momentum, double eps, int64_t num_batches_tracked = 1);

}  // namespace qjit::nn
