// Observers (torch.ao.quantization.observer, PyTorch 1.13.1): modules that record statistics of the tensors flowing
// through them and turn them into quantization parameters. This header holds the common interface and the
// observers without running statistics; the min/max family is in workflow/minmax_observer.h, the histogram one in
// workflow/histogram_observer.h, named defaults (default_observer, ...) in workflow/observer_defaults.h.
//
// Numerics follow ../shared/golden/NUMERICS.md section 2 bit for bit (float32 tensor arithmetic, as PyTorch does it).
// Deliberate differences from PyTorch, each for robustness:
//  - NaNs in observed data are skipped (PyTorch's aminmax propagates them into the running statistics); a batch with
//    no non-NaN value leaves the statistics unchanged.
//  - Invalid arguments PyTorch accepts silently (a custom range given half, eps <= 0, a per-channel qscheme on a
//    per-tensor observer) throw qjit::Error in the constructor, as do the combinations PyTorch rejects.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit {

// What calculate_qparams() returns. PyTorch returns a float32 scale tensor and an int32/int64 (or, for
// per_channel_affine_float_qparams, float32) zero point tensor of shape [1] per tensor or [channels] per channel;
// the scales here are those float32 values (widen them to double where a quantizer wants doubles, as convert does).
struct ObserverQParams {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;       // empty when float_zero_points is used
  std::vector<float> float_zero_points;   // per_channel_affine_float_qparams only

  bool has_float_zero_points() const { return !float_zero_points.empty(); }
  // The single scale / zero point of per-tensor parameters (throws qjit::Error when there are several).
  double scale() const;
  int64_t zero_point() const;
};

// The interface every activation post-process shares (observers here, fake-quantize modules in
// workflow/fake_quantize.h): QConfig holds factories of it and prepare() attaches what they build.
class ObserverBase {
 public:
  virtual ~ObserverBase() = default;

  // PyTorch's class name ("MinMaxObserver", ...), for messages.
  virtual const char* name() const = 0;
  // Records statistics of x and returns x itself (fake-quantize modules return their fake-quantized output).
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
  // Quantization parameters from the statistics so far. Observers without statistics (Placeholder, Noop,
  // Recording) throw qjit::Error, as PyTorch raises.
  virtual ObserverQParams calculate_qparams() const = 0;
  // Forgets the statistics (PyTorch's reset_min_max_vals); a no-op for observers without any.
  virtual void reset() {}
  // A deep copy (statistics included).
  virtual std::unique_ptr<ObserverBase> clone() const = 0;

  DType dtype() const { return dtype_; }
  QScheme qscheme() const { return qscheme_; }
  // The range quantized values take, after reduce_range (NUMERICS.md section 2); 0 for a non-quantized dtype.
  int64_t quant_min() const { return quant_min_; }
  int64_t quant_max() const { return quant_max_; }
  // The channel axis of per-channel observers; -1 otherwise (what FakeQuantize reads, as in PyTorch).
  virtual int64_t ch_axis() const { return -1; }

 protected:
  ObserverBase(DType dtype, QScheme qscheme, int64_t quant_min, int64_t quant_max)
      : dtype_(dtype), qscheme_(qscheme), quant_min_(quant_min), quant_max_(quant_max) {}
  ObserverBase(const ObserverBase&) = default;
  ObserverBase& operator=(const ObserverBase&) = default;

 private:
  DType dtype_;
  QScheme qscheme_;
  int64_t quant_min_, quant_max_;
};

// PyTorch's Observer.with_args(...): a callable that builds a fresh, configured instance per call.
using ObserverFactory = std::function<std::unique_ptr<ObserverBase>()>;

// The arguments UniformQuantizationObserverBase takes (each observer's Options carries them by PyTorch's names).
struct UniformQuantizationArgs {
  DType dtype = DType::quint8;
  QScheme qscheme = QScheme::per_tensor_affine;
  bool reduce_range = false;
  std::optional<int64_t> quant_min{};
  std::optional<int64_t> quant_max{};
  float eps = std::numeric_limits<float>::epsilon();
};

// UniformQuantizationObserverBase: dtype, qscheme, the quantized range (utils.calculate_qmin_qmax) and eps, and
// _calculate_qparams, the formula every statistics-based observer ends with.
class UniformQuantizationObserverBase : public ObserverBase {
 public:
  bool reduce_range() const { return reduce_range_; }
  float eps() const { return eps_; }
  // quant_min and quant_max were given (PyTorch's has_customized_qrange): changes the quint8 symmetric zero point.
  bool has_customized_qrange() const { return has_customized_qrange_; }

 protected:
  // Validates the arguments (`fn` names the observer in messages) and computes the range. per_channel selects which
  // qschemes are allowed: per_tensor_* for per-tensor observers, per_channel_* for per-channel ones.
  UniformQuantizationObserverBase(std::string_view fn, const UniformQuantizationArgs& a, bool per_channel);

  // _calculate_qparams over n (min, max) pairs: [1.0] / [0] when not initialised (n == 0, or per tensor min = +inf
  // and max = -inf), else the symmetric / affine / float-qparams formula of NUMERICS.md section 2 per pair.
  // Throws qjit::Error when min > max or a value is infinite (PyTorch asserts, or returns inf/NaN scales).
  ObserverQParams calculate_qparams_from(const float* min_val, const float* max_val, size_t n) const;

 private:
  UniformQuantizationObserverBase(const UniformQuantizationArgs& a, std::pair<int64_t, int64_t> range);

  bool reduce_range_;
  float eps_;
  bool has_customized_qrange_;
};

// PlaceholderObserver: no statistics; carries the dtype for dynamic and fp16 flows (default_dynamic_qconfig,
// float16_dynamic_qconfig). compute_dtype set means dynamic quantization (activation parameters at run time).
struct PlaceholderObserverOptions {
  DType dtype = DType::float32;
  std::string custom_op_name{};
  std::optional<DType> compute_dtype{};
};

class PlaceholderObserver : public ObserverBase {
 public:
  using Options = PlaceholderObserverOptions;
  PlaceholderObserver() : PlaceholderObserver(Options{}) {}
  explicit PlaceholderObserver(const Options& o);
  static ObserverFactory with_args(const Options& o = {});

  const char* name() const override { return "PlaceholderObserver"; }
  Tensor forward(const Tensor& x) override { return x; }
  ObserverQParams calculate_qparams() const override;
  std::unique_ptr<ObserverBase> clone() const override { return std::make_unique<PlaceholderObserver>(*this); }
  const std::string& custom_op_name() const { return custom_op_name_; }
  const std::optional<DType>& compute_dtype() const { return compute_dtype_; }

 private:
  std::string custom_op_name_;
  std::optional<DType> compute_dtype_;
};

// NoopObserver: no statistics, dtype float16 by default (fp16 static flows).
struct NoopObserverOptions {
  DType dtype = DType::float16;
  std::string custom_op_name{};
};

class NoopObserver : public ObserverBase {
 public:
  using Options = NoopObserverOptions;
  NoopObserver() : NoopObserver(Options{}) {}
  explicit NoopObserver(const Options& o);
  static ObserverFactory with_args(const Options& o = {});

  const char* name() const override { return "NoopObserver"; }
  Tensor forward(const Tensor& x) override { return x; }
  ObserverQParams calculate_qparams() const override;
  std::unique_ptr<ObserverBase> clone() const override { return std::make_unique<NoopObserver>(*this); }
  const std::string& custom_op_name() const { return custom_op_name_; }

 private:
  std::string custom_op_name_;
};

// RecordingObserver (default_debug_observer): keeps a copy of every tensor it sees.
struct RecordingObserverOptions {
  DType dtype = DType::quint8;
};

class RecordingObserver : public ObserverBase {
 public:
  using Options = RecordingObserverOptions;
  RecordingObserver() : RecordingObserver(Options{}) {}
  explicit RecordingObserver(const Options& o);
  static ObserverFactory with_args(const Options& o = {});

  const char* name() const override { return "RecordingObserver"; }
  Tensor forward(const Tensor& x) override;
  ObserverQParams calculate_qparams() const override;
  void reset() override { tensor_val_.clear(); }
  std::unique_ptr<ObserverBase> clone() const override { return std::make_unique<RecordingObserver>(*this); }
  const std::vector<Tensor>& get_tensor_value() const { return tensor_val_; }

 private:
  std::vector<Tensor> tensor_val_;
};

// FixedQParamsObserver: constant parameters for ops with a known output range (sigmoid, softmax: 1/256, 0;
// tanh: 2/256, 128). The scale is kept as the float32 PyTorch stores it.
struct FixedQParamsObserverOptions {
  double scale = 1.0;
  int64_t zero_point = 0;
  DType dtype = DType::quint8;
  QScheme qscheme = QScheme::per_tensor_affine;
  int64_t quant_min = 0;
  int64_t quant_max = 255;
};

class FixedQParamsObserver : public ObserverBase {
 public:
  using Options = FixedQParamsObserverOptions;
  explicit FixedQParamsObserver(const Options& o);
  static ObserverFactory with_args(const Options& o);

  const char* name() const override { return "FixedQParamsObserver"; }
  Tensor forward(const Tensor& x) override { return x; }
  ObserverQParams calculate_qparams() const override;
  std::unique_ptr<ObserverBase> clone() const override { return std::make_unique<FixedQParamsObserver>(*this); }
  float scale() const { return scale_; }
  int64_t zero_point() const { return zero_point_; }

 private:
  float scale_;
  int64_t zero_point_;
};

namespace detail {
// The float32 values an observer reads from x: x itself when it is float32, else x.to(float32) (PyTorch's
// x.to(min_val.dtype)); quantized or undefined tensors throw naming `fn`. The result is dense (contiguous in the
// memory format x suggests), so its data can be scanned linearly.
Tensor observed_floats(std::string_view fn, const Tensor& x);
}  // namespace detail

}  // namespace qjit
