// torch.nn.LayerNorm, GroupNorm and InstanceNorm1d/2d/3d in fp32. Statistics are the mean and the biased variance
// (accumulated in double), y = (x - mean) / sqrt(var + eps) [* weight + bias].
//  - LayerNorm normalises over the trailing normalized_shape dimensions; weight/bias have that shape (ones/zeros).
//  - GroupNorm normalises each sample over (C / num_groups) channels x spatial; per-channel weight/bias.
//  - InstanceNorm normalises each (sample, channel) over its spatial extent; with track_running_stats, train mode
//    updates running_mean / running_var with the batch average of the instance statistics (unbiased variance), as
//    PyTorch does through batch_norm, and eval mode uses them. Unbatched inputs (C, *spatial) are accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "qlayers/module.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/module_state.h"

namespace qjit::nn {

class LayerNorm : public ModuleBase<LayerNorm>, public HasState {
 public:
  explicit LayerNorm(const std::vector<int64_t>& normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  std::string type_name() const override { return "LayerNorm"; }
  std::string qualified_name() const override { return "nn.LayerNorm"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<StateEntry> local_state() override;
  std::vector<int64_t> normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;
};

class GroupNorm : public ModuleBase<GroupNorm>, public HasState {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true);
  std::string type_name() const override { return "GroupNorm"; }
  std::string qualified_name() const override { return "nn.GroupNorm"; }
  // x: (N, C, *).
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<StateEntry> local_state() override;
  int64_t num_groups, num_channels;
  double eps;
  bool affine;
  Tensor weight, bias;
};

// The state and printing are BatchNorm's (NormBase, workflow/nn/batchnorm.h), as in PyTorch.
class InstanceNormBase : public NormBase {
 protected:
  using NormBase::NormBase;
  Tensor run(const Tensor& x, int spatial_dims);
};

template <int Dims>
class InstanceNormNd : public ModuleBase<InstanceNormNd<Dims>, InstanceNormBase> {
 public:
  explicit InstanceNormNd(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                          bool affine = false, bool track_running_stats = false)
      : ModuleBase<InstanceNormNd<Dims>, InstanceNormBase>(num_features, eps, momentum, affine, track_running_stats,
                                                           "nn.InstanceNorm" + std::to_string(Dims) + "d") {}
  std::string type_name() const override { return "InstanceNorm" + std::to_string(Dims) + "d"; }
  std::string qualified_name() const override { return "nn." + type_name(); }
  Tensor forward(const Tensor& x) override { return this->run(x, Dims); }
};

using InstanceNorm1d = InstanceNormNd<1>;
using InstanceNorm2d = InstanceNormNd<2>;
using InstanceNorm3d = InstanceNormNd<3>;

// Functional forms; weight / bias may be undefined.
Tensor layer_norm(const Tensor& x, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps = 1e-5);
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps = 1e-5);

}  // namespace qjit::nn
