// qjit::nnqd::Linear: torch.ao.nn.quantized.dynamic.Linear. Float input of any rank >= 1 (last dimension
// in_features), float output; weights qint8 (per tensor or per channel on axis 0) or float16, packed once in
// set_weight_bias. forward quantizes the activation on the fly with reduce_range = true, as PyTorch's module does
// (honoured by the onednn engine, ignored by qnnpack; the engine is read when forward runs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qlayers/dynamic_linear_packed_params.h"
#include "qlayers/module.h"
#include "qlayers/tensor.h"

namespace qjit::nnqd {

class Linear : public nn::ModuleBase<Linear> {
 public:
  // As PyTorch: a zero qint8 weight (scale 1, zero point 0) or a zero float16 weight, and a zero float bias.
  // dtype: qint8 or float16.
  Linear(int64_t in_features, int64_t out_features, bool bias = true, DType dtype = DType::qint8);

  // From an already quantized weight (the workflow's convert computes it with the weight observer). qweight: qint8
  // [out, in]; bias float32 [out] or undefined. scale / zero_point are the unused output attributes PyTorch keeps.
  static std::shared_ptr<Linear> from_quantized(const Tensor& qweight, const Tensor& bias, double scale = 1.0,
                                                int64_t zero_point = 0);
  // float16 weights need no observer: from the float weight [out, in] directly.
  static std::shared_ptr<Linear> from_float_weight_fp16(const Tensor& weight, const Tensor& bias);

  std::string type_name() const override { return "Linear"; }
  std::string qualified_name() const override { return "nnqd.Linear"; }
  // "in_features=4, out_features=2, dtype=torch.qint8, qscheme=torch.per_tensor_affine" (PyTorch's form).
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;

  // qint8 modules take a qint8 weight, float16 modules a float32 weight (stored as halves).
  void set_weight_bias(const Tensor& weight, const Tensor& bias);
  Tensor weight() const { return packed_.weight(); }
  Tensor bias() const { return packed_.bias(); }
  const DynamicLinearPackedParams& packed_params() const { return packed_; }

  int64_t in_features() const { return packed_.in_features(); }
  int64_t out_features() const { return packed_.out_features(); }
  DType dtype() const { return packed_.dtype(); }

  double scale = 1.0;
  int64_t zero_point = 0;

  std::vector<uint8_t> serialize() const;
  static std::shared_ptr<Linear> deserialize(const uint8_t* data, size_t size);

 private:
  explicit Linear(DynamicLinearPackedParams packed) : packed_(std::move(packed)) {}
  DynamicLinearPackedParams packed_;
};

}  // namespace qjit::nnqd
