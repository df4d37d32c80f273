#include "kernels/histogram.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "base/error.h"
#include "base/threadpool.h"
#include "jit/isa_has_avx2.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace qjit::detail {

#if defined(__x86_64__)
size_t histc_count_blocks_avx2(const float* x, size_t n, float lo, float hi, int32_t bins, uint32_t* sub,
                               float* range);  // histogram_kernel_avx2.cc
#endif

namespace {

// Four interleaved sub-histograms per share: values that fall in the same bin back to back would otherwise
// serialise on store-to-load forwarding of one counter. Each has one extra "drop" bin, so the increments never
// branch on the range test. The vector paths (16-bit packed indices) take up to kMaxVectorBins bins; beyond that a
// single histogram and the scalar loop (such bin counts are far from the usual 2048 and cost memory per share).
constexpr size_t kSubHistograms = 4;
constexpr int32_t kMaxVectorBins = 65535;
// Below this many values per share the thread pool costs more than it saves.
constexpr size_t kMinPerShare = size_t{1} << 17;
constexpr size_t kBlock = 256;

// torch.histc's index (LINEAR_INTERPOLATION) of one value, or `bins` (the drop bin) when it is dropped.
inline int32_t bin_of(float x, HistcRange r, float fbins, float width, int32_t bins) {
  if (!(x >= r.lo && x <= r.hi)) return bins;  // outside the range, or NaN
  const float q = (x - r.lo) * fbins / width;   // each operation rounded to float32, as in ATen
  // q <= bins for every value in range; only an overflow to inf (a range near FLT_MAX) can break that, where ATen's
  // int64 conversion is undefined: such a value is dropped.
  if (!(q < 2147483648.0f)) return bins;
  const int32_t p = static_cast<int32_t>(q);
  return p == bins ? bins - 1 : std::min(p, bins);
}

#if defined(__SSE2__)
// Whole blocks of x (the AVX2 path brackets the quotient between two reciprocals instead); four lanes of SSE2, which every
// x86-64 CPU has. The division by the range width costs more than the rest of the index: multiply by the float
// reciprocal instead and keep the result only when it is provably the same bin. The product is within
// 3 * 2^-24 * bins of the correctly rounded quotient (three roundings of a value <= bins), so its integer part is
// the quotient's whenever its fraction is more than bins * 2^-21 away from an integer; lanes closer than that
// (0.2% of them for 2048 bins) redo the exact division, four at a time. bins <= 65535 keeps that margin < 1/32.
size_t count_blocks_sse2(const float* x, size_t n, HistcRange r, int32_t bins, uint32_t* sub, float* range) {
  const size_t stride = static_cast<size_t>(bins) + 1;
  uint32_t* const h[4] = {sub, sub + stride, sub + 2 * stride, sub + 3 * stride};
  const float width = r.hi - r.lo, margin = static_cast<float>(bins) * 0x1p-21f;
  const __m128 vlo = _mm_set1_ps(r.lo), vhi = _mm_set1_ps(r.hi);
  const __m128 vfbins = _mm_set1_ps(static_cast<float>(bins)), vwidth = _mm_set1_ps(width);
  const __m128 vinv = _mm_set1_ps(1.0f / width);
  const __m128 vmargin = _mm_set1_ps(margin), vmargin_hi = _mm_set1_ps(1.0f - margin);
  const __m128i vbins = _mm_set1_epi32(bins), vzero = _mm_setzero_si128();
  __m128 vmn = _mm_set1_ps(std::numeric_limits<float>::infinity()), vmx = _mm_set1_ps(-std::numeric_limits<float>::infinity());
  alignas(16) int32_t block[kBlock];
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (size_t j = 0; j < kBlock; j += 4) {
      const __m128 v = _mm_loadu_ps(x + i + j);
      if (range) {  // minps/maxps return the second operand for NaN: NaNs never replace the running values
        vmn = _mm_min_ps(v, vmn);
        vmx = _mm_max_ps(v, vmx);
      }
      const __m128 in = _mm_and_ps(_mm_cmpge_ps(v, vlo), _mm_cmple_ps(v, vhi));  // false for NaN
      const __m128 scaled = _mm_mul_ps(_mm_sub_ps(v, vlo), vfbins);              // exactly ATen's numerator
      const __m128 q = _mm_mul_ps(scaled, vinv);
      __m128i p = _mm_cvttps_epi32(q);
      const __m128 frac = _mm_sub_ps(q, _mm_cvtepi32_ps(p));
      if (_mm_movemask_ps(_mm_or_ps(_mm_cmplt_ps(frac, vmargin), _mm_cmpgt_ps(frac, vmargin_hi))))
        p = _mm_cvttps_epi32(_mm_div_ps(scaled, vwidth));  // 0x80000000 when the quotient overflows int32
      p = _mm_add_epi32(p, _mm_cmpeq_epi32(p, vbins));       // x == hi: index `bins` -> the last bin
      const __m128i inm = _mm_castps_si128(in);
      p = _mm_or_si128(_mm_and_si128(inm, p), _mm_andnot_si128(inm, vbins));
      const __m128i neg = _mm_cmplt_epi32(p, vzero);  // the overflow case: drop
      p = _mm_or_si128(_mm_and_si128(neg, vbins), _mm_andnot_si128(neg, p));
      _mm_store_si128(reinterpret_cast<__m128i*>(block + j), p);
    }
    for (size_t k = 0; k < kBlock; k += 4) {
      ++h[0][block[k]];
      ++h[1][block[k + 1]];
      ++h[2][block[k + 2]];
      ++h[3][block[k + 3]];
    }
  }
  if (range) {
    alignas(16) float lanes[8];
    _mm_store_ps(lanes, vmn);
    _mm_store_ps(lanes + 4, vmx);
    for (int k = 0; k < 4; ++k) {
      range[0] = lanes[k] < range[0] ? lanes[k] : range[0];
      range[1] = lanes[4 + k] > range[1] ? lanes[4 + k] : range[1];
    }
  }
  return i;
}
#endif

// One share: the vector path on whole blocks, then the remaining values one by one.
void count_share(const float* x, size_t n, HistcRange r, int32_t bins, Isa isa, uint32_t* sub, float* range) {
  size_t done = 0;
  if (bins <= kMaxVectorBins) {
#if defined(__x86_64__)
    if (isa != Isa::scalar) done = histc_count_blocks_avx2(x, n, r.lo, r.hi, bins, sub, range);
#endif
#if defined(__SSE2__)
    if (done == 0) done = count_blocks_sse2(x, n, r, bins, sub, range);
#endif
  }
  const float fbins = static_cast<float>(bins), width = r.hi - r.lo;
  for (size_t i = done; i < n; ++i) {
    if (range) {
      range[0] = x[i] < range[0] ? x[i] : range[0];
      range[1] = x[i] > range[1] ? x[i] : range[1];
    }
    ++sub[bin_of(x[i], r, fbins, width, bins)];
  }
}

// Adds the counts of x[0, n) (n < 2^32, so that 32-bit counters cannot overflow) to counts; with range != nullptr
// folds the min and max of the non-NaN values into range[0], range[1].
void count_chunk(const float* x, size_t n, HistcRange r, int32_t bins, Isa path, uint64_t* counts,
                 HistcScratch& scratch, float* range) {
  const size_t stride = static_cast<size_t>(bins) + 1;
  const size_t per_share = (bins <= kMaxVectorBins ? kSubHistograms : 1) * stride;
  const size_t shares = std::clamp<size_t>(n / kMinPerShare, 1, static_cast<size_t>(std::max(1, get_num_threads())));
  if (scratch.counts.size() < shares * per_share) scratch.counts.resize(shares * per_share);
  if (scratch.ranges.size() < 2 * shares) scratch.ranges.resize(2 * shares);
  auto run = [&](Partition p) {
    const auto [begin, end] = partition_range(n, p, 16);
    const size_t t = static_cast<size_t>(p.thread_id);
    uint32_t* sub = scratch.counts.data() + t * per_share;
    std::memset(sub, 0, per_share * sizeof(uint32_t));
    float* share_range = range ? &scratch.ranges[2 * t] : nullptr;
    if (share_range) {
      share_range[0] = std::numeric_limits<float>::infinity();
      share_range[1] = -share_range[0];
    }
    count_share(x + begin, end - begin, r, bins, path, sub, share_range);
  };
  if (shares == 1) run(Partition{0, 1});
  else parallel_run(static_cast<int>(shares), run);

  for (size_t s = 0; s < shares * (per_share / stride); ++s) {
    const uint32_t* sub = scratch.counts.data() + s * stride;
    for (int32_t k = 0; k < bins; ++k) counts[k] += sub[k];
  }
  if (range) {
    for (size_t s = 0; s < shares; ++s) {
      range[0] = scratch.ranges[2 * s] < range[0] ? scratch.ranges[2 * s] : range[0];
      range[1] = scratch.ranges[2 * s + 1] > range[1] ? scratch.ranges[2 * s + 1] : range[1];
    }
  }
}

}  // namespace

void histc_count(const float* x, size_t n, HistcRange range, int64_t bins, uint64_t* counts, HistcScratch& scratch,
                 float* min_out, float* max_out, Isa isa) {
  check_arg(bins >= 1 && bins <= (int64_t{1} << 20), "histc_count", "bins", bins, "must be in [1, 2^20]");
  check_isa_available("histc_count", isa);
  // Below avx2 (and off x86) the SSE2 / scalar code runs.
  const Isa path = isa_has_avx2(isa) ? Isa::avx2 : Isa::scalar;
  std::fill(counts, counts + bins, uint64_t{0});
  float r[2] = {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  constexpr size_t kChunk = size_t{1} << 31;
  for (size_t begin = 0; begin < n; begin += kChunk)
    count_chunk(x + begin, std::min(kChunk, n - begin), range, static_cast<int32_t>(bins), path, counts, scratch,
                min_out ? r : nullptr);
  if (min_out) {
    *min_out = r[0];
    *max_out = r[1];
  }
}

}  // namespace qjit::detail
