// The prepacked weight of a quantized linear layer (PyTorch's LinearPackedParamsBase, made by
// torch.ops.quantized.linear_prepack): the qint8 weight [out_features, in_features] packed once for the GEMM of
// the best ISA, with its quantization parameters and float bias. Immutable after prepack, so modules and their
// clones share one; the only mutable part is the cache of requantization constants, which is thread-safe.
//
// Weights: qint8, per tensor (affine or symmetric; a non-zero zero point is computed exactly by the GEMM, where
// PyTorch's onednn engine refuses it) or per channel along axis 0. weight() gives back the tensor that was
// prepacked: same values, same quantizer.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "packing/packed_weights.h"
#include "qlayers/requant_constants.h"
#include "qlayers/tensor.h"

namespace qjit {

class LinearPackedParams {
 public:
  // torch.ops.quantized.linear_prepack(qweight, bias): bias float32 [out_features] or an undefined Tensor.
  static std::shared_ptr<const LinearPackedParams> prepack(const Tensor& qweight, const Tensor& bias,
                                                           Isa isa = max_isa());

  int64_t in_features() const { return static_cast<int64_t>(packed_.K()); }
  int64_t out_features() const { return static_cast<int64_t>(packed_.N()); }
  const PackedWeights& packed() const { return packed_; }
  Isa isa() const { return packed_.layout().isa; }
  const Quantizer& weight_quantizer() const { return *quantizer_; }

  // torch.ops.quantized.linear_unpack: the quantized weight and the float bias (undefined when there is none).
  Tensor weight() const;
  Tensor bias() const;

  // The engine's requantization constants for an input / output scale (cached for the last pair).
  std::shared_ptr<const RequantConstants> requant_constants(RequantFormula formula, double x_scale,
                                                            double out_scale) const {
    return cache_.get(formula, x_scale, out_scale, packed_.qparams().scales, packed_.N(), packed_.bias());
  }

  // Versioned, checksummed bytes (the weight's qscheme, then the PackedWeights blob); deserialize() repacks for
  // the best ISA and throws qjit::Error on truncated or corrupt input.
  std::vector<uint8_t> serialize() const;
  static std::shared_ptr<const LinearPackedParams> deserialize(const uint8_t* data, size_t size);

  // Used by prepack() and deserialize(), which check that the quantizer describes the packed qparams.
  LinearPackedParams(PackedWeights packed, std::shared_ptr<const Quantizer> quantizer)
      : packed_(std::move(packed)), quantizer_(std::move(quantizer)) {}

 private:
  PackedWeights packed_;
  std::shared_ptr<const Quantizer> quantizer_;
  RequantCache cache_;
};

// PyTorch's function names.
inline std::shared_ptr<const LinearPackedParams> linear_prepack(const Tensor& qweight, const Tensor& bias = {}) {
  return LinearPackedParams::prepack(qweight, bias);
}

namespace detail {
// Shared by the linear and convolution prepack: checks that w is a qint8 weight of `dim` dimensions with a
// per-tensor or axis-0 per-channel quantizer, and that bias is undefined or float32 [w.size(0)]. Returns the
// weight's qparams as the packing code takes them and the bias values (empty for none).
WeightQParams check_quantized_weight(const char* fn, const Tensor& qweight, int64_t dim);
std::vector<float> check_bias(const char* fn, const Tensor& bias, int64_t out_channels);
// The weight's quantizer rebuilt from its packed qparams and scheme (the inverse of check_quantized_weight).
std::shared_ptr<const Quantizer> weight_quantizer(QScheme scheme, const WeightQParams& q);
// An int8 weight tensor with that quantizer.
Tensor make_quantized_weight(const std::vector<int8_t>& values, const std::vector<int64_t>& sizes,
                             const std::shared_ptr<const Quantizer>& quantizer);
}  // namespace detail

}  // namespace qjit
