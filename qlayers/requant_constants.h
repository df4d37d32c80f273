// The requantization constants of a quantized linear or convolution layer: the per-channel multipliers and the
// bias in the form the engine's formula takes, derived from the input, weight and output scales and the float
// bias exactly as each PyTorch engine derives them (../shared/golden/NUMERICS.md section 7):
//   onednn (ideep's reciprocal scales): src_s = f32(1/x_scale), wei_s = f32(1/w_scale), sw = f32(src_s * wei_s),
//           multiplier = f32(f32(1/out_scale) / sw), bias_f = f32(b * sw)        (bias stays float)
//   qnnpack: multiplier = f32(w_scale) * f32(x_scale) * f32(1/out_scale),
//           bias_i = clamp_int32(rint(b * f32(1 / f32(x_scale * w_scale))))    (x_scale * w_scale in double)
// They depend on the input scale, which PyTorch allows to change per call, so a layer keeps the constants of
// its last call (RequantCache) instead of recomputing (and allocating) them on every forward.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "kernels/gemm_output.h"
#include "kernels/qtype.h"

namespace qjit {

struct RequantConstants {
  RequantFormula formula = RequantFormula::onednn;
  double x_scale = 0, out_scale = 0;
  std::vector<float> multiplier;  // 1 entry (per-tensor weights) or N
  std::vector<float> bias_f;      // onednn: N entries, empty without bias
  std::vector<int32_t> bias_i;    // qnnpack: N entries (zeros without bias)
};

// w_scales: 1 entry (per tensor) or N; bias: N floats or empty. Scales must be valid (checked by the callers).
RequantConstants make_requant_constants(RequantFormula formula, double x_scale, const std::vector<double>& w_scales,
                                        size_t N, const std::vector<float>& bias, double out_scale);

// The u8 output stage over c (which must outlive it). Fused ReLU clamps at the output zero point: real 0.
OutputStage requant_output_stage(const RequantConstants& c, int32_t out_zero_point, bool relu);

// The constants of the last (formula, x_scale, out_scale) a layer ran with; thread-safe.
class RequantCache {
 public:
  std::shared_ptr<const RequantConstants> get(RequantFormula formula, double x_scale, double out_scale,
                                              const std::vector<double>& w_scales, size_t N,
                                              const std::vector<float>& bias) const;

 private:
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const RequantConstants> last_;
};

}  // namespace qjit
