#include "workflow/histogram_observer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "base/error.h"
#include "kernels/minmax.h"
#include "workflow/aten_math.h"
#include "workflow/minmax_observer.h"

namespace qjit {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr int64_t kDstBins = 256;  // _non_linear_param_search's dst_nbins: 2^8 always, even for 7-bit ranges

// Python's int(min_val) as histc receives it: truncated toward zero, and an integer (so never -0.0, which would
// change the sign of x - lo for x = -0.0).
double int_bound(float v) { return std::trunc(static_cast<double>(v)) + 0.0; }

// torch.histc's range (histc_select_outer_bin_edges), given the requested bounds int(min) / int(max) as doubles:
// equal bounds take the data's min and max, still equal ones widen by 1 each way; the bin edges are float32.
detail::HistcRange histc_range(std::string_view fn, double lo, double hi, float data_min, float data_max) {
  if (lo == hi) {
    lo = data_min;
    hi = data_max;
  }
  if (lo == hi) {
    lo -= 1;
    hi += 1;
  }
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi)) {
    std::string range = "[";  // appended: GCC 12 warns (falsely, -Wrestrict) on "literal" + std::string
    range.append(detail::format_value(lo)).append(", ").append(detail::format_value(hi)).append("]");
    throw_bad_arg(fn, "histogram range", range, "must be finite and non-empty");
  }
  return {static_cast<float>(lo), static_cast<float>(hi)};
}

// Exponent of the lowest set bit of a finite, non-zero double: every multiple of 2^e with magnitude below 2^(53+e)
// is a double.
int lowest_bit_exponent(double z) {
  const uint64_t b = std::bit_cast<uint64_t>(z);
  const int e = static_cast<int>((b >> 52) & 0x7ff);
  uint64_t mant = b & ((uint64_t{1} << 52) - 1);
  if (e == 0) return -1074 + std::countr_zero(mant);
  mant |= uint64_t{1} << 52;
  return e - 1075 + std::countr_zero(mant);
}

// acc after adding v to it m times in a row, in double, as torch.cumsum does over a run of the upsampled histogram.
// When every partial sum is exactly representable (all are multiples of the lowest bit of acc and v, and bounded by
// the end points since v keeps one sign) the sequence is exact and equals acc + m * v (m * v is exact: v has 24
// significant bits); otherwise the additions are replayed one by one.
double add_run(double acc, double v, int64_t m) {
  if (v == 0 || m == 0) return acc;
  if (m < (int64_t{1} << 29)) {
    const int g = acc == 0 ? lowest_bit_exponent(v) : std::min(lowest_bit_exponent(acc), lowest_bit_exponent(v));
    const double end = acc + static_cast<double>(m) * v;
    const double limit = std::ldexp(1.0, std::min(53 + g, 1023));
    if (std::fabs(acc) < limit && std::fabs(end) < limit) return end;
  }
  for (int64_t i = 0; i < m; ++i) acc += v;
  return acc;
}

}  // namespace

HistogramObserver::HistogramObserver(const Options& o)
    : UniformQuantizationObserverBase(
          "HistogramObserver",
          UniformQuantizationArgs{o.dtype, o.qscheme, o.reduce_range, o.quant_min, o.quant_max, o.eps},
          /*per_channel=*/false),
      bins_(o.bins),
      upsample_rate_(o.upsample_rate) {
  constexpr std::string_view fn = "HistogramObserver";
  // bins: the counting kernel's bound (PyTorch's default is 2048; the search costs O(bins) per step); upsample_rate:
  // the fine grid bins * upsample_rate * downsample_rate must stay far inside int64.
  check_arg(o.bins >= 1 && o.bins <= (int64_t{1} << 20), fn, "bins", o.bins, "must be in [1, 2^20]");
  check_arg(o.upsample_rate >= 1 && o.upsample_rate <= (int64_t{1} << 20), fn, "upsample_rate", o.upsample_rate,
            "must be in [1, 2^20]");
  histogram_.assign(static_cast<size_t>(bins_), 0.0f);
}

ObserverFactory HistogramObserver::with_args(const Options& o) {
  return [o] { return std::make_unique<HistogramObserver>(o); };
}

void HistogramObserver::reset() {
  min_val_ = kInf;
  max_val_ = -kInf;
  std::fill(histogram_.begin(), histogram_.end(), 0.0f);
}

void HistogramObserver::set_state(float min_val, float max_val, std::vector<float> histogram) {
  constexpr std::string_view fn = "HistogramObserver::set_state";
  check_arg(histogram.size() == static_cast<size_t>(bins_), fn, "histogram.size()", histogram.size(),
            "must equal bins = " + std::to_string(bins_));
  const bool initial = min_val == kInf && max_val == -kInf;
  check_arg(initial || (std::isfinite(min_val) && std::isfinite(max_val) && min_val <= max_val), fn, "min_val",
            min_val, "must be finite and <= max_val = " + detail::format_value(max_val) + " (or +inf / -inf)");
  min_val_ = min_val;
  max_val_ = max_val;
  histogram_ = std::move(histogram);
}

HistogramObserver::Adjusted HistogramObserver::adjust_min_max(float combined_min, float combined_max) const {
  // Float32 tensor arithmetic with Python ints rounded to float32 (NUMERICS.md section 2, _adjust_min_max): the
  // fine grid has bins * upsample_rate bins over the old range; downsample_rate of them make one new bin.
  const float hist_bin_width = (max_val_ - min_val_) / static_cast<float>(bins_ * upsample_rate_);
  const float new_width = static_cast<float>(bins_) * hist_bin_width;
  const float rate = std::ceil((combined_max - combined_min) / new_width);
  // PyTorch's int() raises on inf (a range too small to split into bins * upsample_rate float32 steps) and runs
  // out of memory long before this bound.
  if (!(std::isfinite(rate) && rate >= 1 && rate <= 0x1p40f)) {  // (the message is built only on failure)
    std::string why = "the new range [";
    why.append(detail::format_value(combined_min)).append(", ").append(detail::format_value(combined_max));
    why.append("] cannot be combined with the histogram over [").append(detail::format_value(min_val_));
    why.append(", ").append(detail::format_value(max_val_)).append("]");
    throw_bad_arg("HistogramObserver::forward", "downsample_rate", rate, why);
  }
  Adjusted a;
  a.downsample_rate = static_cast<int64_t>(rate);
  // Relax only the max, so that one-sided distributions keep their min (at 0, say).
  const float e = static_cast<float>(a.downsample_rate) * new_width - (combined_max - combined_min);
  a.cmin = combined_min;
  a.cmax = combined_max + e;
  a.start_idx = static_cast<int64_t>(std::nearbyint((min_val_ - combined_min) / hist_bin_width));
  return a;
}

void HistogramObserver::combine_into(const uint64_t* counts, const Adjusted& a) {
  // The old histogram upsampled (each bin repeated upsample_rate times) at start_idx of a zero grid of
  // bins * downsample_rate cells, cumulated in double, sampled at every downsample_rate-th cell and differenced
  // against the float32-rounded previous sample, then divided by upsample_rate. The grid is walked run by run
  // instead of cell by cell: the same sums (see add_run), O(bins) work for any downsample_rate.
  // The result goes to a separate buffer: later bins still read earlier old bins when the histogram moved right.
  const int64_t up = upsample_rate_, ds = a.downsample_rate, start = a.start_idx;
  combined_.resize(histogram_.size());
  double acc = 0.0, prev_sample = 0.0;  // prev_sample: the float32 "shifted integral" entry
  int64_t pos = 0;                       // cells [0, pos) are in acc
  for (int64_t k = 0; k < bins_; ++k) {
    const int64_t target = (k + 1) * ds;
    while (pos < target) {
      if (pos < start) {  // zeros before the old histogram
        pos = std::min(start, target);
        continue;
      }
      const int64_t run = (pos - start) / up;
      if (run >= bins_) {  // zeros after it
        pos = target;
        continue;
      }
      const int64_t run_end = std::min(start + (run + 1) * up, target);
      acc = add_run(acc, static_cast<double>(histogram_[static_cast<size_t>(run)]), run_end - pos);
      pos = run_end;
    }
    const double interpolated = (acc - prev_sample) / static_cast<double>(up);
    prev_sample = static_cast<float>(acc);
    combined_[static_cast<size_t>(k)] = static_cast<float>(counts[k]) + static_cast<float>(interpolated);
  }
  histogram_.swap(combined_);
}

Tensor HistogramObserver::forward(const Tensor& x) {
  constexpr std::string_view fn = "HistogramObserver::forward";
  const Tensor f = detail::observed_floats(fn, x);
  const size_t n = static_cast<size_t>(f.numel());
  if (n == 0) return x;
  const float* data = f.data_ptr<float>();
  counts_.resize(static_cast<size_t>(bins_));

  // First batch, or all values seen so far equal: restart from this batch alone.
  if ((min_val_ == kInf && max_val_ == -kInf) || min_val_ == max_val_) {
    float mn, mx;
    if (!detail::finite_batch_range(data, n, &mn, &mx)) return x;
    // histc(x, bins, min=int(min), max=int(max)): the 1.13 truncation of the range (NUMERICS.md section 2).
    const detail::HistcRange r = histc_range(fn, int_bound(mn), int_bound(mx), mn, mx);
    detail::histc_count(data, n, r, bins_, counts_.data(), scratch_);
    min_val_ = mn;
    max_val_ = mx;
    for (int64_t k = 0; k < bins_; ++k) histogram_[static_cast<size_t>(k)] = static_cast<float>(counts_[k]);
    return x;
  }

  // Later batches. If the batch stays within [min_val, max_val] the combined range, hence histc's integer bounds,
  // are known before reading it: count and take min/max in one pass, and only if the batch widens the integer
  // bounds count again.
  const Adjusted predicted = adjust_min_max(min_val_, max_val_);
  const double lo = int_bound(predicted.cmin), hi = int_bound(predicted.cmax);
  float mn, mx;
  bool counted = false;
  if (lo != hi) {  // equal bounds would fall back to the batch's own min/max: unknown yet
    detail::histc_count(data, n, histc_range(fn, lo, hi, 0, 0), bins_, counts_.data(), scratch_, &mn, &mx);
    counted = true;
    if (!(mn <= mx)) return x;  // NaNs only: nothing observed (the counts are all zero)
  } else if (!detail::finite_batch_range(data, n, &mn, &mx)) {
    return x;
  }
  const Adjusted a = adjust_min_max(std::min(mn, min_val_), std::max(mx, max_val_));
  const double alo = int_bound(a.cmin), ahi = int_bound(a.cmax);
  if (!counted || alo != lo || ahi != hi)
    detail::histc_count(data, n, histc_range(fn, alo, ahi, mn, mx), bins_, counts_.data(), scratch_);

  if (a.cmin == min_val_ && a.cmax == max_val_) {  // same range: add the histograms bin by bin
    for (int64_t k = 0; k < bins_; ++k)
      histogram_[static_cast<size_t>(k)] = static_cast<float>(counts_[k]) + histogram_[static_cast<size_t>(k)];
  } else {
    combine_into(counts_.data(), a);
  }
  min_val_ = a.cmin;
  max_val_ = a.cmax;
  return x;
}

// ---------------------------------------------------------------------------------------------------- the search

double HistogramObserver::quantization_error(int64_t start_bin, int64_t end_bin, std::vector<float>& norm) const {
  // Python floats (double) where the Python code has them, float32 tensor ops elsewhere, in the Python's order
  // (NUMERICS.md section 2, _compute_quantization_error and _get_norm: density * (end^3 - begin^3) / 3).
  const double bin_width = (static_cast<double>(max_val_) - static_cast<double>(min_val_)) / static_cast<double>(bins_);
  const double dst_bin_width = bin_width * static_cast<double>(end_bin - start_bin + 1) / kDstBins;
  if (dst_bin_width == 0.0) return 0.0;
  const float bw = static_cast<float>(bin_width), dbw = static_cast<float>(dst_bin_width);
  const float half = static_cast<float>(dst_bin_width / 2), neg_half = static_cast<float>(-dst_bin_width / 2);
  const float dst_max = static_cast<float>(kDstBins - 1);
  // The whole-destination-bin term, on 0-dim float32 tensors.
  const float full_bin_norm = (half * half * half - neg_half * neg_half * neg_half) / 3.0f;
  for (int64_t i = 0; i < bins_; ++i) {
    const float src_begin = static_cast<float>(i - start_bin) * bw;
    const float src_end = src_begin + bw;
    const float dst_of_begin = std::clamp(detail::floor_div(src_begin, dbw), 0.0f, dst_max);
    const float dst_of_begin_center = (dst_of_begin + 0.5f) * dbw;
    const float dst_of_end = std::clamp(detail::floor_div(src_end, dbw), 0.0f, dst_max);
    const float density = histogram_[static_cast<size_t>(i)] / bw;

    const float db1 = src_begin - dst_of_begin_center;
    float v = density * ((half * half * half - db1 * db1 * db1) / 3.0f);
    v += (dst_of_end - dst_of_begin - 1.0f) * (density * full_bin_norm);
    const float dst_of_end_center = dst_of_end * dbw + half;
    const float de3 = src_end - dst_of_end_center;
    v += density * ((de3 * de3 * de3 - neg_half * neg_half * neg_half) / 3.0f);
    norm[static_cast<size_t>(i)] = v;
  }
  return detail::aten_float_sum(norm.data(), norm.size());  // norm.sum().item()
}

std::pair<float, float> HistogramObserver::non_linear_param_search() const {
  check_arg(!(min_val_ == kInf && max_val_ == -kInf), "HistogramObserver::non_linear_param_search", "min_val", min_val_,
            "the observer has not seen any data");
  const float bin_width = (max_val_ - min_val_) / static_cast<float>(bins_);
  const size_t nb = static_cast<size_t>(bins_);
  const double total = detail::aten_float_sum(histogram_.data(), nb);  // torch.sum(histogram).item()
  // torch.cumsum on float32 accumulates in double on the CPU (acc_type) and stores float32 partial sums.
  std::vector<float> csum(nb);
  double run = 0.0;
  for (size_t i = 0; i < nb; ++i) csum[i] = static_cast<float>(run += histogram_[i]);

  std::vector<float> norm(nb);
  constexpr double kStep = 1e-5;
  double alpha = 0.0, beta = 1.0, norm_min = std::numeric_limits<double>::infinity();
  int64_t start_bin = 0, end_bin = bins_ - 1;
  while (alpha < beta) {
    const double next_alpha = alpha + kStep, next_beta = beta - kStep;
    // cSum[l] < next_alpha * total compares a float32 tensor with a Python float: the product rounds to float32.
    const float lo_mass = static_cast<float>(next_alpha * total), hi_mass = static_cast<float>(next_beta * total);
    int64_t l = start_bin, r = end_bin;
    while (l < end_bin && csum[static_cast<size_t>(l)] < lo_mass) ++l;
    while (r > start_bin && csum[static_cast<size_t>(r)] > hi_mass) --r;
    // Move whichever side advanced more bins.
    int64_t next_start = start_bin, next_end = end_bin;
    if (l - start_bin > end_bin - r) {
      next_start = l;
      alpha = next_alpha;
    } else {
      next_end = r;
      beta = next_beta;
    }
    if (next_start == start_bin && next_end == end_bin) continue;
    const double err = quantization_error(next_start, next_end, norm);
    if (err > norm_min) break;
    norm_min = err;
    start_bin = next_start;
    end_bin = next_end;
  }
  const float new_min = min_val_ + bin_width * static_cast<float>(start_bin);
  const float new_max = min_val_ + bin_width * static_cast<float>(end_bin + 1);
  return {new_min, new_max};
}

ObserverQParams HistogramObserver::calculate_qparams() const {
  if (min_val_ == kInf && max_val_ == -kInf) return calculate_qparams_from(&min_val_, &max_val_, 1);  // defaults
  const auto [mn, mx] = non_linear_param_search();
  return calculate_qparams_from(&mn, &mx, 1);
}

}  // namespace qjit
