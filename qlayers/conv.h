// Static quantized convolutions (torch.ao.nn.quantized.Conv1d/2d/3d, torch.ao.nn.intrinsic.quantized.ConvReLU1d/
// 2d/3d) and their functional ops (torch.ops.quantized.conv1d/2d/3d and the _relu variants), on the int8
// convolution of kernels/conv.h.
//
// Input: quint8, per tensor, [N, C, L] / [N, C, H, W] / [N, C, D, H, W] in either memory format; an input that
// is not channels-last is converted once on entry (the kernels read NHWC). Output: quint8 with the given
// output qparams, logical sizes [N, OC, ...] in channels-last memory (NHWC strides; for conv1d the [N, OC, L]
// view of an [N, L, OC] buffer), as PyTorch's x86 engines return it. The requantization formula follows the
// engine (qlayers/engine.h) when the op runs: bit-exact to PyTorch 1.13's onednn engine by default, to qnnpack
// under set_engine("qnnpack"). Fused ReLU clamps at the output zero point. Asymmetric weights are computed
// exactly (PyTorch's onednn engine refuses them).
//
// padding_mode: only "zeros" (padded taps read the input zero point, i.e. real 0). PyTorch's modules also accept
// "reflect" / "replicate" / "circular" by padding the input in float first; qjit refuses them with a qjit::Error.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "qlayers/conv_packed_params.h"
#include "qlayers/engine.h"
#include "qlayers/expanding_array.h"
#include "qlayers/module.h"
#include "qlayers/tensor.h"

namespace qjit {

Tensor quantized_conv1d(const Tensor& x, const ConvPackedParams& packed, double output_scale,
                        int64_t output_zero_point, RequantFormula formula = requant_formula());
Tensor quantized_conv2d(const Tensor& x, const ConvPackedParams& packed, double output_scale,
                        int64_t output_zero_point, RequantFormula formula = requant_formula());
Tensor quantized_conv3d(const Tensor& x, const ConvPackedParams& packed, double output_scale,
                        int64_t output_zero_point, RequantFormula formula = requant_formula());
Tensor quantized_conv1d_relu(const Tensor& x, const ConvPackedParams& packed, double output_scale,
                             int64_t output_zero_point, RequantFormula formula = requant_formula());
Tensor quantized_conv2d_relu(const Tensor& x, const ConvPackedParams& packed, double output_scale,
                             int64_t output_zero_point, RequantFormula formula = requant_formula());
Tensor quantized_conv3d_relu(const Tensor& x, const ConvPackedParams& packed, double output_scale,
                             int64_t output_zero_point, RequantFormula formula = requant_formula());

// Size arguments (kernel_size, stride, padding, dilation) are ExpandingArray: one number for every spatial
// dimension or one per dimension, as PyTorch's _size_2_t takes an int or a tuple.
using SpatialArg = ExpandingArray;

}  // namespace qjit

namespace qjit::nnq {

// What Conv1d/2d/3d share (PyTorch's _ConvNd). Not a module of its own: its subclasses name the dimension.
class ConvNd : public nn::Module {
 public:
  // qweight: qint8 [out_channels, in_channels / groups, k...] per tensor or per channel (axis 0), with the
  // module's shape; bias: float32 [out_channels] or undefined. Packs the weight once.
  void set_weight_bias(const Tensor& qweight, const Tensor& bias);
  Tensor weight() const { return packed_->weight(); }
  Tensor bias() const { return packed_->bias(); }

  int64_t in_channels() const { return packed_->in_channels(); }
  int64_t out_channels() const { return packed_->out_channels(); }
  std::vector<int64_t> kernel_size() const { return packed_->kernel_size(); }
  const std::vector<int64_t>& stride() const { return packed_->stride(); }
  const std::vector<int64_t>& padding() const { return packed_->padding(); }
  const std::vector<int64_t>& dilation() const { return packed_->dilation(); }
  int64_t groups() const { return packed_->groups(); }
  std::string padding_mode() const { return "zeros"; }
  const ConvPackedParams& packed_params() const { return *packed_; }

  // Output quantization parameters (PyTorch's attributes).
  double scale = 1.0;
  int64_t zero_point = 0;

  Tensor forward(const Tensor& x) override;
  // As PyTorch prints it: "4, 8, kernel_size=(3, 3), stride=(1, 1), scale=0.1, zero_point=3", then padding,
  // dilation, groups when not at their defaults and "bias=False" without bias.
  std::string extra_repr() const override;

  // Versioned, checksummed bytes of the module (dimension, fused ReLU, output qparams, packed weight and
  // geometry); the typed deserialize() of each subclass throws qjit::Error on truncated or corrupt input and on a
  // blob of another module type.
  std::vector<uint8_t> serialize() const;

 protected:
  ConvNd(int spatial_dims, const char* fn, int64_t in_channels, int64_t out_channels, const SpatialArg& kernel_size,
         const SpatialArg& stride, const SpatialArg& padding, const SpatialArg& dilation, int64_t groups, bool bias,
         const std::string& padding_mode, DType dtype);
  int spatial_dims() const { return spatial_dims_; }
  virtual bool fused_relu() const { return false; }
  void init_from_quantized(const char* fn, const Tensor& qweight, const Tensor& bias, double scale, int64_t zero_point,
                           const SpatialArg& stride, const SpatialArg& padding, const SpatialArg& dilation,
                           int64_t groups, const std::string& padding_mode);
  void load(const char* fn, const uint8_t* data, size_t size);

  template <class M>
  static std::shared_ptr<M> make_from_quantized(const char* fn, const Tensor& qweight, const Tensor& bias,
                                                double scale, int64_t zero_point, const SpatialArg& stride,
                                                const SpatialArg& padding, const SpatialArg& dilation, int64_t groups,
                                                const std::string& padding_mode) {
    auto m = std::make_shared<M>(1, 1, 1, 1, 0, 1, 1, false);
    m->init_from_quantized(fn, qweight, bias, scale, zero_point, stride, padding, dilation, groups, padding_mode);
    return m;
  }
  template <class M>
  static std::shared_ptr<M> make_deserialized(const char* fn, const uint8_t* data, size_t size) {
    auto m = std::make_shared<M>(1, 1, 1, 1, 0, 1, 1, false);
    m->load(fn, data, size);
    return m;
  }

  std::shared_ptr<const ConvPackedParams> packed_;

 private:
  int spatial_dims_;
};

// Conv1d / Conv2d / Conv3d: PyTorch's constructor arguments and defaults; from_quantized for convert() (kernel
// size and channels come from the weight).
class Conv1d : public nn::ModuleBase<Conv1d, ConvNd> {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, SpatialArg kernel_size, SpatialArg stride = 1,
         SpatialArg padding = 0, SpatialArg dilation = 1, int64_t groups = 1, bool bias = true,
         const std::string& padding_mode = "zeros", DType dtype = DType::qint8)
      : ModuleBase(1, "nnq.Conv1d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                   padding_mode, dtype) {}
  static std::shared_ptr<Conv1d> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                                int64_t zero_point, SpatialArg stride = 1, SpatialArg padding = 0,
                                                SpatialArg dilation = 1, int64_t groups = 1,
                                                const std::string& padding_mode = "zeros");
  static std::shared_ptr<Conv1d> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "Conv1d"; }
  std::string qualified_name() const override { return "nnq.Conv1d"; }
};

class Conv2d : public nn::ModuleBase<Conv2d, ConvNd> {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, SpatialArg kernel_size, SpatialArg stride = 1,
         SpatialArg padding = 0, SpatialArg dilation = 1, int64_t groups = 1, bool bias = true,
         const std::string& padding_mode = "zeros", DType dtype = DType::qint8)
      : ModuleBase(2, "nnq.Conv2d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                   padding_mode, dtype) {}
  static std::shared_ptr<Conv2d> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                                int64_t zero_point, SpatialArg stride = 1, SpatialArg padding = 0,
                                                SpatialArg dilation = 1, int64_t groups = 1,
                                                const std::string& padding_mode = "zeros");
  static std::shared_ptr<Conv2d> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "Conv2d"; }
  std::string qualified_name() const override { return "nnq.Conv2d"; }
};

class Conv3d : public nn::ModuleBase<Conv3d, ConvNd> {
 public:
  Conv3d(int64_t in_channels, int64_t out_channels, SpatialArg kernel_size, SpatialArg stride = 1,
         SpatialArg padding = 0, SpatialArg dilation = 1, int64_t groups = 1, bool bias = true,
         const std::string& padding_mode = "zeros", DType dtype = DType::qint8)
      : ModuleBase(3, "nnq.Conv3d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                   padding_mode, dtype) {}
  static std::shared_ptr<Conv3d> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                                int64_t zero_point, SpatialArg stride = 1, SpatialArg padding = 0,
                                                SpatialArg dilation = 1, int64_t groups = 1,
                                                const std::string& padding_mode = "zeros");
  static std::shared_ptr<Conv3d> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "Conv3d"; }
  std::string qualified_name() const override { return "nnq.Conv3d"; }
};

}  // namespace qjit::nnq

namespace qjit::nniq {

// ConvNd followed by ReLU, fused into the requantization (clamp at the output zero point).
class ConvReLU1d : public nn::ModuleBase<ConvReLU1d, nnq::Conv1d> {
 public:
  using ModuleBase::ModuleBase;
  static std::shared_ptr<ConvReLU1d> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                                    int64_t zero_point, SpatialArg stride = 1, SpatialArg padding = 0,
                                                    SpatialArg dilation = 1, int64_t groups = 1,
                                                    const std::string& padding_mode = "zeros");
  static std::shared_ptr<ConvReLU1d> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "ConvReLU1d"; }
  std::string qualified_name() const override { return "nniq.ConvReLU1d"; }

 protected:
  bool fused_relu() const override { return true; }
};

class ConvReLU2d : public nn::ModuleBase<ConvReLU2d, nnq::Conv2d> {
 public:
  using ModuleBase::ModuleBase;
  static std::shared_ptr<ConvReLU2d> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                                    int64_t zero_point, SpatialArg stride = 1, SpatialArg padding = 0,
                                                    SpatialArg dilation = 1, int64_t groups = 1,
                                                    const std::string& padding_mode = "zeros");
  static std::shared_ptr<ConvReLU2d> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "ConvReLU2d"; }
  std::string qualified_name() const override { return "nniq.ConvReLU2d"; }

 protected:
  bool fused_relu() const override { return true; }
};

class ConvReLU3d : public nn::ModuleBase<ConvReLU3d, nnq::Conv3d> {
 public:
  using ModuleBase::ModuleBase;
  static std::shared_ptr<ConvReLU3d> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                                    int64_t zero_point, SpatialArg stride = 1, SpatialArg padding = 0,
                                                    SpatialArg dilation = 1, int64_t groups = 1,
                                                    const std::string& padding_mode = "zeros");
  static std::shared_ptr<ConvReLU3d> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "ConvReLU3d"; }
  std::string qualified_name() const override { return "nniq.ConvReLU3d"; }

 protected:
  bool fused_relu() const override { return true; }
};

}  // namespace qjit::nniq
