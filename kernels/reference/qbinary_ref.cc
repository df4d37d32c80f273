#include "kernels/reference/qbinary_ref.h"

namespace qjit::ref {

void qbinary_generic(const QBinaryParams& p, const void* a, ptrdiff_t a_stride, const void* b, ptrdiff_t b_stride,
                     void* out, size_t n, size_t vector_end) {
  for (size_t i = 0; i < n; ++i) {
    const int32_t qa = load_q(a, static_cast<size_t>(static_cast<ptrdiff_t>(i) * a_stride), p.type);
    const int32_t qb = load_q(b, static_cast<size_t>(static_cast<ptrdiff_t>(i) * b_stride), p.type);
    store_q(out, i, p.type, qbinary_generic_val(qa, qb, p, i < vector_end));
  }
}

void qadd_qnnpack(const QAddQnnpackParams& p, const uint8_t* a, const uint8_t* b, uint8_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = qadd_qnnpack_val(a[i], b[i], p);
}

}  // namespace qjit::ref
