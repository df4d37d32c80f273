#include "kernels/gemm_output.h"

#include "base/error.h"

namespace qjit {

void check_output_stage(std::string_view fn, const OutputStage& out, size_t N) {
  if (out.kind == OutputKind::s32) return;
  check_not_null(fn, "out.multiplier", out.multiplier);
  check_positive_finite(fn, "out.multiplier", out.multiplier, out.per_channel ? N : 1);
  if (out.kind == OutputKind::f32) {
    check_arg(out.bias_i == nullptr, fn, "out.bias_i", "set", "float output takes bias_f / post_bias");
    return;
  }
  const int32_t tmin = out.kind == OutputKind::u8 ? 0 : -128, tmax = out.kind == OutputKind::u8 ? 255 : 127;
  check_zero_point(fn, "out.zero_point", out.zero_point, tmin, tmax);
  check_arg(out.qmin >= tmin && out.qmin <= tmax, fn, "out.qmin", out.qmin, "must be in the output type's range");
  check_arg(out.qmax >= out.qmin && out.qmax <= tmax, fn, "out.qmax", out.qmax, "must be in [qmin, type max]");
  if (out.formula == RequantFormula::onednn)
    check_arg(out.bias_i == nullptr, fn, "out.bias_i", "set", "the onednn formula takes a float bias (bias_f)");
  else
    check_arg(out.bias_f == nullptr, fn, "out.bias_f", "set", "the qnnpack formula takes an int32 bias (bias_i)");
}

OutputStage requantize_stage(OutputKind kind, RequantFormula formula, const float* multiplier, bool per_channel,
                             int32_t zero_point) {
  OutputStage s;
  s.kind = kind;
  s.formula = formula;
  s.multiplier = multiplier;
  s.per_channel = per_channel;
  s.zero_point = zero_point;
  s.qmin = kind == OutputKind::s8 ? -128 : 0;
  s.qmax = kind == OutputKind::s8 ? 127 : 255;
  return s;
}

}  // namespace qjit
