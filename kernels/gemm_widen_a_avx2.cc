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
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* src = a + r * lda;
    int16_t* out = dst + r * ld;
    size_t k = 0;
    for (; k + 16 <= K; k += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k), _mm256_cvtepu8_epi16(bytes));
    }
    if (k < K) {  // the last K % 16 bytes through a zeroed buffer: never past the row, zeros in the pad
      alignas(16) uint8_t tail[16] = {};
      std::memcpy(tail, src + k, K - k);
      const __m128i bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(tail));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k), _mm256_cvtepu8_epi16(bytes));
    }
  }
}

}  // namespace qjit::detail

#endif
