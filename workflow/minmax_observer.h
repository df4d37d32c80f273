// The min/max observers of torch.ao.quantization (PyTorch 1.13.1): MinMaxObserver, MovingAverageMinMaxObserver,
// PerChannelMinMaxObserver, MovingAveragePerChannelMinMaxObserver. Update rules and the qparams formula are those
// of ../shared/golden/NUMERICS.md section 2, bit-exact (float32 arithmetic on the running statistics).
//
// Options carry PyTorch's constructor arguments by name and in PyTorch's order, with its defaults, e.g.
//   auto obs = MinMaxObserver::with_args({.dtype = DType::qint8, .qscheme = QScheme::per_tensor_symmetric});
// (Each options struct is declared before its class, which aliases it as Options: a nested struct with default
// member initializers could not be a default argument inside its own class.)
// Per-tensor observers accept per_tensor_* qschemes, per-channel ones per_channel_*. Symmetric + quint8 +
// reduce_range throws qjit::Error in the constructor (PyTorch raises NotImplementedError).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "workflow/observer.h"

namespace qjit {

// Running min and max over every batch seen; scale and zero point from them (observer.py MinMaxObserver).
struct MinMaxObserverOptions {
  DType dtype = DType::quint8;
  QScheme qscheme = QScheme::per_tensor_affine;
  bool reduce_range = false;
  std::optional<int64_t> quant_min{};
  std::optional<int64_t> quant_max{};
  float eps = std::numeric_limits<float>::epsilon();
};

class MinMaxObserver : public UniformQuantizationObserverBase {
 public:
  using Options = MinMaxObserverOptions;
  MinMaxObserver() : MinMaxObserver(Options{}) {}
  explicit MinMaxObserver(const Options& o);
  static ObserverFactory with_args(const Options& o = {});

  const char* name() const override { return "MinMaxObserver"; }
  Tensor forward(const Tensor& x) override;
  ObserverQParams calculate_qparams() const override;
  void reset() override;
  std::unique_ptr<ObserverBase> clone() const override { return std::make_unique<MinMaxObserver>(*this); }

  // The running statistics (PyTorch's min_val / max_val buffers): +inf / -inf until something is observed.
  float min_val() const { return min_val_; }
  float max_val() const { return max_val_; }
  // Overwrites them, as load_state_dict or the fused fake-quantize op write the buffers.
  void set_min_max(float min_val, float max_val);

 protected:
  MinMaxObserver(std::string_view fn, const UniformQuantizationArgs& a);

  float min_val_ = std::numeric_limits<float>::infinity();
  float max_val_ = -std::numeric_limits<float>::infinity();
};

// First batch: its min and max; then min += c * (batch_min - min) (float32), same for max (observer.py
// MovingAverageMinMaxObserver). The running range is not widened to include 0; only the qparams formula does that.
struct MovingAverageMinMaxObserverOptions {
  double averaging_constant = 0.01;
  DType dtype = DType::quint8;
  QScheme qscheme = QScheme::per_tensor_affine;
  bool reduce_range = false;
  std::optional<int64_t> quant_min{};
  std::optional<int64_t> quant_max{};
  float eps = std::numeric_limits<float>::epsilon();
};

class MovingAverageMinMaxObserver : public MinMaxObserver {
 public:
  using Options = MovingAverageMinMaxObserverOptions;
  MovingAverageMinMaxObserver() : MovingAverageMinMaxObserver(Options{}) {}
  explicit MovingAverageMinMaxObserver(const Options& o);
  static ObserverFactory with_args(const Options& o = {});

  const char* name() const override { return "MovingAverageMinMaxObserver"; }
  Tensor forward(const Tensor& x) override;
  std::unique_ptr<ObserverBase> clone() const override {
    return std::make_unique<MovingAverageMinMaxObserver>(*this);
  }
  // As the update uses it: the Python float rounded to float32 by the tensor multiply.
  float averaging_constant() const { return averaging_constant_; }

 private:
  float averaging_constant_;
};

// Running min and max per index along ch_axis (negative counts from the end, as PyTorch's permute list allows).
struct PerChannelMinMaxObserverOptions {
  int64_t ch_axis = 0;
  DType dtype = DType::quint8;
  QScheme qscheme = QScheme::per_channel_affine;
  bool reduce_range = false;
  std::optional<int64_t> quant_min{};
  std::optional<int64_t> quant_max{};
  float eps = std::numeric_limits<float>::epsilon();
};

class PerChannelMinMaxObserver : public UniformQuantizationObserverBase {
 public:
  using Options = PerChannelMinMaxObserverOptions;
  PerChannelMinMaxObserver() : PerChannelMinMaxObserver(Options{}) {}
  explicit PerChannelMinMaxObserver(const Options& o);
  static ObserverFactory with_args(const Options& o = {});

  const char* name() const override { return "PerChannelMinMaxObserver"; }
  Tensor forward(const Tensor& x) override;
  ObserverQParams calculate_qparams() const override;
  void reset() override;
  std::unique_ptr<ObserverBase> clone() const override { return std::make_unique<PerChannelMinMaxObserver>(*this); }
  int64_t ch_axis() const override { return ch_axis_; }

  // Empty until something is observed (PyTorch's empty buffers), then one value per channel.
  const std::vector<float>& min_val() const { return min_val_; }
  const std::vector<float>& max_val() const { return max_val_; }
  // Overwrites them (equal sizes), as load_state_dict or the fused fake-quantize op write the buffers.
  void set_min_max(std::vector<float> min_val, std::vector<float> max_val);

 protected:
  PerChannelMinMaxObserver(std::string_view fn, const UniformQuantizationArgs& a, int64_t ch_axis);
  // Per-channel min / max of x's non-NaN values (+inf / -inf for a channel with none). x must be non-empty.
  void batch_min_max(std::string_view fn, const Tensor& x, std::vector<float>& mn, std::vector<float>& mx) const;

  int64_t ch_axis_;
  std::vector<float> min_val_, max_val_;
};

// Per-channel moving average: first batch sets the values, then min += c * (batch_min - min) per channel.
struct MovingAveragePerChannelMinMaxObserverOptions {
  double averaging_constant = 0.01;
  int64_t ch_axis = 0;
  DType dtype = DType::quint8;
  QScheme qscheme = QScheme::per_channel_affine;
  bool reduce_range = false;
  std::optional<int64_t> quant_min{};
  std::optional<int64_t> quant_max{};
  float eps = std::numeric_limits<float>::epsilon();
};

class MovingAveragePerChannelMinMaxObserver : public PerChannelMinMaxObserver {
 public:
  using Options = MovingAveragePerChannelMinMaxObserverOptions;
  MovingAveragePerChannelMinMaxObserver() : MovingAveragePerChannelMinMaxObserver(Options{}) {}
  explicit MovingAveragePerChannelMinMaxObserver(const Options& o);
  static ObserverFactory with_args(const Options& o = {});

  const char* name() const override { return "MovingAveragePerChannelMinMaxObserver"; }
  Tensor forward(const Tensor& x) override;
  std::unique_ptr<ObserverBase> clone() const override {
    return std::make_unique<MovingAveragePerChannelMinMaxObserver>(*this);
  }
  float averaging_constant() const { return averaging_constant_; }

 private:
  float averaging_constant_;
};

namespace detail {
// min and max of the non-NaN values of a dense float buffer (the JIT min_max kernel); false when there is none.
bool finite_batch_range(const float* x, size_t n, float* mn, float* mx);
// Per-channel min / max along `axis` (normalised, in [0, dim)) of a float32 tensor, NaNs skipped: +inf / -inf for a
// channel without values. Sizes mn / mx to the channel count.
void channel_min_max(const Tensor& x, int64_t axis, std::vector<float>& mn, std::vector<float>& mx);
// averaging_constant as the observers store it: a Python float in [0, 1] rounded to float32.
float checked_averaging_constant(std::string_view fn, double c);
}  // namespace detail

}  // namespace qjit
