// Quantized transposed convolution on Tensors: PyTorch's quantized conv_transpose1d/2d/3d ops and the modules
// nnq.ConvTranspose1d / 2d / 3d, over the kernel of kernels/conv_transpose.h.
//
// Promises:
//  - Inputs quint8 (N, C, W) / (N, C, H, W) / (N, C, D, H, W) in either memory format; the output is quint8 with
//    the given scale / zero point, computed channels-last and returned channels-last (logical NC... sizes,
//    N(D)HWC strides; for 1-d the strides (OW*OC, 1, OC) that PyTorch's conv1d-as-conv2d gives).
//  - Weights in PyTorch's ConvTranspose layout [C, OC/groups, k...], qint8, per tensor, or per channel along
//    axis 1 (the output-channel axis of a ConvTranspose weight: one scale per index, shared by the groups).
//    Bias float32 [OC] or undefined.
//  - Numerics: exact int32 accumulation, then the requantization of the process-wide engine (qlayers/engine.h),
//    read when the op runs: onednn (float bias, zero point before rounding) or qnnpack (int32 bias, zero point
//    after rounding), exactly as NUMERICS.md section 7 gives them for conv.
//  - Bad input (dtype, shape, qparams, geometry) is a qjit::Error naming the function, argument and value.
//
// Deviation from PyTorch 1.13: FBGEMM and QNNPACK refuse per-channel weights for transposed convolution; qjit
// accepts them along axis 1 (as later PyTorch / oneDNN do). Per-channel along axis 0 (input channels) cannot be
// requantized per output channel and is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "packing/packed_conv_transpose_weights.h"
#include "qlayers/expanding_array.h"
#include "qlayers/module.h"
#include "qlayers/requant_constants.h"
#include "qlayers/tensor.h"

namespace qjit {

// torch.ao.nn.quantized.functional-style ops (arguments in torch.nn.functional.conv_transpose*d's order, then the
// output scale and zero point). The weight is packed on each call, as PyTorch's functional ops prepack it.
Tensor quantized_conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                                  ExpandingArray stride = 1, ExpandingArray padding = 0,
                                  ExpandingArray output_padding = 0, int64_t groups = 1, ExpandingArray dilation = 1,
                                  double scale = 1.0, int64_t zero_point = 0);
Tensor quantized_conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                                  ExpandingArray stride = 1, ExpandingArray padding = 0,
                                  ExpandingArray output_padding = 0, int64_t groups = 1, ExpandingArray dilation = 1,
                                  double scale = 1.0, int64_t zero_point = 0);
Tensor quantized_conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                                  ExpandingArray stride = 1, ExpandingArray padding = 0,
                                  ExpandingArray output_padding = 0, int64_t groups = 1, ExpandingArray dilation = 1,
                                  double scale = 1.0, int64_t zero_point = 0);

// The geometry of a transposed convolution layer, without the input size (which each call brings).
struct ConvTransposeGeometry {
  int spatial_dims = 2;
  std::vector<int64_t> stride, padding, output_padding, dilation;  // spatial_dims entries each
  int64_t groups = 1;
};

// Weights packed once (with the layer's bias and the weight's quantization), for the modules and for callers that
// run one layer many times. `fn` names the caller in messages.
std::shared_ptr<const PackedConvTransposeWeights> pack_conv_transpose_weight(std::string_view fn, int spatial_dims,
                                                                             const Tensor& weight, const Tensor& bias,
                                                                             int64_t groups);
// The op on packed weights (what the functional ops and the modules call).
Tensor quantized_conv_transpose(std::string_view fn, const Tensor& input, const PackedConvTransposeWeights& weight,
                                const ConvTransposeGeometry& geometry, double scale, int64_t zero_point,
                                const RequantCache* cache = nullptr);

namespace nnq {

// The state and behaviour shared by ConvTranspose1d / 2d / 3d (PyTorch's _ConvTransposeNd).
class ConvTransposeNd : public nn::Module {
 public:
  // Output quantization parameters (PyTorch's attributes).
  double scale = 1.0;
  int64_t zero_point = 0;

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const std::vector<int64_t>& kernel_size() const { return kernel_size_; }
  const std::vector<int64_t>& stride() const { return geometry_.stride; }
  const std::vector<int64_t>& padding() const { return geometry_.padding; }
  const std::vector<int64_t>& output_padding() const { return geometry_.output_padding; }
  const std::vector<int64_t>& dilation() const { return geometry_.dilation; }
  int64_t groups() const { return geometry_.groups; }
  const std::string& padding_mode() const { return padding_mode_; }

  // qweight: qint8 [in_channels, out_channels/groups, k...], per tensor or per channel along axis 1; bias: float32
  // [out_channels] or undefined. Packs the weights (once).
  void set_weight_bias(const Tensor& qweight, const Tensor& bias);
  Tensor weight() const;  // unpacked from the packed form
  Tensor bias() const;    // float32, or undefined
  const PackedConvTransposeWeights& packed_weight() const { return *packed_; }

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  // Versioned, checksummed bytes: geometry, output qparams, the weight's quantization, the packed weights.
  std::vector<uint8_t> serialize() const;

 protected:
  ConvTransposeNd(int spatial_dims, const char* name, int64_t in_channels, int64_t out_channels,
                  ExpandingArray kernel_size, ExpandingArray stride, ExpandingArray padding,
                  ExpandingArray output_padding, int64_t groups, bool bias, ExpandingArray dilation,
                  std::string padding_mode, DType dtype);
  // Fills *this from serialize()'s bytes (the derived deserialize makes the object).
  void load(const uint8_t* data, size_t size, const char* fn);

 private:
  std::string name_;  // "ConvTranspose2d", for messages
  int64_t in_channels_, out_channels_;
  std::vector<int64_t> kernel_size_;
  ConvTransposeGeometry geometry_;
  std::string padding_mode_;
  std::shared_ptr<const PackedConvTransposeWeights> packed_;  // shared by clones: never modified
  // The requantization constants of the last call; replaced with the weights (clones share both).
  std::shared_ptr<RequantCache> requant_cache_ = std::make_shared<RequantCache>();
  bool weight_per_channel_ = false;                           // as set, for weight()
};

// nnq.ConvTranspose1d / 2d / 3d: PyTorch's constructors (the weight starts as zeros with scale 1.0 and zero point 0,
// the output qparams 1.0 / 0, the bias zeros), for 1-d / 2-d / 3-d inputs.
class ConvTranspose1d : public nn::ModuleBase<ConvTranspose1d, ConvTransposeNd> {
 public:
  ConvTranspose1d(int64_t in_channels, int64_t out_channels, ExpandingArray kernel_size, ExpandingArray stride = 1,
                  ExpandingArray padding = 0, ExpandingArray output_padding = 0, int64_t groups = 1, bool bias = true,
                  ExpandingArray dilation = 1, std::string padding_mode = "zeros", DType dtype = DType::qint8);
  std::string type_name() const override { return "ConvTranspose1d"; }
  std::string qualified_name() const override { return "nnq.ConvTranspose1d"; }

  // For convert(): the module of an already quantized weight (its shape gives in/out channels and kernel size).
  static std::shared_ptr<ConvTranspose1d> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
      int64_t zero_point, ExpandingArray stride = 1, ExpandingArray padding = 0, ExpandingArray output_padding = 0,
      int64_t groups = 1, ExpandingArray dilation = 1);
  // serialize()'s bytes back; truncated or corrupt input is a qjit::Error.
  static std::shared_ptr<ConvTranspose1d> deserialize(const uint8_t* data, size_t size);
};

class ConvTranspose2d : public nn::ModuleBase<ConvTranspose2d, ConvTransposeNd> {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, ExpandingArray kernel_size, ExpandingArray stride = 1,
                  ExpandingArray padding = 0, ExpandingArray output_padding = 0, int64_t groups = 1, bool bias = true,
                  ExpandingArray dilation = 1, std::string padding_mode = "zeros", DType dtype = DType::qint8);
  std::string type_name() const override { return "ConvTranspose2d"; }
  std::string qualified_name() const override { return "nnq.ConvTranspose2d"; }

  // For convert(): the module of an already quantized weight (its shape gives in/out channels and kernel size).
  static std::shared_ptr<ConvTranspose2d> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
      int64_t zero_point, ExpandingArray stride = 1, ExpandingArray padding = 0, ExpandingArray output_padding = 0,
      int64_t groups = 1, ExpandingArray dilation = 1);
  // serialize()'s bytes back; truncated or corrupt input is a qjit::Error.
  static std::shared_ptr<ConvTranspose2d> deserialize(const uint8_t* data, size_t size);
};

class ConvTranspose3d : public nn::ModuleBase<ConvTranspose3d, ConvTransposeNd> {
 public:
  ConvTranspose3d(int64_t in_channels, int64_t out_channels, ExpandingArray kernel_size, ExpandingArray stride = 1,
                  ExpandingArray padding = 0, ExpandingArray output_padding = 0, int64_t groups = 1, bool bias = true,
                  ExpandingArray dilation = 1, std::string padding_mode = "zeros", DType dtype = DType::qint8);
  std::string type_name() const override { return "ConvTranspose3d"; }
  std::string qualified_name() const override { return "nnq.ConvTranspose3d"; }

  // For convert(): the module of an already quantized weight (its shape gives in/out channels and kernel size).
  static std::shared_ptr<ConvTranspose3d> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
      int64_t zero_point, ExpandingArray stride = 1, ExpandingArray padding = 0, ExpandingArray output_padding = 0,
      int64_t groups = 1, ExpandingArray dilation = 1);
  // serialize()'s bytes back; truncated or corrupt input is a qjit::Error.
  static std::shared_ptr<ConvTranspose3d> deserialize(const uint8_t* data, size_t size);
};

}  // namespace nnq
}  // namespace qjit
