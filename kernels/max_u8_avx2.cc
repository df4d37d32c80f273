// AVX2 body of kernels/max_u8.h. Compiled for AVX2 through the pragma below, after every include: no inline
// function or template from a header is instantiated here (the linker could keep that AVX2 copy for callers on
// other CPUs), so the code uses intrinsics and plain operators only.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#pragma GCC target("avx2")

namespace qjit::detail {

uint8_t max_u8_avx2(const uint8_t* x, size_t n) {
  size_t i = 0;
  // Four independent accumulators: VPMAXUB has a latency of 1 but two ports; four chains keep both busy and
  // hide the loads (128 bytes per iteration).
  __m256i m0 = _mm256_setzero_si256(), m1 = m0, m2 = m0, m3 = m0;
  for (; i + 128 <= n; i += 128) {
    m0 = _mm256_max_epu8(m0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
    m1 = _mm256_max_epu8(m1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 32)));
    m2 = _mm256_max_epu8(m2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 64)));
    m3 = _mm256_max_epu8(m3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 96)));
  }
  for (; i + 32 <= n; i += 32) m0 = _mm256_max_epu8(m0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
  m0 = _mm256_max_epu8(_mm256_max_epu8(m0, m1), _mm256_max_epu8(m2, m3));
  __m128i m = _mm_max_epu8(_mm256_castsi256_si128(m0), _mm256_extracti128_si256(m0, 1));
  if (i + 16 <= n) {
    m = _mm_max_epu8(m, _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    i += 16;
  }
  // Fewer than 16 bytes left: a scalar tail (a wider load could cross into an unmapped page).
  uint8_t tail = 0;
  for (; i < n; ++i) tail = x[i] > tail ? x[i] : tail;
  m = _mm_max_epu8(m, _mm_set1_epi8(static_cast<char>(tail)));
  // Horizontal max of 16 bytes: fold halves down to one byte.
  m = _mm_max_epu8(m, _mm_srli_si128(m, 8));
  m = _mm_max_epu8(m, _mm_srli_si128(m, 4));
  m = _mm_max_epu8(m, _mm_srli_si128(m, 2));
  m = _mm_max_epu8(m, _mm_srli_si128(m, 1));
  return static_cast<uint8_t>(_mm_cvtsi128_si32(m) & 0xff);
}

}  // namespace qjit::detail

#endif  // __x86_64__
