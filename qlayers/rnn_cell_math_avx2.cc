// The AVX2 path of the recurrent gate math (qlayers/rnn_cell_math.cc dispatches to it): the float operations of
// qlayers/rnn_gate_activations.h, in the same order, eight hidden units at a time, so the results equal the scalar
// path bit for bit. Compiled for AVX2 without FMA (the pragma below, after every include), so no multiply and add
// can be contracted into one rounding; no inline function from a header is instantiated here, only intrinsics.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "qlayers/rnn_gate_activations.h"

#pragma GCC target("avx2")

namespace qjit::detail {
namespace {

using namespace qjit::rnn_math;

inline __m256 exp8(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(kExpLo));
  x = _mm256_min_ps(x, _mm256_set1_ps(kExpHi));
  const __m256 n = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)), _mm256_set1_ps(0.5f)));
  x = _mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(kLn2Hi)));
  x = _mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(kLn2Lo)));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(kExpP0), x), _mm256_set1_ps(kExpP1));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(kExpP2));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(kExpP3));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(kExpP4));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(kExpP5));
  y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(y, z), x), _mm256_set1_ps(1.0f));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}

inline __m256 sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e = exp8(_mm256_xor_ps(x, _mm256_set1_ps(-0.0f)));  // -x, exactly as the scalar negation
  return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

inline __m256 tanh8(__m256 x) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 a = _mm256_andnot_ps(sign, x);
  const __m256 one = _mm256_set1_ps(1.0f);
  __m256 t = _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(exp8(_mm256_add_ps(a, a)), one));
  t = _mm256_sub_ps(one, t);
  t = _mm256_or_ps(t, _mm256_and_ps(x, sign));  // t >= 0 here, so this is the scalar x < 0 ? -t : t
  const __m256 s = _mm256_mul_ps(x, x);
  __m256 p = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(kTanhP0), s), _mm256_set1_ps(kTanhP1));
  p = _mm256_add_ps(_mm256_mul_ps(p, s), _mm256_set1_ps(kTanhP2));
  p = _mm256_add_ps(_mm256_mul_ps(p, s), _mm256_set1_ps(kTanhP3));
  p = _mm256_add_ps(_mm256_mul_ps(p, s), _mm256_set1_ps(kTanhP4));
  p = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, s), x), x);
  const __m256 large = _mm256_cmp_ps(a, _mm256_set1_ps(kTanhSmall), _CMP_GT_OQ);
  return _mm256_blendv_ps(p, t, large);
}

inline __m256 gate_sum(const float* hi, const float* xi) { return _mm256_add_ps(_mm256_loadu_ps(hi), _mm256_loadu_ps(xi)); }

}  // namespace

void lstm_cell_gates_avx2(const float* gi, const float* gh, size_t ldg, const float* c, float* h_out, size_t ldh,
                          float* c_out, size_t B, size_t H) {
  for (size_t b = 0; b < B; ++b) {
    const float* xi = gi + b * ldg;
    const float* hi = gh + b * ldg;
    for (size_t j = 0; j + 8 <= H; j += 8) {
      const __m256 ig = sigmoid8(gate_sum(hi + j, xi + j));
      const __m256 fg = sigmoid8(gate_sum(hi + H + j, xi + H + j));
      const __m256 gg = tanh8(gate_sum(hi + 2 * H + j, xi + 2 * H + j));
      const __m256 og = sigmoid8(gate_sum(hi + 3 * H + j, xi + 3 * H + j));
      const __m256 cy = _mm256_add_ps(_mm256_mul_ps(fg, _mm256_loadu_ps(c + b * H + j)), _mm256_mul_ps(ig, gg));
      _mm256_storeu_ps(c_out + b * H + j, cy);
      _mm256_storeu_ps(h_out + b * ldh + j, _mm256_mul_ps(og, tanh8(cy)));
    }
  }
}

void gru_cell_gates_avx2(const float* gi, const float* gh, size_t ldg, const float* h, float* h_out, size_t ldh,
                         size_t B, size_t H) {
  for (size_t b = 0; b < B; ++b) {
    const float* xi = gi + b * ldg;
    const float* hi = gh + b * ldg;
    for (size_t j = 0; j + 8 <= H; j += 8) {
      const __m256 r = sigmoid8(gate_sum(hi + j, xi + j));
      const __m256 z = sigmoid8(gate_sum(hi + H + j, xi + H + j));
      const __m256 hn = _mm256_mul_ps(_mm256_loadu_ps(hi + 2 * H + j), r);
      const __m256 n = tanh8(_mm256_add_ps(_mm256_loadu_ps(xi + 2 * H + j), hn));
      const __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(h + b * H + j), n), z);
      _mm256_storeu_ps(h_out + b * ldh + j, _mm256_add_ps(d, n));
    }
  }
}

void rnn_cell_gates_avx2(const float* gi, const float* gh, size_t ldg, bool relu, float* h_out, size_t ldh, size_t B,
                         size_t H) {
  for (size_t b = 0; b < B; ++b) {
    const float* xi = gi + b * ldg;
    const float* hi = gh + b * ldg;
    for (size_t j = 0; j + 8 <= H; j += 8) {
      const __m256 v = gate_sum(hi + j, xi + j);
      _mm256_storeu_ps(h_out + b * ldh + j, relu ? _mm256_max_ps(v, _mm256_setzero_ps()) : tanh8(v));
    }
  }
}

}  // namespace qjit::detail

#endif  // __x86_64__
