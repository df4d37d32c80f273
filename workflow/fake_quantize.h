// Fake-quantize modules (torch.ao.quantization.fake_quantize, PyTorch 1.13.1): an observer plus fake quantization
// with the observer's parameters, for quantization-aware training (NUMERICS.md section 3). Each is an
// ObserverBase, like PyTorch's activation post-processes, so QConfig factories and prepare() treat observers and
// fake-quantize modules alike; forward returns the fake-quantized tensor and backward(grad_y) gives the
// straight-through gradient of the last forward.
//
//   auto fq = FakeQuantize::with_args(MovingAverageMinMaxObserver::with_args(
//       {.dtype = DType::quint8, .reduce_range = true, .quant_min = 0, .quant_max = 255}));   // default_fake_quant
//
// PyTorch passes FakeQuantize's quant_min / quant_max into the observer's arguments; here the observer factory
// carries them (FusedMovingAvgObsFakeQuantize's default observer sets [0, 255] as PyTorch's default does).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "workflow/fake_quantize_ops.h"
#include "workflow/minmax_observer.h"
#include "workflow/observer.h"

namespace qjit {

// FakeQuantizeBase: the observer / fake-quant switches and the straight-through backward.
class FakeQuantizeBase : public ObserverBase {
 public:
  // PyTorch's enable_* / disable_* (the fake_quant_enabled / observer_enabled buffers).
  void enable_fake_quant(bool enabled = true) { fake_quant_enabled_ = enabled; }
  void disable_fake_quant() { fake_quant_enabled_ = false; }
  void enable_observer(bool enabled = true) { observer_enabled_ = enabled; }
  void disable_observer() { observer_enabled_ = false; }
  bool fake_quant_enabled() const { return fake_quant_enabled_; }
  bool observer_enabled() const { return observer_enabled_; }

  // grad_x for grad_y of the last forward: grad_y * mask when it fake-quantized, grad_y itself when fake
  // quantization was disabled (the forward returned its input). Throws before any forward.
  Tensor backward(const Tensor& grad_y) const;

 protected:
  using ObserverBase::ObserverBase;
  void record_mask(Tensor mask) {
    last_mask_ = std::move(mask);
    ran_ = true;
  }

 private:
  bool fake_quant_enabled_ = true, observer_enabled_ = true;
  bool ran_ = false;
  Tensor last_mask_;  // undefined when the last forward did not fake-quantize
};

// FakeQuantize: forward runs the observer and copies its calculate_qparams() into the scale / zero_point buffers
// (when the observer is enabled), then fake-quantizes per tensor or per channel with them (when fake quant is
// enabled) over the observer's [quant_min, quant_max].
class FakeQuantize : public FakeQuantizeBase {
 public:
  // PyTorch's default observer is MovingAverageMinMaxObserver with its defaults.
  FakeQuantize() : FakeQuantize(MovingAverageMinMaxObserver::with_args()) {}
  explicit FakeQuantize(const ObserverFactory& observer);
  static ObserverFactory with_args(ObserverFactory observer);
  FakeQuantize(const FakeQuantize& o);  // deep copy: the observer too

  const char* name() const override { return "FakeQuantize"; }
  Tensor forward(const Tensor& x) override;
  // The observer's parameters (PyTorch's FakeQuantize.calculate_qparams; convert uses them).
  ObserverQParams calculate_qparams() const override { return observer_->calculate_qparams(); }
  void reset() override { observer_->reset(); }
  std::unique_ptr<ObserverBase> clone() const override { return std::make_unique<FakeQuantize>(*this); }
  int64_t ch_axis() const override { return observer_->ch_axis(); }

  ObserverBase& activation_post_process() { return *observer_; }
  const ObserverBase& activation_post_process() const { return *observer_; }
  bool is_per_channel() const { return qjit::is_per_channel(qscheme()); }
  // The buffers: scale [1.0] and zero point [0] until the observer first runs, then its latest parameters
  // (float_zero_points for per_channel_affine_float_qparams).
  const ObserverQParams& qparams() const { return qparams_; }

 protected:
  FakeQuantize(std::string_view fn, const ObserverFactory& observer);
  FakeQuantize(std::string_view fn, std::unique_ptr<ObserverBase> observer);
  // Fake-quantizes x with the buffers (the last step of forward).
  Tensor fake_quantize(std::string_view fn, const Tensor& x);

  std::unique_ptr<ObserverBase> observer_;
  ObserverQParams qparams_;
};

// FusedMovingAvgObsFakeQuantize (the default QAT fake quant since 1.10; ATen's fused_moving_avg_obs_fake_quant):
// the observer must be a MovingAverageMinMaxObserver or MovingAveragePerChannelMinMaxObserver, whose running
// min / max it updates itself (a value still at +-inf takes the batch value); the qparams come from ATen's
// ChooseQuantizationParams(running min, running max, quant_min, quant_max, preserve_sparsity = symmetric), not from
// the observer formula, and are recomputed only while fake quant is enabled (NUMERICS.md section 3).
// calculate_qparams() is still the observer formula, as convert() sees it in PyTorch.
class FusedMovingAvgObsFakeQuantize : public FakeQuantize {
 public:
  FusedMovingAvgObsFakeQuantize()
      : FusedMovingAvgObsFakeQuantize(MovingAverageMinMaxObserver::with_args({.quant_min = 0, .quant_max = 255})) {}
  explicit FusedMovingAvgObsFakeQuantize(const ObserverFactory& observer);
  static ObserverFactory with_args(ObserverFactory observer);

  const char* name() const override { return "FusedMovingAvgObsFakeQuantize"; }
  Tensor forward(const Tensor& x) override;
  std::unique_ptr<ObserverBase> clone() const override {
    return std::make_unique<FusedMovingAvgObsFakeQuantize>(*this);
  }
  bool is_symmetric_quant() const {
    return qscheme() == QScheme::per_tensor_symmetric || qscheme() == QScheme::per_channel_symmetric;
  }
};

// FixedQParamsFakeQuantize: FakeQuantize over a FixedQParamsObserver (sigmoid, softmax, tanh outputs in QAT).
class FixedQParamsFakeQuantize : public FakeQuantize {
 public:
  explicit FixedQParamsFakeQuantize(const ObserverFactory& observer);
  static ObserverFactory with_args(ObserverFactory observer);

  const char* name() const override { return "FixedQParamsFakeQuantize"; }
  std::unique_ptr<ObserverBase> clone() const override { return std::make_unique<FixedQParamsFakeQuantize>(*this); }
};

// The named fake-quantize configurations of fake_quantize.py, as factories (arguments exactly as PyTorch 1.13.1
// passes them: quant_min / quant_max given, hence "custom" ranges, wherever PyTorch gives them).
ObserverFactory default_fake_quant();                      // MovingAverageMinMax quint8 [0,255] reduce_range -> [0,127]
ObserverFactory default_weight_fake_quant();               // MovingAverageMinMax qint8 [-128,127] per_tensor_symmetric
ObserverFactory default_per_channel_weight_fake_quant();   // MovingAveragePerChannel qint8 per_channel_symmetric, axis 0
ObserverFactory default_histogram_fake_quant();            // Histogram quint8 [0,255] reduce_range -> [0,127]
ObserverFactory default_fixed_qparams_range_0to1_fake_quant();     // scale 1/256, zero point 0
ObserverFactory default_fixed_qparams_range_neg1to1_fake_quant();  // scale 2/256, zero point 128
ObserverFactory default_embedding_fake_quant();        // MovingAveragePerChannel float qparams quint8, axis 0, c = 1
ObserverFactory default_embedding_fake_quant_4bit();   // the same for quint4x2
ObserverFactory default_fused_act_fake_quant();        // fused, quint8 [0,255]
ObserverFactory default_fused_wt_fake_quant();         // fused, qint8 [-128,127] per_tensor_symmetric
ObserverFactory default_fused_per_channel_wt_fake_quant();            // fused, qint8 per_channel_symmetric
ObserverFactory fused_wt_fake_quant_range_neg_127_to_127();           // fused, [-127,127] symmetric, eps 2^-12
ObserverFactory fused_per_channel_wt_fake_quant_range_neg_127_to_127();

}  // namespace qjit
