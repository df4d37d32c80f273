// HistogramObserver beyond the golden data: the counting kernel on every code path against torch.histc's formula
// (edges, NaN, infinities, signed zeros, values next to bin boundaries, bin counts that change the path), the
// run-by-run combination against a cell-by-cell reference of _combine_histograms, a range that grows by orders of
// magnitude, thread-count independence and the state checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "base/threadpool.h"
#include "jit/cpu.h"
#include "tests/qlayers/expect_error.h"
#include "workflow/aten_math.h"
#include "kernels/histogram.h"
#include "workflow/histogram_observer.h"

namespace qjit {
namespace {

using test::expect_error;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// torch.histc (LINEAR_INTERPOLATION), written the way ATen writes it.
std::vector<uint64_t> reference_histc(const std::vector<float>& x, float lo, float hi, int64_t bins) {
  std::vector<uint64_t> h(static_cast<size_t>(bins), 0);
  for (float v : x) {
    if (!(v >= lo && v <= hi)) continue;
    const float q = (v - lo) * static_cast<float>(bins) / (hi - lo);
    int64_t pos = static_cast<int64_t>(q);
    if (pos == bins) pos -= 1;
    ++h[static_cast<size_t>(pos)];
  }
  return h;
}

// Values that stress the index: the edges, just inside / outside them, signed zeros, NaN, infinities, every bin
// boundary and its float neighbours (where the reciprocal estimate must fall back to the division), random values.
std::vector<float> tricky_values(float lo, float hi, int64_t bins, size_t random_count) {
  std::vector<float> v = {lo, hi, std::nextafter(lo, -kInf), std::nextafter(hi, kInf), std::nextafter(lo, kInf),
                          std::nextafter(hi, -kInf), 0.0f, -0.0f, kNaN, kInf, -kInf};
  const int64_t step = std::max<int64_t>(1, bins / 300);
  for (int64_t b = 0; b <= bins; b += step) {
    const float edge = lo + (hi - lo) * static_cast<float>(b) / static_cast<float>(bins);
    v.insert(v.end(), {edge, std::nextafter(edge, -kInf), std::nextafter(edge, kInf)});
  }
  std::mt19937 gen(static_cast<unsigned>(bins));
  std::uniform_real_distribution<float> u(lo - 0.1f * (hi - lo), hi + 0.1f * (hi - lo));
  for (size_t i = 0; i < random_count; ++i) v.push_back(u(gen));
  return v;
}

TEST(HistogramKernel, EveryPathMatchesTorchHistcFormula) {
  struct Case {
    float lo, hi;
    int64_t bins;
  };
  // 65535 bins is the largest for the vector paths (16-bit indices); 65536 and 300000 take the scalar loop.
  for (const Case c : {Case{-2, 3, 2048}, Case{0, 1, 1}, Case{-7, 7, 7}, Case{-0.3f, 1.7f, 256},
                       Case{-1e-3f, 2e-3f, 2048}, Case{-5e4f, 1e5f, 2048}, Case{0, 1, 65535}, Case{-1, 1, 65536},
                       Case{-3, 4, 300000}}) {
    const std::vector<float> x = tricky_values(c.lo, c.hi, c.bins, 5000);
    const std::vector<uint64_t> want = reference_histc(x, c.lo, c.hi, c.bins);
    for (Isa isa : available_isas()) {
      SCOPED_TRACE(std::string(isa_name(isa)) + " bins " + std::to_string(c.bins) + " [" + std::to_string(c.lo) +
                   ", " + std::to_string(c.hi) + "]");
      std::vector<uint64_t> got(static_cast<size_t>(c.bins));
      detail::HistcScratch scratch;
      float mn, mx;
      detail::histc_count(x.data(), x.size(), {c.lo, c.hi}, c.bins, got.data(), scratch, &mn, &mx, isa);
      EXPECT_EQ(got, want);
      EXPECT_EQ(mn, -kInf);  // NaN skipped, infinities kept
      EXPECT_EQ(mx, kInf);
      // Without the range, and for prefix lengths around the vector paths' units (AVX2: groups of 16, counted one
      // group behind; SSE2: blocks of 256), the rest counted one by one.
      for (size_t n : {0, 1, 15, 16, 17, 31, 32, 33, 48, 255, 256, 257, 1000}) {
        const std::vector<float> part(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
        detail::histc_count(part.data(), n, {c.lo, c.hi}, c.bins, got.data(), scratch, nullptr, nullptr, isa);
        ASSERT_EQ(got, reference_histc(part, c.lo, c.hi, c.bins)) << "n = " << n;
      }
    }
  }
}

// Ranges whose reciprocal width overflows (a denormal width) or is itself denormal (a width near FLT_MAX, with
// few enough bins that histc's numerator stays finite, where ATen is defined): the vector paths' bracketing of the
// quotient must still give torch.histc's bins.
TEST(HistogramKernel, ExtremeRangeWidthsMatchTorchHistcFormula) {
  struct Case {
    float lo, hi;
    int64_t bins;
  };
  for (const Case c : {Case{0, 1e-44f, 7}, Case{-1e-44f, 1e-44f, 2048}, Case{-5e37f, 5e37f, 3},
                       Case{0, 1.5e38f, 2}, Case{-1e34f, 1e34f, 2048}}) {
    std::vector<float> x;
    std::mt19937 gen(11);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (int i = 0; i < 4096; ++i) {
      const float t = u(gen);
      x.push_back(c.lo * (1 - t) + c.hi * t);  // lo * (1 - t) + hi * t: no overflow where hi - lo would
      x.push_back(std::nextafter(x.back(), kInf));
      x.push_back(std::nextafter(x[x.size() - 2], -kInf));
    }
    x.insert(x.end(), {c.lo, c.hi, 0.0f, -0.0f, kNaN, kInf, -kInf, std::nextafter(c.hi, kInf),
                       std::nextafter(c.lo, -kInf), 1e-45f, -1e-45f});
    const std::vector<uint64_t> want = reference_histc(x, c.lo, c.hi, c.bins);
    for (Isa isa : available_isas()) {
      SCOPED_TRACE(std::string(isa_name(isa)) + " bins " + std::to_string(c.bins) + " [" + std::to_string(c.lo) +
                   ", " + std::to_string(c.hi) + "]");
      std::vector<uint64_t> got(static_cast<size_t>(c.bins));
      detail::HistcScratch scratch;
      detail::histc_count(x.data(), x.size(), {c.lo, c.hi}, c.bins, got.data(), scratch, nullptr, nullptr, isa);
      EXPECT_EQ(got, want);
    }
  }
}

TEST(HistogramKernel, LargeInputsSplitOverThreadsCountTheSame) {
  std::vector<float> x(3u << 18);
  std::mt19937 gen(3);
  std::normal_distribution<float> d(0.0f, 2.0f);
  for (float& v : x) v = d(gen);
  const std::vector<uint64_t> want = reference_histc(x, -6, 6, 2048);
  const int threads = get_num_threads();
  for (int t : {1, 2, 3}) {
    set_num_threads(t);
    std::vector<uint64_t> got(2048);
    detail::HistcScratch scratch;
    detail::histc_count(x.data(), x.size(), {-6, 6}, 2048, got.data(), scratch);
    EXPECT_EQ(got, want) << t << " threads";
  }
  set_num_threads(threads);
}

// _combine_histograms cell by cell, as the Python does it: the old histogram repeated upsample_rate times at
// start_idx of a zero grid, cumsum in double, sampled, differenced against the float32 previous sample.
std::vector<float> reference_combine(const std::vector<float>& counts, const std::vector<float>& old, int64_t up,
                                     int64_t ds, int64_t start) {
  const int64_t bins = static_cast<int64_t>(old.size());
  std::vector<float> grid(static_cast<size_t>(bins * ds), 0.0f);
  for (int64_t j = 0; j < bins * up; ++j)
    if (start + j < bins * ds) grid[static_cast<size_t>(start + j)] = old[static_cast<size_t>(j / up)];
  std::vector<float> out(static_cast<size_t>(bins));
  double acc = 0, prev = 0;
  int64_t cell = 0;
  for (int64_t k = 0; k < bins; ++k) {
    for (; cell < (k + 1) * ds; ++cell) acc += grid[static_cast<size_t>(cell)];
    out[static_cast<size_t>(k)] = counts[static_cast<size_t>(k)] + static_cast<float>((acc - prev) / up);
    prev = static_cast<float>(acc);
  }
  return out;
}

TEST(HistogramObserverCombine, RunByRunSumsEqualTheCellByCellCumsum) {
  // Fractional bin values (as after earlier combinations) over [-1.5, 2.5], then a batch that widens the range.
  const int64_t bins = 64, up = 16;
  std::vector<float> old(bins);
  std::mt19937 gen(11);
  std::uniform_real_distribution<float> u(0.0f, 50.0f);
  for (float& v : old) v = u(gen) / 3.0f;
  old[5] = 3e9f;  // huge next to fractional values: later runs overflow 53 bits and take the exact slow path
  for (float widen : {0.0f, 0.3f, 1.7f, 40.0f}) {
    SCOPED_TRACE("widen " + std::to_string(widen));
    HistogramObserver h({.bins = bins, .upsample_rate = up});
    h.set_state(-1.5f, 2.5f, old);
    const std::vector<float> batch = {-1.5f - widen, 0.25f, 2.0f + widen / 2, 1.0f};
    h.forward(from_vector(batch));
    // The expected state, from the Python formulas in float32.
    const float mn = -1.5f, mx = 2.5f;
    const float cmin = std::min(mn, batch[0]), cmax0 = std::max(mx, batch[2]);
    const float hbw = (mx - mn) / static_cast<float>(bins * up);
    const auto ds = static_cast<int64_t>(std::ceil((cmax0 - cmin) / (static_cast<float>(bins) * hbw)));
    const float e = static_cast<float>(ds) * (static_cast<float>(bins) * hbw) - (cmax0 - cmin);
    const float cmax = cmax0 + e;
    const auto start = static_cast<int64_t>(std::nearbyint((mn - cmin) / hbw));
    const std::vector<uint64_t> c = reference_histc(batch, std::trunc(cmin) + 0.0f, std::trunc(cmax), bins);
    const std::vector<float> counts(c.begin(), c.end());
    EXPECT_EQ(h.min_val(), cmin);
    EXPECT_EQ(h.max_val(), cmax);
    std::vector<float> want(counts.size());
    if (cmin == mn && cmax == mx) {  // unchanged range: the histograms add bin by bin
      for (size_t k = 0; k < want.size(); ++k) want[k] = counts[k] + old[k];
    } else {
      want = reference_combine(counts, old, up, ds, start);
    }
    ASSERT_EQ(h.histogram().size(), want.size());
    EXPECT_EQ(std::memcmp(h.histogram().data(), want.data(), want.size() * sizeof(float)), 0);
  }
}

TEST(HistogramObserverCombine, RangeGrowingByOrdersOfMagnitudeStaysCheap) {
  // PyTorch would allocate bins * downsample_rate floats (here about 10^13): the run-by-run walk needs O(bins).
  HistogramObserver h;
  h.forward(from_vector({0.0f, 1e-3f, 5e-4f}));
  h.forward(from_vector({-3e4f, 2e4f, 1.0f}));
  double total = 0;
  for (float v : h.histogram()) total += v;
  EXPECT_NEAR(total, 6.0, 1e-3);  // 3 old values carried over, 3 new ones counted
  EXPECT_LE(h.min_val(), -3e4f);
  EXPECT_GE(h.max_val(), 2e4f);
  const ObserverQParams q = h.calculate_qparams();
  EXPECT_GT(q.scale(), 0.0);
}

TEST(HistogramObserverState, ThreadCountDoesNotChangeTheResult) {
  std::vector<float> x(600000);
  std::mt19937 gen(5);
  std::normal_distribution<float> d(0.5f, 3.0f);
  for (float& v : x) v = d(gen);
  const int threads = get_num_threads();
  std::vector<std::vector<float>> hist;
  for (int t : {1, 2}) {
    set_num_threads(t);
    HistogramObserver h;
    for (int step = 0; step < 3; ++step) {
      std::vector<float> part(x.begin() + step * 200000, x.begin() + (step + 1) * 200000);
      for (float& v : part) v *= static_cast<float>(step + 1);
      h.forward(from_vector(part));
    }
    hist.push_back(h.histogram());
  }
  set_num_threads(threads);
  EXPECT_EQ(hist[0], hist[1]);
}

TEST(HistogramObserverState, ChecksAndAllEqualRestart) {
  HistogramObserver h({.bins = 16});
  expect_error([&] { h.non_linear_param_search(); }, {"non_linear_param_search", "not seen any data"});
  expect_error([&] { h.set_state(0, 1, std::vector<float>(15)); }, {"set_state", "histogram.size()", "16"});
  expect_error([&] { h.set_state(2, 1, std::vector<float>(16)); }, {"set_state", "min_val"});
  // All-equal data: min == max, so the next batch restarts the histogram from itself (1.13 behaviour).
  h.forward(from_vector({0.7f, 0.7f}));
  h.forward(from_vector({-1.0f, 2.0f, 0.5f}));
  EXPECT_EQ(h.min_val(), -1.0f);
  EXPECT_EQ(h.max_val(), 2.0f);
  float total = 0;
  for (float v : h.histogram()) total += v;
  EXPECT_EQ(total, 3.0f);
}

}  // namespace
}  // namespace qjit

namespace qjit {
namespace {

// The search's floor division without fmod must equal c10::div_floor_floating wherever the search uses it
// (b > 0, |a / b| < 2^22), in particular next to exact multiples where the float quotient rounds across an integer.
TEST(HistogramSearchMath, FastFloorDivisionEqualsATens) {
  std::mt19937 gen(9);
  std::uniform_real_distribution<float> mant(1.0f, 2.0f);
  std::uniform_int_distribution<int> expo(-30, 10), mult(-600000, 600000), ulps(-3, 3);
  size_t checked = 0;
  for (int i = 0; i < 200000; ++i) {
    const float b = std::ldexp(mant(gen), expo(gen));
    float a = static_cast<float>(mult(gen)) * b;  // near a multiple of b
    for (int u = ulps(gen); u != 0; u += u > 0 ? -1 : 1) a = std::nextafter(a, u > 0 ? kInf : -kInf);
    if (i % 4 == 0) a = std::ldexp(mant(gen), expo(gen)) * (i % 8 == 0 ? -1.0f : 1.0f);  // and anywhere
    if (!(std::fabs(a / b) < 0x1p22f)) continue;
    ASSERT_EQ(detail::floor_div(a, b), detail::aten_div_floor(a, b)) << a << " / " << b;
    ++checked;
  }
  EXPECT_GT(checked, 150000u);
}

}  // namespace
}  // namespace qjit
