// AVX2 body of kernels/gemm_widen_a.h. Compiled for AVX2 through the pragma below, after every include: no inline
// function or template from a header is instantiated here (the linker could keep that AVX2 copy for callers on
// other CPUs), so the code uses intrinsics and plain operators only.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#pragma GCC target("avx2")

namespace qjit::detail {

void widen_a_rows_avx2(const uint8_t* a, size_t lda, size_t rows, size_t K, int16_t* dst) {
  const size_t ld = (K + 15) / 16 * 16;  // widened_row_elems(K), not called: it is an inline of the header
  const size_t k_whole = K / 16 * 16, tail = K - k_whole;
  // The tail of a row is loaded as a whole 16 bytes and masked to its K % 16 valid ones when those 16 bytes end
  // inside A (the bytes after a row are the following rows'); the last rows, whose 16 bytes would reach past the
  // last row's K bytes (with K < 16 that can be several rows), go through a zeroed buffer instead (a 16-byte
  // load of bytes just stored one by one stalls on store forwarding: per row, that would cost as much as
  // multiplying a tall-skinny row).
  const __m128i tail_mask =
      _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(tail)),
                     _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  const uint8_t* const a_end = rows ? a + (rows - 1) * lda + K : a;  // one past the last byte of A
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* src = a + r * lda;
    int16_t* out = dst + r * ld;
    for (size_t k = 0; k < k_whole; k += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k), _mm256_cvtepu8_epi16(bytes));
    }
    if (tail == 0) continue;
    __m128i bytes;
    if (static_cast<size_t>(a_end - (src + k_whole)) >= 16) {
      bytes = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k_whole)), tail_mask);
    } else {
      alignas(16) uint8_t last[16] = {};
      std::memcpy(last, src + k_whole, tail);
      bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(last));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k_whole), _mm256_cvtepu8_epi16(bytes));
  }
}

}  // namespace qjit::detail

#endif
