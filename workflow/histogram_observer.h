// HistogramObserver (torch.ao.quantization.observer, PyTorch 1.13.1): a running histogram of the observed values
// and an L2-error search (caffe2's NormMinimization) for the range to quantize. Bit-exact port of
// ../shared/golden/NUMERICS.md section 2, quirks included:
//  - the histogram is filled with torch.histc(x, bins, min=int(min_val), max=int(max_val)): the range is truncated
//    toward zero, values outside it are dropped, while the observer still takes the bins to span [min_val, max_val];
//  - when the range grows, the old histogram is upsampled by upsample_rate, shifted, summed in double and resampled
//    (_combine_histograms); only the max is relaxed so the grids align;
//  - a stored min == max (all-equal data) restarts the histogram on the next batch;
//  - the search always targets 256 destination bins, whatever the quantized range;
//  - unlike MinMaxObserver, symmetric + quint8 + reduce_range is accepted (zero point 128 outside [0, 127]).
//
// Speed: a forward reads its input once in the common case (the new batch stays within the integer-truncated range
// of the running one): min/max and the bin counts come from one pass, split over the default thread pool. The
// combination is O(bins) whatever the range growth (PyTorch allocates bins * downsample_rate floats).
// Differences from PyTorch: NaNs are skipped (see observer.h); a bin counts exactly past 2^24 values; when rounding
// would make the upsampled old histogram overrun the new grid (PyTorch raises a shape error) the overrun is dropped;
// bins is at most 2^20 and upsample_rate at most 2^20.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "kernels/histogram.h"
#include "workflow/observer.h"

namespace qjit {

struct HistogramObserverOptions {
  int64_t bins = 2048;
  int64_t upsample_rate = 128;
  DType dtype = DType::quint8;
  QScheme qscheme = QScheme::per_tensor_affine;
  bool reduce_range = false;
  std::optional<int64_t> quant_min{};
  std::optional<int64_t> quant_max{};
  float eps = std::numeric_limits<float>::epsilon();
};

class HistogramObserver : public UniformQuantizationObserverBase {
 public:
  using Options = HistogramObserverOptions;
  HistogramObserver() : HistogramObserver(Options{}) {}
  explicit HistogramObserver(const Options& o);
  static ObserverFactory with_args(const Options& o = {});

  const char* name() const override { return "HistogramObserver"; }
  Tensor forward(const Tensor& x) override;
  // _calculate_qparams over the range _non_linear_param_search picks.
  ObserverQParams calculate_qparams() const override;
  void reset() override;
  std::unique_ptr<ObserverBase> clone() const override { return std::make_unique<HistogramObserver>(*this); }

  int64_t bins() const { return bins_; }
  int64_t upsample_rate() const { return upsample_rate_; }
  // The state (PyTorch's buffers): the range the bins are taken to span (+inf / -inf before any data) and the
  // float32 bin values.
  float min_val() const { return min_val_; }
  float max_val() const { return max_val_; }
  const std::vector<float>& histogram() const { return histogram_; }
  // Overwrites the state, as load_state_dict does (histogram.size() == bins, min <= max or the initial +inf / -inf).
  void set_state(float min_val, float max_val, std::vector<float> histogram);

  // _non_linear_param_search: the (min, max) whose 256-bin quantization of the histogram has the least L2 error,
  // walking the quantiles in steps of 1e-5 and stopping at the first increase. Needs an initialised observer.
  std::pair<float, float> non_linear_param_search() const;

 private:
  // _adjust_min_max for the combined range [cmin, cmax]: the relaxed max, the downsample rate and where the old
  // histogram starts on the fine grid.
  struct Adjusted {
    float cmin, cmax;
    int64_t downsample_rate, start_idx;
  };
  Adjusted adjust_min_max(float combined_min, float combined_max) const;
  // _compute_quantization_error for destination range [start_bin, end_bin].
  double quantization_error(int64_t start_bin, int64_t end_bin, std::vector<float>& norm) const;
  // new_hist[k] = f32(f32(counts[k]) + f32(interpolated old histogram)) (_combine_histograms).
  void combine_into(const uint64_t* counts, const Adjusted& a);

  int64_t bins_, upsample_rate_;
  float min_val_ = std::numeric_limits<float>::infinity();
  float max_val_ = -std::numeric_limits<float>::infinity();
  std::vector<float> histogram_;
  // Reused by forward (a copy of the observer shares nothing with the original: plain values).
  std::vector<uint64_t> counts_;
  std::vector<float> combined_;
  detail::HistcScratch scratch_;
};

}  // namespace qjit
