// The prepacked weight of a quantized convolution (PyTorch's ConvPackedParamsBase, made by
// torch.ops.quantized.conv{1,2,3}d_prepack): the qint8 weight [OC, C/groups, k...] packed once for the best ISA
// (kernels/conv.h's GEMM or depthwise kernels), with its quantization parameters, float bias, and the
// convolution's geometry (stride, padding, dilation per spatial dimension, groups), as PyTorch keeps them
// together. Immutable after prepack (modules and their clones share one); the cache of requantization constants
// is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/conv_desc.h"
#include "packing/packed_conv_weights.h"
#include "qlayers/requant_constants.h"
#include "qlayers/tensor.h"

namespace qjit {

class ConvPackedParams {
 public:
  // qweight: qint8 with 3, 4 or 5 dimensions (conv1d / 2d / 3d), per tensor or per channel along axis 0;
  // bias: float32 [OC] or undefined; stride / padding / dilation: one entry per spatial dimension; groups must
  // divide OC. Throws qjit::Error naming `fn` and the argument.
  static std::shared_ptr<const ConvPackedParams> prepack(const Tensor& qweight, const Tensor& bias,
                                                         const std::vector<int64_t>& stride,
                                                         const std::vector<int64_t>& padding,
                                                         const std::vector<int64_t>& dilation, int64_t groups,
                                                         const char* fn = "conv_prepack", Isa isa = max_isa());

  int spatial_dims() const { return spatial_dims_; }
  int64_t in_channels() const { return static_cast<int64_t>(packed_.shape().in_channels); }
  int64_t out_channels() const { return static_cast<int64_t>(packed_.shape().out_channels); }
  int64_t groups() const { return static_cast<int64_t>(packed_.shape().groups); }
  // Per spatial dimension (1, 2 or 3 entries), as PyTorch's attributes.
  std::vector<int64_t> kernel_size() const;
  const std::vector<int64_t>& stride() const { return stride_; }
  const std::vector<int64_t>& padding() const { return padding_; }
  const std::vector<int64_t>& dilation() const { return dilation_; }

  const PackedConvWeights& packed() const { return packed_; }
  Isa isa() const { return packed_.isa(); }
  const Quantizer& weight_quantizer() const { return *quantizer_; }
  // torch.ops.quantized.conv2d_unpack: the quantized weight as prepacked, the float bias or undefined.
  Tensor weight() const;
  Tensor bias() const;

  // The descriptor for an input of these sizes ([N, C, (D,) (H,) W]); validated, errors naming fn.
  ConvDesc desc(const char* fn, const std::vector<int64_t>& input_sizes) const;

  std::shared_ptr<const RequantConstants> requant_constants(RequantFormula formula, double x_scale,
                                                            double out_scale) const {
    return cache_.get(formula, x_scale, out_scale, packed_.qparams().scales, packed_.shape().out_channels,
                      packed_.bias());
  }

  // Versioned, checksummed bytes (geometry, weight qscheme, the PackedConvWeights blob); deserialize() repacks
  // for the best ISA and throws qjit::Error on truncated or corrupt input.
  std::vector<uint8_t> serialize() const;
  static std::shared_ptr<const ConvPackedParams> deserialize(const uint8_t* data, size_t size);

  // Used by prepack() and deserialize(), which check the geometry and that the quantizer describes the packed
  // qparams.
  ConvPackedParams(int spatial_dims, PackedConvWeights packed, std::shared_ptr<const Quantizer> quantizer,
                   std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation)
      : spatial_dims_(spatial_dims),
        packed_(std::move(packed)),
        quantizer_(std::move(quantizer)),
        stride_(std::move(stride)),
        padding_(std::move(padding)),
        dilation_(std::move(dilation)) {}

 private:
  int spatial_dims_;
  PackedConvWeights packed_;
  std::shared_ptr<const Quantizer> quantizer_;
  std::vector<int64_t> stride_, padding_, dilation_;
  RequantCache cache_;
};

// PyTorch's function names; each checks that the weight has the dimensions of its convolution.
std::shared_ptr<const ConvPackedParams> conv1d_prepack(const Tensor& qweight, const Tensor& bias,
                                                       const std::vector<int64_t>& stride = {1},
                                                       const std::vector<int64_t>& padding = {0},
                                                       const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);
std::shared_ptr<const ConvPackedParams> conv2d_prepack(const Tensor& qweight, const Tensor& bias,
                                                       const std::vector<int64_t>& stride = {1, 1},
                                                       const std::vector<int64_t>& padding = {0, 0},
                                                       const std::vector<int64_t>& dilation = {1, 1},
                                                       int64_t groups = 1);
std::shared_ptr<const ConvPackedParams> conv3d_prepack(const Tensor& qweight, const Tensor& bias,
                                                       const std::vector<int64_t>& stride = {1, 1, 1},
                                                       const std::vector<int64_t>& padding = {0, 0, 0},
                                                       const std::vector<int64_t>& dilation = {1, 1, 1},
                                                       int64_t groups = 1);

}  // namespace qjit
