// The AVX2 path of the histogram counting pass (kernels/histogram.cc dispatches to it). This file is
// compiled for AVX2 through the pragma below, after every include: no inline function or template from a header
// may be instantiated here (the linker could keep that AVX2 copy for callers on other CPUs), so the code uses
// intrinsics and plain operators only.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#pragma GCC target("avx2")

namespace qjit::detail {
namespace {

// The broadcast constants of one range.
// inv_below < 1 / width < inv_above (the float32 neighbours of the rounded reciprocal; see count_blocks).
struct Consts {
  __m256 lo, hi, fbins, width, inv_below, inv_above;
  __m256i bins;
  Consts(float l, float h, int32_t b) {
    const float inv = 1.0f / (h - l);
    lo = _mm256_set1_ps(l);
    hi = _mm256_set1_ps(h);
    fbins = _mm256_set1_ps(static_cast<float>(b));
    width = _mm256_set1_ps(h - l);
    inv_below = _mm256_set1_ps(__builtin_nextafterf(inv, 0.0f));
    inv_above = _mm256_set1_ps(__builtin_nextafterf(inv, __builtin_inff()));
    bins = _mm256_set1_epi32(b);
  }
};

// Eight values: histc's numerator, the bin bracketed from below and from above (equal: it is the bin; see
// count_blocks) and whether the value is outside [lo, hi] (NaN is neither: its 0x80000000 index is dropped by
// finish's unsigned min).
struct Lanes {
  __m256 scaled, out;
  __m256i p, p_above;
};

template <bool kRange>
inline __attribute__((always_inline)) Lanes estimate(const float* x, const Consts& c, __m256& vmn, __m256& vmx) {
  const __m256 v = _mm256_loadu_ps(x);
  if (kRange) {  // min/max return the second operand for NaN: NaNs never replace the running values
    vmn = _mm256_min_ps(v, vmn);
    vmx = _mm256_max_ps(v, vmx);
  }
  Lanes l;
  l.scaled = _mm256_mul_ps(_mm256_sub_ps(v, c.lo), c.fbins);  // exactly ATen's numerator
  l.p = _mm256_cvttps_epi32(_mm256_mul_ps(l.scaled, c.inv_below));
  l.p_above = _mm256_cvttps_epi32(_mm256_mul_ps(l.scaled, c.inv_above));
  l.out = _mm256_or_ps(_mm256_cmp_ps(v, c.lo, _CMP_LT_OQ), _mm256_cmp_ps(v, c.hi, _CMP_GT_OQ));
  return l;
}

// Out-of-range lanes -> -1, index `bins` (x == hi) -> the last bin, then -1 and overflow -> the drop bin `bins`.
inline __attribute__((always_inline)) __m256i finish(__m256i p, __m256 out, __m256i bins) {
  p = _mm256_or_si256(p, _mm256_castps_si256(out));
  p = _mm256_add_epi32(p, _mm256_cmpeq_epi32(p, bins));
  return _mm256_min_epu32(p, bins);
}

// The bin is trunc(f32(scaled / width)) for scaled = f32(f32(x - lo) * bins) >= 0, and the division costs more
// than the rest of the index. Rounding to float32 and truncation are monotone, and
// scaled * inv_below <= scaled / width <= scaled * inv_above as real numbers, so
// trunc(f32(scaled * inv_below)) <= bin <= trunc(f32(scaled * inv_above)): where the two brackets agree they are the
// bin. They are 2 ulps of the reciprocal apart, a relative 2^-22: for 2048 bins they straddle an integer in about
// 1 lane in 10^4, and then the group redoes the division. Out-of-range lanes (scaled < 0, or overflow) are
// replaced by finish whatever their brackets say.
// Sixteen bin indices, packed to 16 bits (their order does not matter).
template <bool kRange>
inline __attribute__((always_inline)) __m256i indices16(const float* x, const Consts& c, __m256& vmn, __m256& vmx) {
  const Lanes l0 = estimate<kRange>(x, c, vmn, vmx);
  const Lanes l1 = estimate<kRange>(x + 8, c, vmn, vmx);
  __m256i p0 = l0.p, p1 = l1.p;
  // One test per 16 lanes; with 2048 bins about 1 group in 1000 has a lane whose brackets differ.
  const __m256i same = _mm256_and_si256(_mm256_cmpeq_epi32(l0.p, l0.p_above), _mm256_cmpeq_epi32(l1.p, l1.p_above));
  if (__builtin_expect(!_mm256_testc_si256(same, _mm256_set1_epi32(-1)), 0)) {
    p0 = _mm256_cvttps_epi32(_mm256_div_ps(l0.scaled, c.width));
    p1 = _mm256_cvttps_epi32(_mm256_div_ps(l1.scaled, c.width));
  }
  return _mm256_packus_epi32(finish(p0, l0.out, c.bins), finish(p1, l1.out, c.bins));
}

// The bin is trunc(f32(scaled / width)) for scaled = f32(f32(x - lo) * bins) >= 0, and the division costs more
// than the rest of the index. Rounding to float32 and truncation are monotone, and
// scaled * inv_below <= scaled / width <= scaled * inv_above as real numbers, so
// trunc(f32(scaled * inv_below)) <= bin <= trunc(f32(scaled * inv_above)): where the two brackets agree they are the
// bin. They are 2 ulps of the reciprocal apart, a relative 2^-22: for 2048 bins they straddle an integer in about
// 1 lane in 10^4, and then the group redoes the division. Out-of-range lanes (scaled < 0, or overflow) are
// replaced by finish whatever their brackets say.
//
// The increments (one read-modify-write per value, about a cycle each on Zen 3: half the time) are software
// pipelined: the 16 indices of one group are counted, straight from the vector register, while the next group's
// are computed, so the vector work hides under the scattered stores. Four interleaved sub-histograms keep values
// of one bin that come close together from waiting on each other's store.
template <bool kRange>
size_t count_blocks(const float* x, size_t n, float lo, float hi, int32_t bins, uint32_t* sub, float* range) {
  if (n < 16) return 0;
  const size_t stride = static_cast<size_t>(bins) + 1;
  uint32_t* const h0 = sub;
  uint32_t* const h1 = sub + stride;
  uint32_t* const h2 = sub + 2 * stride;
  uint32_t* const h3 = sub + 3 * stride;
  const Consts c(lo, hi, bins);
  __m256 vmn = _mm256_set1_ps(__builtin_inff()), vmx = _mm256_set1_ps(-__builtin_inff());
  const auto count16 = [&](__m256i idx) __attribute__((always_inline)) {
    const __m128i lo128 = _mm256_castsi256_si128(idx), hi128 = _mm256_extracti128_si256(idx, 1);
    const uint64_t q0 = static_cast<uint64_t>(_mm_cvtsi128_si64(lo128));
    const uint64_t q1 = static_cast<uint64_t>(_mm_extract_epi64(lo128, 1));
    const uint64_t q2 = static_cast<uint64_t>(_mm_cvtsi128_si64(hi128));
    const uint64_t q3 = static_cast<uint64_t>(_mm_extract_epi64(hi128, 1));
    ++h0[q0 & 0xffff], ++h1[(q0 >> 16) & 0xffff], ++h2[(q0 >> 32) & 0xffff], ++h3[q0 >> 48];
    ++h0[q1 & 0xffff], ++h1[(q1 >> 16) & 0xffff], ++h2[(q1 >> 32) & 0xffff], ++h3[q1 >> 48];
    ++h0[q2 & 0xffff], ++h1[(q2 >> 16) & 0xffff], ++h2[(q2 >> 32) & 0xffff], ++h3[q2 >> 48];
    ++h0[q3 & 0xffff], ++h1[(q3 >> 16) & 0xffff], ++h2[(q3 >> 32) & 0xffff], ++h3[q3 >> 48];
  };
  __m256i pending = indices16<kRange>(x, c, vmn, vmx);
  size_t i = 16;
  for (; i + 16 <= n; i += 16) {
    const __m256i next = indices16<kRange>(x + i, c, vmn, vmx);
    count16(pending);
    pending = next;
  }
  count16(pending);
  if (kRange) {
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

}  // namespace

// Counts whole groups of 16 values of x[0, n) into the four interleaved sub-histograms at `sub` (bins + 1
// counters each, the last one for dropped values); returns how many values it counted (the caller does the rest).
// With range != nullptr also folds the min and max of the non-NaN values into range[0], range[1]. bins <= 65535
// (indices are packed to 16 bits).
size_t histc_count_blocks_avx2(const float* x, size_t n, float lo, float hi, int32_t bins, uint32_t* sub,
                               float* range) {
  return range ? count_blocks<true>(x, n, lo, hi, bins, sub, range) : count_blocks<false>(x, n, lo, hi, bins, sub, range);
}

}  // namespace qjit::detail

#endif  // __x86_64__
