// The AVX2 path of the histogram counting pass (workflow/histogram_kernel.cc dispatches to it). This file is
// compiled for AVX2 through the pragma below, after every include: no inline function or template from a header
// may be instantiated here (the linker could keep that AVX2 copy for callers on other CPUs), so the code uses
// intrinsics and plain operators only.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#pragma GCC target("avx2")

namespace qjit::detail {

// Counts whole blocks of 256 values of x[0, n) into the four interleaved sub-histograms at `sub` (bins + 1
// counters each, the last one for dropped values); returns how many values it counted (the caller does the rest).
// With range != nullptr also folds the min and max of the non-NaN values into range[0], range[1].
// bins <= 65535 (indices are packed to 16 bits).
//
// Per 8 values the index is the multiply-by-reciprocal estimate of histc's quotient, exact unless its fraction is
// within bins * 2^-21 of an integer (see histogram_kernel.cc), in which case those 8 lanes redo the division.
// Out-of-range lanes are turned into -1 and everything >= bins into the drop bin by one unsigned min.
size_t histc_count_blocks_avx2(const float* x, size_t n, float lo, float hi, int32_t bins, uint32_t* sub,
                               float* range) {
  constexpr size_t kBlock = 256;
  const size_t stride = static_cast<size_t>(bins) + 1;
  uint32_t* const h0 = sub;
  uint32_t* const h1 = sub + stride;
  uint32_t* const h2 = sub + 2 * stride;
  uint32_t* const h3 = sub + 3 * stride;
  const float width = hi - lo;
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  const __m256 vfbins = _mm256_set1_ps(static_cast<float>(bins)), vwidth = _mm256_set1_ps(width);
  const __m256 vinv = _mm256_set1_ps(1.0f / width);
  const float margin = static_cast<float>(bins) * 0x1p-21f;
  const __m256 vmargin = _mm256_set1_ps(margin), vmargin_hi = _mm256_set1_ps(1.0f - margin);
  const __m256i vbins = _mm256_set1_epi32(bins);
  __m256 vmn = _mm256_set1_ps(__builtin_inff()), vmx = _mm256_set1_ps(-__builtin_inff());
  alignas(32) uint16_t block[kBlock];

  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    // Phase 1: bin indices of the block, vectorised, packed to 16 bits (order within the block does not matter).
    for (size_t j = 0; j < kBlock; j += 16) {
      __m256i p2[2];
      for (int h = 0; h < 2; ++h) {
        const __m256 v = _mm256_loadu_ps(x + i + j + 8 * h);
        if (range) {  // min/max return the second operand for NaN: NaNs never replace the running values
          vmn = _mm256_min_ps(v, vmn);
          vmx = _mm256_max_ps(v, vmx);
        }
        const __m256 scaled = _mm256_mul_ps(_mm256_sub_ps(v, vlo), vfbins);  // exactly ATen's numerator
        const __m256 q = _mm256_mul_ps(scaled, vinv);
        __m256i p = _mm256_cvttps_epi32(q);
        const __m256 frac = _mm256_sub_ps(q, _mm256_cvtepi32_ps(p));
        const __m256 near = _mm256_or_ps(_mm256_cmp_ps(frac, vmargin, _CMP_LT_OQ),
                                         _mm256_cmp_ps(frac, vmargin_hi, _CMP_GT_OQ));
        if (!_mm256_testz_ps(near, near)) p = _mm256_cvttps_epi32(_mm256_div_ps(scaled, vwidth));
        // x < lo or x > hi (not NaN: its 0x80000000 index is dropped by the min below) -> -1.
        const __m256 out = _mm256_or_ps(_mm256_cmp_ps(v, vlo, _CMP_LT_OQ), _mm256_cmp_ps(v, vhi, _CMP_GT_OQ));
        p = _mm256_or_si256(p, _mm256_castps_si256(out));
        p = _mm256_add_epi32(p, _mm256_cmpeq_epi32(p, vbins));  // x == hi: index `bins` -> the last bin
        p2[h] = _mm256_min_epu32(p, vbins);                     // -1 and overflow -> the drop bin
      }
      _mm256_store_si256(reinterpret_cast<__m256i*>(block + j), _mm256_packus_epi32(p2[0], p2[1]));
    }
    // Phase 2: the increments, four interleaved sub-histograms, indices read four at a time.
    const uint64_t* w = reinterpret_cast<const uint64_t*>(block);
    for (size_t k = 0; k < kBlock / 4; ++k) {
      const uint64_t v = w[k];
      ++h0[v & 0xffff];
      ++h1[(v >> 16) & 0xffff];
      ++h2[(v >> 32) & 0xffff];
      ++h3[v >> 48];
    }
  }
  if (range) {
    alignas(32) float lanes[16];
    _mm256_store_ps(lanes, vmn);
    _mm256_store_ps(lanes + 8, vmx);
    for (int k = 0; k < 8; ++k) {
      if (lanes[k] < range[0]) range[0] = lanes[k];
      if (lanes[8 + k] > range[1]) range[1] = lanes[8 + k];
    }
  }
  return i;
}

}  // namespace qjit::detail

#endif  // __x86_64__
