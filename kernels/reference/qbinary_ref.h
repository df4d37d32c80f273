// Scalar oracle of the quantized element-wise binary ops (kernels/qbinary.h): the plainest code that states the
// numerics of ../shared/golden/NUMERICS.md section 7 ("Element-wise / other ops"). The AVX2 paths are tested
// bit-exactly against these.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/qbinary.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit::ref {

// ATen's vector lambdas dequantize with one fused multiply-add, fma(s, q, f32(s * -zp)); its scalar lambdas with
// (q - zp) * s. The two differ in the last bit for some q, which is why the position of an element matters.
inline float dequantize_fma(int32_t q, float scale, float neg_scale_zp) {
  return std::fma(scale, static_cast<float>(q), neg_scale_zp);
}
inline float neg_scale_zp(float scale, int32_t zp) { return scale * -static_cast<float>(zp); }

// One element of the generic (ATen, onednn engine) kernel; `vector_form` selects the fma dequantization.
inline int32_t qbinary_generic_val(int32_t qa, int32_t qb, const QBinaryParams& p, bool vector_form) {
  float da, db;
  if (vector_form && p.op == QBinaryOp::add) {
    da = dequantize_fma(qa, p.a_scale, neg_scale_zp(p.a_scale, p.a_zero_point));
    db = dequantize_fma(qb, p.b_scale, neg_scale_zp(p.b_scale, p.b_zero_point));
  } else {
    da = dequantize_val(qa, p.a_scale, p.a_zero_point);
    db = dequantize_val(qb, p.b_scale, p.b_zero_point);
  }
  float c = p.op == QBinaryOp::add ? da + db : da * db;
  if (p.relu) c = c > 0.0f ? c : 0.0f;
  return quantize_val(c, 1.0f / p.out_scale, p.out_zero_point, p.type);
}

// Buffer form of qbinary_generic: element i of a is a[i * a_stride] (stride 0 broadcasts one value), same for b;
// out is dense. Elements [0, vector_end) take the vector form.
void qbinary_generic(const QBinaryParams& p, const void* a, ptrdiff_t a_stride, const void* b, ptrdiff_t b_stride,
                     void* out, size_t n, size_t vector_end);

// One element of QNNPACK's fixed-point add (q8vadd), given its parameters.
inline uint8_t qadd_qnnpack_val(uint8_t qa, uint8_t qb, const QAddQnnpackParams& p) {
  const int32_t acc = static_cast<int32_t>(static_cast<uint32_t>(p.zero_point_product) +
                                           static_cast<uint32_t>(qa) * static_cast<uint32_t>(p.a_multiplier) +
                                           static_cast<uint32_t>(qb) * static_cast<uint32_t>(p.b_multiplier));
  const int32_t rem = (acc & p.remainder_mask) - (acc < 0 ? 1 : 0);
  int32_t y = (acc >> p.shift) + (rem > p.remainder_threshold ? 1 : 0);
  y += p.out_zero_point;
  return static_cast<uint8_t>(y < p.qmin ? p.qmin : y > p.qmax ? p.qmax : y);
}

void qadd_qnnpack(const QAddQnnpackParams& p, const uint8_t* a, const uint8_t* b, uint8_t* out, size_t n);

}  // namespace qjit::ref
