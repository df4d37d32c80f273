#include "kernels/gemm_output.h"

namespace qjit {

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
