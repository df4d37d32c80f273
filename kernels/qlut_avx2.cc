// The AVX2 paths of kernels/qlut.h (dispatched from qlut.cc). Compiled for AVX2 through the pragma below, after
// every include: no inline function or template from a header may be instantiated here, so the code uses
// intrinsics and plain operators only.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#pragma GCC target("avx2")

namespace qjit::detail {

namespace {
// The table as 16 rows of 16 bytes, each broadcast to both lanes: row k holds table[16k .. 16k + 15].
struct LutRows {
  __m256i row[16];
};

// 32 lookups: VPSHUFB picks within a row by the low nibble; the high nibble selects the row. Each row's result is
// kept where the high nibble equals the row number.
inline __m256i lookup32(const LutRows& t, __m256i x) {
  const __m256i low_mask = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_and_si256(x, low_mask);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low_mask);
  __m256i r = _mm256_setzero_si256();
  for (int k = 0; k < 16; ++k) {
    const __m256i sel = _mm256_cmpeq_epi8(hi, _mm256_set1_epi8(static_cast<char>(k)));
    r = _mm256_or_si256(r, _mm256_and_si256(sel, _mm256_shuffle_epi8(t.row[k], lo)));
  }
  return r;
}
}  // namespace

void qlut_apply_avx2(const uint8_t* table, const uint8_t* in, uint8_t* out, size_t n) {
  LutRows t;
  for (int k = 0; k < 16; ++k)
    t.row[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * k)));
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), lookup32(t, x));
  }
  if (i == n) return;
  alignas(32) uint8_t buf[32] = {};
  std::memcpy(buf, in + i, n - i);
  const __m256i y = lookup32(t, _mm256_load_si256(reinterpret_cast<const __m256i*>(buf)));
  _mm256_store_si256(reinterpret_cast<__m256i*>(buf), y);
  std::memcpy(out + i, buf, n - i);
}

void qclamp_avx2(bool is_signed, const uint8_t* in, uint8_t* out, size_t n, int32_t lo, int32_t hi) {
  const __m256i vlo = _mm256_set1_epi8(static_cast<char>(lo)), vhi = _mm256_set1_epi8(static_cast<char>(hi));
  size_t i = 0;
  const auto clamp32 = [&](__m256i x) {
    return is_signed ? _mm256_min_epi8(_mm256_max_epi8(x, vlo), vhi) : _mm256_min_epu8(_mm256_max_epu8(x, vlo), vhi);
  };
  for (; i + 32 <= n; i += 32) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), clamp32(x));
  }
  if (i == n) return;
  alignas(32) uint8_t buf[32] = {};
  std::memcpy(buf, in + i, n - i);
  _mm256_store_si256(reinterpret_cast<__m256i*>(buf), clamp32(_mm256_load_si256(reinterpret_cast<const __m256i*>(buf))));
  std::memcpy(out + i, buf, n - i);
}

}  // namespace qjit::detail

#endif  // __x86_64__
