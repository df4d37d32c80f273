// A fluent tester for the quantized transposed convolution, in the style of tests/kernels/conv_tester.h: set a
// geometry, zero points, weight range, output stage and threading, then test() packs the weights for one ISA,
// runs qjit::conv_transpose and checks every output bit-exactly against ref::conv_transpose_u8s8 (a scatter from
// each input pixel, sharing nothing with the library's gather + GEMM), with guard bytes around y.
//
// Geometry: input(w) / input(h, w) / input(d, h, w) also choose 1-d / 2-d / 3-d. kernel / stride / padding /
// output_padding / dilation take one value (every dimension in use) or one per dimension in use.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "base/threadpool.h"
#include "kernels/conv_transpose.h"
#include "kernels/reference/conv_transpose_ref.h"
#include "tests/support/buffers.h"

namespace qjit::testing {

class ConvTransposeTester {
 public:
  enum class Threads { one, pool, partition };

  ConvTransposeTester& batch(int64_t v) { batch_ = v; return *this; }
  ConvTransposeTester& channels(int64_t in, int64_t out) { c_ = in; oc_ = out; return *this; }
  ConvTransposeTester& groups(int64_t v) { groups_ = v; return *this; }
  ConvTransposeTester& input(int64_t w) { input_ = {w}; return *this; }
  ConvTransposeTester& input(int64_t h, int64_t w) { input_ = {h, w}; return *this; }
  ConvTransposeTester& input(int64_t d, int64_t h, int64_t w) { input_ = {d, h, w}; return *this; }
  ConvTransposeTester& kernel(std::initializer_list<int64_t> v) { kernel_ = v; return *this; }
  ConvTransposeTester& kernel(int64_t v) { kernel_ = {v}; return *this; }
  ConvTransposeTester& stride(std::initializer_list<int64_t> v) { stride_ = v; return *this; }
  ConvTransposeTester& stride(int64_t v) { stride_ = {v}; return *this; }
  ConvTransposeTester& padding(std::initializer_list<int64_t> v) { padding_ = v; return *this; }
  ConvTransposeTester& padding(int64_t v) { padding_ = {v}; return *this; }
  ConvTransposeTester& output_padding(std::initializer_list<int64_t> v) { output_padding_ = v; return *this; }
  ConvTransposeTester& output_padding(int64_t v) { output_padding_ = {v}; return *this; }
  ConvTransposeTester& dilation(std::initializer_list<int64_t> v) { dilation_ = v; return *this; }
  ConvTransposeTester& dilation(int64_t v) { dilation_ = {v}; return *this; }

  ConvTransposeTester& x_zero_point(int32_t v) { x_zp_ = v; return *this; }
  ConvTransposeTester& w_zero_point(bool v) { w_zp_ = v; return *this; }
  ConvTransposeTester& per_channel(bool v) { per_channel_ = v; return *this; }
  // Full-range weights take the exact s16x2 layout on AVX2; [-64, 63] the u8x4 maddubs one.
  ConvTransposeTester& weight_range(int lo, int hi) { w_lo_ = lo; w_hi_ = hi; return *this; }
  ConvTransposeTester& output(OutputKind v) { out_ = v; return *this; }
  ConvTransposeTester& formula(RequantFormula v) { formula_ = v; return *this; }
  ConvTransposeTester& bias(bool v) { bias_ = v; return *this; }
  ConvTransposeTester& relu(bool v) { relu_ = v; return *this; }
  ConvTransposeTester& row_scale(bool v) { row_scale_ = v; return *this; }
  ConvTransposeTester& isa(Isa v) { isa_ = v; return *this; }
  ConvTransposeTester& threads(Threads v, int shares = 3) { threads_ = v; shares_ = shares; return *this; }
  ConvTransposeTester& seed(uint32_t v) { seed_ = v; return *this; }

  ConvTransposeDesc desc() const {
    ConvTransposeDesc d;
    const int dims = static_cast<int>(input_.size());
    d.spatial_dims = dims;
    d.batch = batch_;
    d.in_channels = c_;
    d.out_channels = oc_;
    d.groups = groups_;
    const auto fill = [dims](std::array<int64_t, 3>& dst, const std::vector<int64_t>& v) {
      for (int i = 0; i < dims; ++i) dst[3 - dims + i] = v.size() == 1 ? v[0] : v.at(i);
    };
    fill(d.input, input_);
    fill(d.kernel, kernel_);
    fill(d.stride, stride_);
    fill(d.padding, padding_);
    fill(d.output_padding, output_padding_);
    fill(d.dilation, dilation_);
    return d;
  }

  std::string describe() const {
    const char* th = threads_ == Threads::one ? "one" : threads_ == Threads::pool ? "pool" : "partition";
    return desc().describe() + " out=" + output_kind_name(out_) +
           (formula_ == RequantFormula::onednn ? " onednn" : " qnnpack") +
           (per_channel_ ? " per-channel" : " per-tensor") + (bias_ ? " bias" : "") + (relu_ ? " relu" : "") +
           (w_zp_ ? " w_zp" : "") + (row_scale_ ? " row_scale" : "") + " x_zp=" + std::to_string(x_zp_) + " w=[" +
           std::to_string(w_lo_) + "," + std::to_string(w_hi_) + "] threads=" + th + " isa=" + isa_name(isa_);
  }

  // Runs the check; returns the algorithm conv_transpose() chose.
  ConvTransposeAlgorithm test() const {
    SCOPED_TRACE(describe());
    const ConvTransposeDesc d = desc();
    const ConvTransposeAlgorithm algo = conv_transpose_algorithm(d);
    const ConvTransposeWeightShape ws = d.weight_shape();
    const size_t C = static_cast<size_t>(c_), OC = static_cast<size_t>(oc_), M = d.output_pixels();
    std::mt19937 rng(seed_ ^ static_cast<uint32_t>(M * 7919 + OC * 131 + ws.K()));

    std::vector<uint8_t> x(d.input_pixels() * C);
    for (auto& v : x) v = static_cast<uint8_t>(rng());
    std::vector<int8_t> w(ws.elements());
    std::uniform_int_distribution<int> wd(w_lo_, w_hi_);
    for (auto& v : w) v = static_cast<int8_t>(wd(rng));
    WeightQParams q;
    const size_t nq = per_channel_ ? OC : 1;
    q.scales.assign(nq, 0.01);
    q.zero_points.assign(nq, 0);
    if (w_zp_)
      for (auto& z : q.zero_points) z = static_cast<int32_t>(rng() % 21) - 10;
    std::vector<int32_t> w_zp_per_oc(OC);
    for (size_t i = 0; i < OC; ++i) w_zp_per_oc[i] = q.zero_points[per_channel_ ? i : 0];
    const PackedConvTransposeWeights packed(ws, w.data(), q, nullptr, isa_);

    // Multipliers scaled by 1/sqrt(K) so that requantized outputs spread over the range instead of saturating.
    const float k_norm = 1.0f / std::sqrt(static_cast<float>(ws.K()));
    std::vector<float> mult(OC), bias_f(OC), post(OC), rows(M);
    std::vector<int32_t> bias_i(OC);
    for (size_t i = 0; i < OC; ++i) {
      mult[i] = (0.003f + static_cast<float>(rng() % 1000) * 6e-6f) * k_norm;
      bias_f[i] = static_cast<float>(static_cast<int>(rng() % 20001) - 10000) * 0.31f;
      bias_i[i] = static_cast<int32_t>(rng() % 20001) - 10000;
      post[i] = static_cast<float>(static_cast<int>(rng() % 2001) - 1000) * 0.001f;
    }
    for (auto& r : rows) r = 0.5f + static_cast<float>(rng() % 100) * 0.01f;
    OutputStage s;
    if (out_ == OutputKind::u8 || out_ == OutputKind::s8) {
      s = requantize_stage(out_, formula_, mult.data(), per_channel_, out_ == OutputKind::u8 ? 117 : -3);
      if (bias_) {
        if (formula_ == RequantFormula::onednn)
          s.bias_f = bias_f.data();
        else
          s.bias_i = bias_i.data();
      }
      if (relu_) s.qmin = s.zero_point;
    } else if (out_ == OutputKind::f32) {
      s.kind = OutputKind::f32;
      s.multiplier = mult.data();
      s.per_channel = per_channel_;
      if (bias_) {
        s.bias_f = bias_f.data();
        s.post_bias = post.data();
      }
      if (row_scale_) s.row_scale = rows.data();
    }

    const size_t out_size = output_kind_size(out_), bytes = M * OC * out_size;
    std::vector<unsigned char> want(bytes);
    ref::conv_transpose_u8s8(d, x.data(), x_zp_, w.data(), w_zp_ ? w_zp_per_oc.data() : nullptr, want.data(), s);
    GuardedBuffer<unsigned char> got(bytes, 0);
    for (size_t i = 0; i < bytes; ++i) got.set(i, 0x5A);  // every output must be written
    switch (threads_) {
      case Threads::one: conv_transpose(d, x.data(), x_zp_, packed, got.data(), s, Exec{isa_, nullptr, 1}); break;
      case Threads::pool: conv_transpose(d, x.data(), x_zp_, packed, got.data(), s, Exec{isa_, nullptr, 0}); break;
      case Threads::partition:
        parallel_run(shares_, [&](Partition p) {
          conv_transpose(d, x.data(), x_zp_, packed, got.data(), s, Exec{isa_, &p});
        });
        break;
    }
    for (size_t m = 0; m < M; ++m)
      for (size_t oc = 0; oc < OC; ++oc)
        for (size_t b = 0; b < out_size; ++b) {
          const size_t i = (m * OC + oc) * out_size + b;
          if (got.get(i) != want[i]) {
            ADD_FAILURE() << "first mismatch at output pixel " << m << " channel " << oc;
            return algo;
          }
        }
    EXPECT_TRUE(got.guards_intact()) << "wrote outside y";
    ++checked_;
    return algo;
  }

  // How many test() calls of any tester compared every output (so a sweep can prove it ran).
  static size_t checked() { return checked_; }

 private:
  inline static size_t checked_ = 0;
  int64_t batch_ = 1, c_ = 1, oc_ = 1, groups_ = 1;
  std::vector<int64_t> input_{1, 1}, kernel_{1}, stride_{1}, padding_{0}, output_padding_{0}, dilation_{1};
  int32_t x_zp_ = 0;
  bool w_zp_ = false, per_channel_ = false, bias_ = false, relu_ = false, row_scale_ = false;
  int w_lo_ = -128, w_hi_ = 127;
  OutputKind out_ = OutputKind::s32;
  RequantFormula formula_ = RequantFormula::onednn;
  Isa isa_ = Isa::scalar;
  Threads threads_ = Threads::one;
  int shares_ = 3;
  uint32_t seed_ = 1;
};

}  // namespace qjit::testing
