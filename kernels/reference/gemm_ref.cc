#include "kernels/reference/gemm_ref.h"

#include "kernels/reference/quantize_ref.h"

namespace qjit::ref {

int32_t output_stage_int(int32_t acc, size_t n, const OutputStage& out) {
  RequantizeParams p;
  p.out = out.kind == OutputKind::u8 ? QType::u8 : QType::s8;
  p.formula = out.formula;
  p.multiplier = out.multiplier;
  p.per_channel = out.per_channel;
  p.bias_f = out.bias_f;
  p.bias_i = out.bias_i;
  p.zero_point = out.zero_point;
  p.qmin = out.qmin;
  p.qmax = out.qmax;
  return requantize_val(acc, n, p);
}

float output_stage_f32(int32_t acc, size_t m, size_t n, const OutputStage& out) {
  float v = static_cast<float>(acc);
  if (out.bias_f) v = v + out.bias_f[n];
  float mult = out.multiplier[out.per_channel ? n : 0];
  if (out.row_scale) mult = out.row_scale[m] * mult;
  v = v * mult;
  if (out.post_bias) v = v + out.post_bias[n];
  return v;
}

void store_output(int64_t acc, size_t m, size_t n, void* y, size_t i, const OutputStage& out) {
  const int32_t acc32 = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(acc)));
  switch (out.kind) {
    case OutputKind::s32: static_cast<int32_t*>(y)[i] = acc32; break;
    case OutputKind::u8: static_cast<uint8_t*>(y)[i] = static_cast<uint8_t>(output_stage_int(acc32, n, out)); break;
    case OutputKind::s8: static_cast<int8_t*>(y)[i] = static_cast<int8_t>(output_stage_int(acc32, n, out)); break;
    case OutputKind::f32: static_cast<float*>(y)[i] = output_stage_f32(acc32, m, n, out); break;
  }
}

void gemm_u8s8(const uint8_t* a, size_t lda, int32_t a_zp, const int8_t* b, size_t ldb, const int32_t* b_zp,
               size_t M, size_t N, size_t K, void* c, size_t ldc, const OutputStage& out) {
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      const int32_t bz = b_zp ? b_zp[n] : 0;
      // Exact in int64, then wrapped to int32 as the kernels' int32 accumulators wrap.
      int64_t acc = 0;
      for (size_t k = 0; k < K; ++k)
        acc += (static_cast<int64_t>(a[m * lda + k]) - a_zp) * (static_cast<int64_t>(b[k * ldb + n]) - bz);
      store_output(acc, m, n, c, m * ldc + n, out);
    }
}

}  // namespace qjit::ref
