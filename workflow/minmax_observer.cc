#include "workflow/minmax_observer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "base/error.h"
#include "kernels/minmax.h"

namespace qjit {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

bool is_symmetric(QScheme s) { return s == QScheme::per_tensor_symmetric || s == QScheme::per_channel_symmetric; }

// MinMaxObserver.__init__ / PerChannelMinMaxObserver.__init__ raise NotImplementedError for this combination: the
// symmetric quint8 zero point 128 would lie outside [0, 127]. (HistogramObserver does not check, see its header.)
void check_symmetric_reduce_range(std::string_view fn, const UniformQuantizationArgs& a) {
  check_arg(!(is_symmetric(a.qscheme) && a.dtype == DType::quint8 && a.reduce_range), fn, "reduce_range", "true",
            "cannot reduce range for symmetric quantization for quint8");
}

template <class O>
UniformQuantizationArgs uniform_args(const O& o) {
  return UniformQuantizationArgs{o.dtype, o.qscheme, o.reduce_range, o.quant_min, o.quant_max, o.eps};
}

// Python's permute list indexing accepts ch_axis in [-dim, dim).
int64_t normalized_axis(std::string_view fn, int64_t ch_axis, const Tensor& x) {
  const int64_t dim = x.dim();
  if (!(ch_axis >= -dim && ch_axis < dim))  // messages are built only on failure: forward allocates no strings
    throw_bad_arg(fn, "ch_axis", ch_axis,
                  "must be in [-" + std::to_string(dim) + ", " + std::to_string(dim) + ") for input of shape " +
                      shape_str(x.sizes()));
  return ch_axis < 0 ? ch_axis + dim : ch_axis;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------- helpers

bool detail::finite_batch_range(const float* x, size_t n, float* mn, float* mx) {
  min_max(x, n, mn, mx);
  return *mn <= *mx;  // false only when every value was NaN (the kernel skips NaNs)
}

void detail::channel_min_max(const Tensor& x, int64_t axis, std::vector<float>& mn, std::vector<float>& mx) {
  // Dense [outer][channels][inner] view: row-major, or channels-last data with the channel axis 1 as [NHW][C][1].
  Tensor src = x;
  const auto& s = x.sizes();
  size_t outer = 1, channels = static_cast<size_t>(s[axis]), inner = 1;
  if (x.is_contiguous(MemoryFormat::channels_last) && !x.is_contiguous() && axis == 1) {
    outer = static_cast<size_t>(x.numel()) / std::max<size_t>(channels, 1);
  } else {
    src = x.contiguous();
    for (int64_t d = 0; d < x.dim(); ++d) {
      if (d < axis) outer *= static_cast<size_t>(s[d]);
      else if (d > axis) inner *= static_cast<size_t>(s[d]);
    }
  }
  mn.assign(channels, kInf);
  mx.assign(channels, -kInf);
  const float* data = src.data_ptr<float>();
  // Long rows go to the vectorised kernel; short ones are cheaper in a plain loop (a NaN fails both comparisons and
  // is skipped, like the kernel does).
  constexpr size_t kKernelRow = 2048;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t c = 0; c < channels; ++c) {
      const float* row = data + (o * channels + c) * inner;
      float a = kInf, b = -kInf;
      if (inner >= kKernelRow) {
        min_max(row, inner, &a, &b);
      } else {
        for (size_t i = 0; i < inner; ++i) {
          a = row[i] < a ? row[i] : a;
          b = row[i] > b ? row[i] : b;
        }
      }
      mn[c] = a < mn[c] ? a : mn[c];
      mx[c] = b > mx[c] ? b : mx[c];
    }
  }
}

float detail::checked_averaging_constant(std::string_view fn, double c) {
  check_arg(c >= 0 && c <= 1, fn, "averaging_constant", c, "must be in [0, 1]");
  return static_cast<float>(c);
}

// ---------------------------------------------------------------------------------------------------- MinMax

MinMaxObserver::MinMaxObserver(std::string_view fn, const UniformQuantizationArgs& a)
    : UniformQuantizationObserverBase(fn, a, /*per_channel=*/false) {
  check_symmetric_reduce_range(fn, a);
}

MinMaxObserver::MinMaxObserver(const Options& o) : MinMaxObserver("MinMaxObserver", uniform_args(o)) {}

ObserverFactory MinMaxObserver::with_args(const Options& o) {
  return [o] { return std::make_unique<MinMaxObserver>(o); };
}

Tensor MinMaxObserver::forward(const Tensor& x) {
  const Tensor f = detail::observed_floats("MinMaxObserver::forward", x);
  float mn, mx;
  if (f.numel() == 0 || !detail::finite_batch_range(f.data_ptr<float>(), static_cast<size_t>(f.numel()), &mn, &mx))
    return x;
  // torch.min / torch.max with the running values (which start at +inf / -inf).
  min_val_ = std::min(min_val_, mn);
  max_val_ = std::max(max_val_, mx);
  return x;
}

ObserverQParams MinMaxObserver::calculate_qparams() const { return calculate_qparams_from(&min_val_, &max_val_, 1); }

void MinMaxObserver::reset() {
  min_val_ = kInf;
  max_val_ = -kInf;
}

void MinMaxObserver::set_min_max(float min_val, float max_val) {
  if (std::isnan(min_val) || std::isnan(max_val))
    throw_bad_arg("MinMaxObserver::set_min_max", "min_val", min_val,
                  "min_val and max_val must not be NaN (max_val = " + detail::format_value(max_val) + ")");
  min_val_ = min_val;
  max_val_ = max_val;
}

// ---------------------------------------------------------------------------------------------------- moving average

MovingAverageMinMaxObserver::MovingAverageMinMaxObserver(const Options& o)
    : MinMaxObserver("MovingAverageMinMaxObserver", uniform_args(o)),
      averaging_constant_(detail::checked_averaging_constant("MovingAverageMinMaxObserver", o.averaging_constant)) {}

ObserverFactory MovingAverageMinMaxObserver::with_args(const Options& o) {
  return [o] { return std::make_unique<MovingAverageMinMaxObserver>(o); };
}

Tensor MovingAverageMinMaxObserver::forward(const Tensor& x) {
  const Tensor f = detail::observed_floats("MovingAverageMinMaxObserver::forward", x);
  float mn, mx;
  if (f.numel() == 0 || !detail::finite_batch_range(f.data_ptr<float>(), static_cast<size_t>(f.numel()), &mn, &mx))
    return x;
  if (min_val_ == kInf && max_val_ == -kInf) {  // not initialised: take the batch range as it is
    min_val_ = mn;
    max_val_ = mx;
  } else {
    // min + c * (cur - min), each operation rounded to float32 (NUMERICS.md section 2).
    min_val_ = min_val_ + averaging_constant_ * (mn - min_val_);
    max_val_ = max_val_ + averaging_constant_ * (mx - max_val_);
  }
  return x;
}

// ---------------------------------------------------------------------------------------------------- per channel

PerChannelMinMaxObserver::PerChannelMinMaxObserver(std::string_view fn, const UniformQuantizationArgs& a,
                                                   int64_t ch_axis)
    : UniformQuantizationObserverBase(fn, a, /*per_channel=*/true), ch_axis_(ch_axis) {
  check_symmetric_reduce_range(fn, a);
}

PerChannelMinMaxObserver::PerChannelMinMaxObserver(const Options& o)
    : PerChannelMinMaxObserver("PerChannelMinMaxObserver", uniform_args(o), o.ch_axis) {}

ObserverFactory PerChannelMinMaxObserver::with_args(const Options& o) {
  return [o] { return std::make_unique<PerChannelMinMaxObserver>(o); };
}

void PerChannelMinMaxObserver::batch_min_max(std::string_view fn, const Tensor& x, std::vector<float>& mn,
                                             std::vector<float>& mx) const {
  const int64_t axis = normalized_axis(fn, ch_axis_, x);
  detail::channel_min_max(x, axis, mn, mx);
  // The running buffers broadcast against the batch in PyTorch: a different channel count is an error there too.
  if (!min_val_.empty() && min_val_.size() != mn.size())
    throw_bad_arg(fn, "x.size(ch_axis)", mn.size(),
                  "must match the " + std::to_string(min_val_.size()) + " channels observed before");
}

Tensor PerChannelMinMaxObserver::forward(const Tensor& x) {
  constexpr std::string_view fn = "PerChannelMinMaxObserver::forward";
  const Tensor f = detail::observed_floats(fn, x);
  if (f.numel() == 0) return x;
  std::vector<float> mn, mx;
  batch_min_max(fn, f, mn, mx);
  if (min_val_.empty()) {
    min_val_ = std::move(mn);
    max_val_ = std::move(mx);
  } else {
    for (size_t c = 0; c < mn.size(); ++c) {  // a channel of NaNs only (+inf / -inf) leaves its values unchanged
      min_val_[c] = std::min(min_val_[c], mn[c]);
      max_val_[c] = std::max(max_val_[c], mx[c]);
    }
  }
  return x;
}

ObserverQParams PerChannelMinMaxObserver::calculate_qparams() const {
  return calculate_qparams_from(min_val_.data(), max_val_.data(), min_val_.size());
}

void PerChannelMinMaxObserver::reset() {
  min_val_.clear();
  max_val_.clear();
}

void PerChannelMinMaxObserver::set_min_max(std::vector<float> min_val, std::vector<float> max_val) {
  constexpr std::string_view fn = "PerChannelMinMaxObserver::set_min_max";
  if (min_val.size() != max_val.size())
    throw_bad_arg(fn, "min_val.size()", min_val.size(), "must equal max_val.size() = " + std::to_string(max_val.size()));
  for (size_t c = 0; c < min_val.size(); ++c)
    check_arg(!std::isnan(min_val[c]) && !std::isnan(max_val[c]), fn, ArgAt{"min_val", c}, min_val[c],
              "min_val and max_val must not be NaN");
  min_val_ = std::move(min_val);
  max_val_ = std::move(max_val);
}

// ---------------------------------------------------------------------------------------------------- per channel MA

MovingAveragePerChannelMinMaxObserver::MovingAveragePerChannelMinMaxObserver(const Options& o)
    : PerChannelMinMaxObserver("MovingAveragePerChannelMinMaxObserver", uniform_args(o), o.ch_axis),
      averaging_constant_(
          detail::checked_averaging_constant("MovingAveragePerChannelMinMaxObserver", o.averaging_constant)) {}

ObserverFactory MovingAveragePerChannelMinMaxObserver::with_args(const Options& o) {
  return [o] { return std::make_unique<MovingAveragePerChannelMinMaxObserver>(o); };
}

Tensor MovingAveragePerChannelMinMaxObserver::forward(const Tensor& x) {
  constexpr std::string_view fn = "MovingAveragePerChannelMinMaxObserver::forward";
  const Tensor f = detail::observed_floats(fn, x);
  if (f.numel() == 0) return x;
  std::vector<float> mn, mx;
  batch_min_max(fn, f, mn, mx);
  if (min_val_.empty()) {
    min_val_ = std::move(mn);
    max_val_ = std::move(mx);
  } else {
    for (size_t c = 0; c < mn.size(); ++c) {
      if (!(mn[c] <= mx[c])) continue;  // a channel of NaNs only: nothing to average in
      min_val_[c] = min_val_[c] + averaging_constant_ * (mn[c] - min_val_[c]);
      max_val_[c] = max_val_[c] + averaging_constant_ * (mx[c] - max_val_[c]);
    }
  }
  return x;
}

}  // namespace qjit
