// The counting pass of HistogramObserver: torch.histc's binning (PyTorch 1.13.1, LINEAR_INTERPOLATION, no local
// search) over a float buffer, optionally fused with the min/max of the same data so the observer reads its input
// once. Used by workflow/histogram_observer; the AVX2 loop (histogram_avx2.cc) is compiled for AVX2 in its own file
// and reached only through the ISA dispatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "jit/cpu.h"

namespace qjit::detail {

// Element x lands in bin (int)(f32(f32(x - lo) * f32(bins)) / f32(hi - lo)) when lo <= x <= hi (x == hi in the last
// bin); anything else, NaN included, is dropped (NUMERICS.md section 2, torch.histc). lo < hi, both finite.
struct HistcRange {
  float lo, hi;
};

// Reused between calls so that a forward allocates nothing once the sizes are known.
struct HistcScratch {
  std::vector<uint32_t> counts;
  std::vector<float> ranges;
};

// Counts x[0, n) into counts[0, bins) (overwritten; exact integers, where PyTorch's float32 accumulator would stop
// counting a single bin past 2^24). When min_out is not null, also writes the min and max of the non-NaN values
// (+inf / -inf when there is none). Large inputs are split over the default thread pool. isa selects the path
// (AVX2 on every x86 rung from avx2 up, else SSE2 / scalar); all give the same counts. 1 <= bins <= 2^20.
void histc_count(const float* x, size_t n, HistcRange range, int64_t bins, uint64_t* counts, HistcScratch& scratch,
                 float* min_out = nullptr, float* max_out = nullptr, Isa isa = max_isa());

}  // namespace qjit::detail
