// Quantized normalization modules (torch.ao.nn.quantized): nnq::BatchNorm2d / BatchNorm3d, nnq::LayerNorm,
// nnq::GroupNorm, nnq::InstanceNorm1d / 2d / 3d, and the fused nniq::BNReLU2d / BNReLU3d. Constructors take
// PyTorch's arguments and defaults; the float parameters (weight, bias, running statistics) are public float32
// tensors, the output quantization parameters the public `scale` / `zero_point`, as PyTorch's attributes.
// forward calls the functional ops of qlayers/functional_norm.h (numerics documented there).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "qlayers/module.h"

namespace qjit::nnq {

// The shared state of BatchNorm2d / 3d and BNReLU2d / 3d (PyTorch's _BatchNorm attributes).
class BatchNormNd : public nn::Module {
 public:
  // "4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True", as nn.BatchNorm2d prints.
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;

  int64_t num_features;
  double eps, momentum;
  Tensor weight, bias, running_mean, running_var;  // float32 [num_features]; weight 1, bias 0, mean 0, var 1
  double scale = 1.0;
  int64_t zero_point = 0;

 protected:
  BatchNormNd(int64_t num_features, double eps, double momentum, int spatial_dims, bool relu);
  // Replaces the parameters after checking them (float32 tensors of num_features elements).
  void set_params(const Tensor& weight, const Tensor& bias, const Tensor& running_mean, const Tensor& running_var,
                  double scale, int64_t zero_point);

 private:
  int spatial_dims_;
  bool relu_;
};

class BatchNorm2d : public nn::ModuleBase<BatchNorm2d, BatchNormNd> {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1)
      : ModuleBase(num_features, eps, momentum, 2, false) {}
  std::string type_name() const override { return "BatchNorm2d"; }
  std::string qualified_name() const override { return "nnq.BatchNorm2d"; }
  // For convert(): the module of a float BatchNorm2d's parameters and the observed output parameters.
  static std::shared_ptr<BatchNorm2d> from_params(const Tensor& weight, const Tensor& bias,
                                                  const Tensor& running_mean, const Tensor& running_var, double eps,
                                                  double scale, int64_t zero_point);
};

class BatchNorm3d : public nn::ModuleBase<BatchNorm3d, BatchNormNd> {
 public:
  explicit BatchNorm3d(int64_t num_features, double eps = 1e-5, double momentum = 0.1)
      : ModuleBase(num_features, eps, momentum, 3, false) {}
  std::string type_name() const override { return "BatchNorm3d"; }
  std::string qualified_name() const override { return "nnq.BatchNorm3d"; }
  static std::shared_ptr<BatchNorm3d> from_params(const Tensor& weight, const Tensor& bias,
                                                  const Tensor& running_mean, const Tensor& running_var, double eps,
                                                  double scale, int64_t zero_point);
};

// nnq.LayerNorm(normalized_shape, weight, bias, scale, zero_point, eps, elementwise_affine).
class LayerNorm : public nn::ModuleBase<LayerNorm> {
 public:
  LayerNorm(std::vector<int64_t> normalized_shape, Tensor weight, Tensor bias, double scale, int64_t zero_point,
            double eps = 1e-5, bool elementwise_affine = true);
  std::string type_name() const override { return "LayerNorm"; }
  std::string qualified_name() const override { return "nnq.LayerNorm"; }
  // "(6, 7), eps=1e-05, elementwise_affine=True"
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;

  std::vector<int64_t> normalized_shape;
  Tensor weight, bias;  // float32 of normalized_shape, undefined without elementwise_affine
  double scale;
  int64_t zero_point;
  double eps;
  bool elementwise_affine;
};

// nnq.GroupNorm(num_groups, num_channels, weight, bias, scale, zero_point, eps, affine).
class GroupNorm : public nn::ModuleBase<GroupNorm> {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, Tensor weight, Tensor bias, double scale, int64_t zero_point,
            double eps = 1e-5, bool affine = true);
  std::string type_name() const override { return "GroupNorm"; }
  std::string qualified_name() const override { return "nnq.GroupNorm"; }
  // "2, 4, eps=1e-05, affine=True"
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;

  int64_t num_groups, num_channels;
  Tensor weight, bias;  // float32 [num_channels], undefined without affine
  double scale;
  int64_t zero_point;
  double eps;
  bool affine;
};

// nnq.InstanceNorm1d / 2d / 3d(num_features, weight, bias, scale, zero_point, eps, momentum, affine,
// track_running_stats); the input has 1, 2 or 3 spatial dimensions after [N, C].
class InstanceNormNd : public nn::Module {
 public:
  // "4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False"
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;

  int64_t num_features;
  Tensor weight, bias;  // float32 [num_features] or undefined
  double scale;
  int64_t zero_point;
  double eps, momentum;
  bool affine, track_running_stats;

 protected:
  InstanceNormNd(int spatial_dims, int64_t num_features, Tensor weight, Tensor bias, double scale,
                 int64_t zero_point, double eps, double momentum, bool affine, bool track_running_stats);

 private:
  int spatial_dims_;
};

class InstanceNorm1d : public nn::ModuleBase<InstanceNorm1d, InstanceNormNd> {
 public:
  InstanceNorm1d(int64_t num_features, Tensor weight, Tensor bias, double scale, int64_t zero_point, double eps = 1e-5,
                 double momentum = 0.1, bool affine = false, bool track_running_stats = false)
      : ModuleBase(1, num_features, std::move(weight), std::move(bias), scale, zero_point, eps, momentum, affine,
                   track_running_stats) {}
  std::string type_name() const override { return "InstanceNorm1d"; }
  std::string qualified_name() const override { return "nnq.InstanceNorm1d"; }
};

class InstanceNorm2d : public nn::ModuleBase<InstanceNorm2d, InstanceNormNd> {
 public:
  InstanceNorm2d(int64_t num_features, Tensor weight, Tensor bias, double scale, int64_t zero_point, double eps = 1e-5,
                 double momentum = 0.1, bool affine = false, bool track_running_stats = false)
      : ModuleBase(2, num_features, std::move(weight), std::move(bias), scale, zero_point, eps, momentum, affine,
                   track_running_stats) {}
  std::string type_name() const override { return "InstanceNorm2d"; }
  std::string qualified_name() const override { return "nnq.InstanceNorm2d"; }
};

class InstanceNorm3d : public nn::ModuleBase<InstanceNorm3d, InstanceNormNd> {
 public:
  InstanceNorm3d(int64_t num_features, Tensor weight, Tensor bias, double scale, int64_t zero_point, double eps = 1e-5,
                 double momentum = 0.1, bool affine = false, bool track_running_stats = false)
      : ModuleBase(3, num_features, std::move(weight), std::move(bias), scale, zero_point, eps, momentum, affine,
                   track_running_stats) {}
  std::string type_name() const override { return "InstanceNorm3d"; }
  std::string qualified_name() const override { return "nnq.InstanceNorm3d"; }
};

}  // namespace qjit::nnq

namespace qjit::nniq {

// nniq.BNReLU2d / BNReLU3d: quantized batch norm with the ReLU fused (output clamped at the zero point).
class BNReLU2d : public nn::ModuleBase<BNReLU2d, nnq::BatchNormNd> {
 public:
  explicit BNReLU2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1)
      : ModuleBase(num_features, eps, momentum, 2, true) {}
  std::string type_name() const override { return "BNReLU2d"; }
  std::string qualified_name() const override { return "nniq.BNReLU2d"; }
  static std::shared_ptr<BNReLU2d> from_params(const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                                               const Tensor& running_var, double eps, double scale,
                                               int64_t zero_point);
};

class BNReLU3d : public nn::ModuleBase<BNReLU3d, nnq::BatchNormNd> {
 public:
  explicit BNReLU3d(int64_t num_features, double eps = 1e-5, double momentum = 0.1)
      : ModuleBase(num_features, eps, momentum, 3, true) {}
  std::string type_name() const override { return "BNReLU3d"; }
  std::string qualified_name() const override { return "nniq.BNReLU3d"; }
  static std::shared_ptr<BNReLU3d> from_params(const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                                               const Tensor& running_var, double eps, double scale,
                                               int64_t zero_point);
};

}  // namespace qjit::nniq
