// What the int8 GEMM, convolution and transposed-convolution testers (tests/kernels/gemm_tester.h, conv_tester.h,
// conv_transpose_tester.h) have in common: the options that shape the weights and the output stage, random
// activations and weights with their quantization parameters, a random output stage of the chosen kind, and the
// byte-for-byte comparison of a result with its reference.
//
// The random draws come in a fixed order (activations, weights, weight zero points, then per channel multiplier,
// float bias, int32 bias, post-bias, then the row scales), so a tester given the same seed and options always
// checks the same case.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "jit/cpu.h"
#include "kernels/gemm.h"
#include "tests/support/buffers.h"

namespace qjit::testing {

// How a tester's output stage is made.
struct OutputStageOptions {
  OutputKind out = OutputKind::s32;
  RequantFormula formula = RequantFormula::onednn;
  bool per_channel = false, bias = false, relu = false, row_scale = false;
};

// The weight and output-stage options of every int8 kernel tester, as fluent setters that return the tester
// itself (Derived).
template <class Derived>
class QuantKernelOptions {
 public:
  Derived& per_channel(bool v) { per_channel_ = v; return self(); }
  // Full-range weights take the exact s16x2 layout on AVX2; [-64, 63] the u8x4 maddubs one.
  Derived& weight_range(int lo, int hi) { w_lo_ = lo; w_hi_ = hi; return self(); }
  Derived& output(OutputKind v) { out_ = v; return self(); }
  Derived& formula(RequantFormula v) { formula_ = v; return self(); }
  Derived& bias(bool v) { bias_ = v; return self(); }
  Derived& relu(bool v) { relu_ = v; return self(); }
  Derived& row_scale(bool v) { row_scale_ = v; return self(); }
  Derived& isa(Isa v) { isa_ = v; return self(); }
  Derived& seed(uint32_t v) { seed_ = v; return self(); }

 protected:
  // " out=u8 onednn per-channel bias relu w_zp row_scale x_zp=43 w=[-128,127]", with the tester's own names for
  // the weight and activation zero points.
  std::string describe_options(const char* w_zp_name, const char* x_zp_name) const {
    return std::string(" out=") + output_kind_name(out_) +
           (formula_ == RequantFormula::onednn ? " onednn" : " qnnpack") +
           (per_channel_ ? " per-channel" : " per-tensor") + (bias_ ? " bias" : "") + (relu_ ? " relu" : "") +
           (w_zp_ ? std::string(" ") + w_zp_name : std::string()) + (row_scale_ ? " row_scale" : "") + " " +
           x_zp_name + "=" + std::to_string(x_zp_) + " w=[" + std::to_string(w_lo_) + "," + std::to_string(w_hi_) +
           "]";
  }

  OutputStageOptions stage_options() const { return {out_, formula_, per_channel_, bias_, relu_, row_scale_}; }

  int32_t x_zp_ = 0;   // activation zero point
  bool w_zp_ = false;  // weight zero points non-zero (differing per output channel when per_channel)
  bool per_channel_ = false, bias_ = false, relu_ = false, row_scale_ = false;
  int w_lo_ = -128, w_hi_ = 127;
  OutputKind out_ = OutputKind::s32;
  RequantFormula formula_ = RequantFormula::onednn;
  Isa isa_ = Isa::scalar;
  uint32_t seed_ = 1;

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

// n random activations; every one 255 when `extremes` (no draw then).
inline std::vector<uint8_t> random_activations(std::mt19937& rng, size_t n, bool extremes = false) {
  std::vector<uint8_t> x(n);
  for (auto& v : x) v = extremes ? 255 : static_cast<uint8_t>(rng());
  return x;
}

// Random int8 weights in [lo, hi] (every one 127 when `extremes`), with scales 0.01 and zero points 0, or drawn
// from [-10, 10] when `nonzero_zp`, one per output channel when `per_channel`.
struct RandomWeights {
  std::vector<int8_t> values;
  WeightQParams qparams;
  std::vector<int32_t> zero_point_per_channel;  // qparams' zero point of each output channel
  bool nonzero_zp = false;

  RandomWeights(std::mt19937& rng, size_t count, size_t channels, int lo, int hi, bool per_channel, bool nonzero_zp_,
                bool extremes = false)
      : values(count), nonzero_zp(nonzero_zp_) {
    std::uniform_int_distribution<int> wd(lo, hi);
    for (auto& v : values) v = extremes ? 127 : static_cast<int8_t>(wd(rng));
    const size_t nq = per_channel ? channels : 1;
    qparams.scales.assign(nq, 0.01);
    qparams.zero_points.assign(nq, 0);
    if (nonzero_zp)
      for (auto& z : qparams.zero_points) z = static_cast<int32_t>(rng() % 21) - 10;
    zero_point_per_channel.resize(channels);
    for (size_t i = 0; i < channels; ++i) zero_point_per_channel[i] = qparams.zero_points[per_channel ? i : 0];
  }

  // What the references take: the per-channel zero points, or null when they are all 0.
  const int32_t* reference_zero_points() const { return nonzero_zp ? zero_point_per_channel.data() : nullptr; }
};

// A random output stage of the chosen kind for `channels` output channels and `rows` output rows: multipliers
// (mult_base + U{0..999} * mult_step) * mult_scale, float and int32 biases and post-biases around 0, row scales in
// [0.5, 1.5). Requantized stages have zero point `u8_zero_point` (u8) or -3 (s8); relu raises qmin to it.
// The stage points into this object, which is therefore neither copied nor moved.
class RandomOutputStage {
 public:
  RandomOutputStage(std::mt19937& rng, const OutputStageOptions& o, size_t channels, size_t rows, float mult_base,
                    float mult_step, float mult_scale, int32_t u8_zero_point)
      : mult_(channels), bias_f_(channels), post_(channels), rows_(rows), bias_i_(channels) {
    for (size_t i = 0; i < channels; ++i) {
      mult_[i] = (mult_base + static_cast<float>(rng() % 1000) * mult_step) * mult_scale;
      bias_f_[i] = static_cast<float>(static_cast<int>(rng() % 20001) - 10000) * 0.31f;
      bias_i_[i] = static_cast<int32_t>(rng() % 20001) - 10000;
      post_[i] = static_cast<float>(static_cast<int>(rng() % 2001) - 1000) * 0.001f;
    }
    for (auto& r : rows_) r = 0.5f + static_cast<float>(rng() % 100) * 0.01f;
    if (o.out == OutputKind::u8 || o.out == OutputKind::s8) {
      s_ = requantize_stage(o.out, o.formula, mult_.data(), o.per_channel,
                            o.out == OutputKind::u8 ? u8_zero_point : -3);
      if (o.bias) {
        if (o.formula == RequantFormula::onednn)
          s_.bias_f = bias_f_.data();
        else
          s_.bias_i = bias_i_.data();
      }
      if (o.relu) s_.qmin = s_.zero_point;
    } else if (o.out == OutputKind::f32) {
      s_.kind = OutputKind::f32;
      s_.multiplier = mult_.data();
      s_.per_channel = o.per_channel;
      if (o.bias) {
        s_.bias_f = bias_f_.data();
        s_.post_bias = post_.data();
      }
      if (o.row_scale) s_.row_scale = rows_.data();
    }
  }
  RandomOutputStage(const RandomOutputStage&) = delete;
  RandomOutputStage& operator=(const RandomOutputStage&) = delete;

  const OutputStage& stage() const { return s_; }

 private:
  std::vector<float> mult_, bias_f_, post_, rows_;
  std::vector<int32_t> bias_i_;
  OutputStage s_;
};

// Compares the rows x cols elements of elem_size bytes (rows ld elements apart) of `got` with `want`; on the
// first difference adds a failure "first mismatch at <row_name> r <col_name> c<note>" and returns false.
inline bool expect_outputs_equal(const GuardedBuffer<unsigned char>& got, const std::vector<unsigned char>& want,
                                 size_t rows, size_t cols, size_t ld, size_t elem_size, const char* row_name,
                                 const char* col_name, const std::string& note = {}) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      for (size_t b = 0; b < elem_size; ++b) {
        const size_t i = (r * ld + c) * elem_size + b;
        if (got.get(i) != want[i]) {
          ADD_FAILURE() << "first mismatch at " << row_name << " " << r << " " << col_name << " " << c << note;
          return false;
        }
      }
  return true;
}

// The output stages (with zero points and weight layouts) that the convolution-shaped sweeps rotate through: s32,
// u8 / s8 with both requantization formulas, f32 with row scales; per tensor and per channel, weight zero points,
// bias and ReLU, full-range and 7-bit weights. T is a tester with QuantKernelOptions' setters.
template <class T>
std::vector<T> output_stage_variants() {
  std::vector<T> v;
  v.push_back(T().output(OutputKind::s32).x_zero_point(0));
  v.push_back(T().output(OutputKind::s32).x_zero_point(131).w_zero_point(true).per_channel(true));
  v.push_back(T().output(OutputKind::u8).x_zero_point(43).weight_range(-64, 63));
  v.push_back(T().output(OutputKind::u8).x_zero_point(43).per_channel(true).bias(true).relu(true));
  v.push_back(T().output(OutputKind::s8).formula(RequantFormula::qnnpack).x_zero_point(7).per_channel(true).bias(true));
  v.push_back(T().output(OutputKind::u8).formula(RequantFormula::qnnpack).x_zero_point(255).w_zero_point(true).weight_range(-64, 63));
  v.push_back(T().output(OutputKind::f32).x_zero_point(99).per_channel(true).bias(true).row_scale(true));
  v.push_back(T().output(OutputKind::f32).x_zero_point(0).weight_range(-64, 63));
  return v;
}

}  // namespace qjit::testing
