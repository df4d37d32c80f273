// The output stage of a GEMM (and of convolutions built on it), as data: what happens to each int32 accumulator
// after the zero-point corrections. In the spirit of gemmlowp's output stages and ruy's MulParams.
//   s32: acc
//   u8 / s8: requantize, RequantFormula (kernels/qtype.h):
//       onednn:  clamp(rint(f32(f32(acc) + bias_f[n]) * mult[n] + f32(zp)), qmin, qmax)
//       qnnpack: clamp(rint(f32(acc + bias_i[n]) * mult[n]) + zp, qmin, qmax)
//   f32: y = f32(f32(f32(acc) + bias_f[n]) * f32(row_scale[m] * mult[n])) + post_bias[n]
//       (dynamic quantization: qnnpack-style mult = x_scale * w_scale with post_bias = bias; onednn-style
//        bias_f = b * sw and mult = 1 / sw; row_scale = per-row activation scales, or absent)
// mult[n] is mult[0] unless per_channel. Fused ReLU / ReLU6 / clamp are qmin / qmax.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernels/qtype.h"

namespace qjit {

enum class OutputKind : uint8_t { s32, u8, s8, f32 };

struct OutputStage {
  OutputKind kind = OutputKind::s32;
  RequantFormula formula = RequantFormula::onednn;
  const float* multiplier = nullptr;  // u8 / s8 / f32
  bool per_channel = false;
  const float* bias_f = nullptr;      // onednn requantize and f32 out
  const int32_t* bias_i = nullptr;    // qnnpack requantize
  int32_t zero_point = 0;
  int32_t qmin = 0, qmax = 255;
  const float* row_scale = nullptr;   // f32 out: per row of A
  const float* post_bias = nullptr;   // f32 out
};

inline size_t output_kind_size(OutputKind k) { return k == OutputKind::u8 || k == OutputKind::s8 ? 1 : 4; }
inline const char* output_kind_name(OutputKind k) {
  return k == OutputKind::s32 ? "s32" : k == OutputKind::u8 ? "u8" : k == OutputKind::s8 ? "s8" : "f32";
}

// Checks a stage for N output columns (multipliers finite and > 0, zero point and clamp in the output type's
// range, the bias the formula takes); qjit::Error names `fn`.
void check_output_stage(std::string_view fn, const OutputStage& out, size_t N);

// Requantized output with the full range of the type.
OutputStage requantize_stage(OutputKind kind, RequantFormula formula, const float* multiplier, bool per_channel,
                             int32_t zero_point);

}  // namespace qjit
