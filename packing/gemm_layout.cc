#include "packing/gemm_layout.h"

#include <cstdlib>

namespace qjit {

const char* dot_kind_name(DotKind d) {
  switch (d) {
    case DotKind::vnni: return "u8x4-vnni";
    case DotKind::maddubs: return "u8x4-maddubs";
    case DotKind::madd16: return "s16x2-madd";
  }
  return "?";
}

GemmLayout gemm_layout(Isa isa, bool pairs_fit_int16, size_t N) {
  GemmLayout l;
  l.isa = isa;
  const bool zmm = isa == Isa::avx512 || isa == Isa::avx512_vnni;
  // 6 rows: 6 x (NR / lanes) accumulators leave room for the broadcast activation and the B vectors (or a
  // product temporary) in 16 ymm (avx2) or 32 zmm (avx512) registers.
  l.mr = 6;
  const int lanes = zmm ? 16 : 8;
  // On ymm, N = 17..24 takes three 8-wide panels rather than two 16-wide ones whose second is at most half used
  // (e.g. MobileNet-V2's 24-channel pointwise layers): fewer multiplies and epilogue vectors per row.
  l.nr = N <= static_cast<size_t>(lanes) ? lanes : zmm && N <= 32 ? 32 : zmm ? 64 : N > 16 && N <= 24 ? 8 : 16;
  // The scalar path computes the exact 4-way dot in C++, like VPDPBUSD: it takes the vnni layout.
  const bool vnni = isa == Isa::avx2_vnni || isa == Isa::avx512_vnni || isa == Isa::scalar;
  l.dot = vnni ? DotKind::vnni : pairs_fit_int16 ? DotKind::maddubs : DotKind::madd16;
  l.k_group = l.dot == DotKind::madd16 ? 2 : 4;
  return l;
}

bool weight_pairs_fit_int16(const int8_t* w, size_t ldw, size_t K, size_t N) {
  for (size_t k = 0; k + 1 < K; k += 2)
    for (size_t n = 0; n < N; ++n)
      if (std::abs(int{w[k * ldw + n]} + int{w[(k + 1) * ldw + n]}) > 128) return false;
  return true;  // an odd last k pairs with a zero pad, and |b| <= 128 always
}

}  // namespace qjit
