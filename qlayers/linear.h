// Static quantized linear layers (torch.ao.nn.quantized.Linear, torch.ao.nn.intrinsic.quantized.LinearReLU) and
// their functional ops (torch.ops.quantized.linear / linear_relu), on the int8 GEMM (kernels/gemm.h).
//
//   y = requantize(sum_k (x - x_zp) * (w - w_zp) with the float bias, output scale / zero point)
// x: quint8, per-tensor, any rank >= 1 with the last dimension = in_features; y: quint8 of shape
// x.sizes()[:-1] + [out_features] with the given output qparams, contiguous. The requantization formula follows
// the engine (qlayers/engine.h) when the op runs, so results are bit-exact to PyTorch 1.13's onednn engine by
// default and to qnnpack under set_engine("qnnpack"). Fused ReLU clamps at the output zero point (real 0).
//
// Asymmetric per-tensor weights (non-zero weight zero point): PyTorch's onednn engine refuses them at prepack;
// qjit computes them exactly under either formula (the GEMM subtracts the weight zero point), which is what the
// qnnpack engine gives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qlayers/engine.h"
#include "qlayers/linear_packed_params.h"
#include "qlayers/module.h"
#include "qlayers/tensor.h"

namespace qjit {

// torch.ops.quantized.linear(x, packed, output_scale, output_zero_point).
Tensor quantized_linear(const Tensor& x, const LinearPackedParams& packed, double output_scale,
                        int64_t output_zero_point, RequantFormula formula = requant_formula());
// torch.ops.quantized.linear_relu.
Tensor quantized_linear_relu(const Tensor& x, const LinearPackedParams& packed, double output_scale,
                             int64_t output_zero_point, RequantFormula formula = requant_formula());

}  // namespace qjit

namespace qjit::nnq {

class Linear : public nn::ModuleBase<Linear> {
 public:
  // PyTorch's initial state: a zero qint8 weight (scale 1, zero point 0), a zero bias when bias is true, output
  // scale 1.0 and zero point 0. dtype must be qint8 (PyTorch refuses others too).
  Linear(int64_t in_features, int64_t out_features, bool bias = true, DType dtype = DType::qint8);

  // For convert(): the module with an already quantized weight, float bias (or undefined) and output qparams.
  static std::shared_ptr<Linear> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                                int64_t zero_point);

  // qweight: qint8 [out_features, in_features], per tensor or per channel (axis 0); bias: float32
  // [out_features] or undefined. Packs the weight once.
  void set_weight_bias(const Tensor& qweight, const Tensor& bias);
  Tensor weight() const { return packed_->weight(); }
  Tensor bias() const { return packed_->bias(); }
  int64_t in_features() const { return packed_->in_features(); }
  int64_t out_features() const { return packed_->out_features(); }
  const LinearPackedParams& packed_params() const { return *packed_; }

  // Output quantization parameters (PyTorch's attributes).
  double scale = 1.0;
  int64_t zero_point = 0;

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Linear"; }
  std::string qualified_name() const override { return "nnq.Linear"; }
  // "in_features=4, out_features=2, scale=0.1, zero_point=3, qscheme=per_tensor_affine"
  std::string extra_repr() const override;

  // Versioned, checksummed bytes of the module (output qparams and packed weight); deserialize() throws
  // qjit::Error on truncated or corrupt input and on a blob of another module type (e.g. a LinearReLU's).
  std::vector<uint8_t> serialize() const;
  static std::shared_ptr<Linear> deserialize(const uint8_t* data, size_t size);

 protected:
  virtual bool fused_relu() const { return false; }
  void init_from_quantized(const char* fn, const Tensor& qweight, const Tensor& bias, double scale,
                           int64_t zero_point);
  void load(const uint8_t* data, size_t size, const char* fn);

  std::shared_ptr<const LinearPackedParams> packed_;
};

}  // namespace qjit::nnq

namespace qjit::nniq {

// Linear followed by ReLU, fused into the requantization (clamp at the output zero point).
class LinearReLU : public nn::ModuleBase<LinearReLU, nnq::Linear> {
 public:
  LinearReLU(int64_t in_features, int64_t out_features, bool bias = true, DType dtype = DType::qint8)
      : ModuleBase(in_features, out_features, bias, dtype) {}

  static std::shared_ptr<LinearReLU> from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                                    int64_t zero_point);
  static std::shared_ptr<LinearReLU> deserialize(const uint8_t* data, size_t size);

  std::string type_name() const override { return "LinearReLU"; }
  std::string qualified_name() const override { return "nniq.LinearReLU"; }

 protected:
  bool fused_relu() const override { return true; }
};

}  // namespace qjit::nniq
