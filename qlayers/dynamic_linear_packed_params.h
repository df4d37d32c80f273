// The packed weight of a dynamic quantized linear layer (PyTorch's LinearPackedParamsBase as quantized::linear_dynamic
// and linear_dynamic_fp16 use it): either qint8 weights (per tensor or per output channel) in a PackedWeights, or
// float16 weights in a PackedWeightsF16, with the float bias beside them. Packed once; immutable afterwards.
//
// run() is the whole dynamic linear over raw float rows (../shared/golden/NUMERICS.md section 7, "Dynamic linear"):
//  - activation qparams from min / max of the rows: ChooseQuantizationParams(min, max, 0, 255, reduce_range);
//  - onednn formula: reduce_range honoured, activation quantized as rint(f32(x * (1/scale)) + zp) (zero point added
//    before rounding, as oneDNN's reorder does), y = f32(f32(acc) + f32(b * sw)) * f32(1 / sw) with
//    sw = f32(f32(1 / x_scale) * f32(1 / w_scale));
//  - qnnpack formula: reduce_range ignored (as PyTorch's QNNPACK engine does), ATen quantize (zero point after
//    rounding), y = f32(f32(acc) * f32(x_scale * w_scale)) + b.
// The float16 path ignores both: y = x * f32(w_half) + b in fp32 (gemm_f32_f16w).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "kernels/exec.h"
#include "kernels/qtype.h"
#include "packing/packed_weights.h"
#include "packing/packed_weights_f16.h"
#include "qlayers/tensor.h"

namespace qjit {

// Buffers a dynamic linear reuses from call to call (quantized activations, per-column constants), so that a
// recurrent loop allocates nothing after its first step.
struct DynamicLinearScratch {
  std::vector<uint8_t> xq;
  std::vector<float> mult, bias_f;
};

class DynamicLinearPackedParams {
 public:
  // qweight: qint8 [out_features, in_features], per_tensor_affine or per_channel_affine on axis 0 (PyTorch's Linear
  // weight layout). bias: float32 [out_features], or undefined for none. `fn` names the caller in errors.
  // isa: the code path the weights are packed for (run() uses it; tests pass each available one).
  static DynamicLinearPackedParams from_qweight(const Tensor& qweight, const Tensor& bias,
                                                std::string_view fn = "linear_prepack", Isa isa = max_isa());
  // weight: float32 [out_features, in_features], stored as halves (PyTorch's linear_prepack_fp16).
  static DynamicLinearPackedParams from_float_fp16(const Tensor& weight, const Tensor& bias,
                                                   std::string_view fn = "linear_prepack_fp16", Isa isa = max_isa());

  // qint8 or float16.
  DType dtype() const { return dtype_; }
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  Isa isa() const { return isa_; }
  bool has_bias() const;
  bool per_channel() const { return int8_ && int8_->per_channel(); }
  const PackedWeights& int8() const;      // qint8 only
  const PackedWeightsF16& fp16() const;  // float16 only

  // The weight as it was given (qint8 tensor with its qparams; float32 values of the halves for float16) and the
  // bias (float32, or undefined).
  Tensor weight() const;
  Tensor bias() const;

  // y[m][n] (row stride ldy) = dynamic linear of the M dense rows of x (M x in_features). The activation
  // parameters are chosen over all M rows together, as PyTorch does for one call. formula: the engine's.
  // Non-finite x is a qjit::Error (its range has no quantization parameters). The kernels run on the path the
  // weights were packed for; `threads` / `partition` as in Exec.
  void run(const float* x, size_t M, float* y, size_t ldy, bool reduce_range, RequantFormula formula,
           DynamicLinearScratch& scratch, int threads = 0) const;

  // Versioned, checksummed bytes (int8 weights through PackedWeights::serialize); deserialize() throws qjit::Error
  // on truncated or corrupt input.
  std::vector<uint8_t> serialize() const;
  static DynamicLinearPackedParams deserialize(const uint8_t* data, size_t size, Isa isa = max_isa());

 private:
  DynamicLinearPackedParams() = default;

  DType dtype_ = DType::qint8;
  Isa isa_ = Isa::scalar;
  int64_t in_features_ = 0, out_features_ = 0;
  std::shared_ptr<const PackedWeights> int8_;
  std::shared_ptr<const PackedWeightsF16> fp16_;
};

}  // namespace qjit
