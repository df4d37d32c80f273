// A fluent tester for the int8 GEMM in the spirit of XNNPACK's GemmMicrokernelTester: set a shape, zero points,
// weight range and output stage, then test() packs the weights for one ISA, runs qjit::gemm and checks every
// output bit-exactly against ref::gemm_u8s8, with guard bytes around C.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/reference/gemm_ref.h"
#include "tests/support/buffers.h"

namespace qjit::testing {

class GemmTester {
 public:
  GemmTester& m(size_t v) { m_ = v; return *this; }
  GemmTester& n(size_t v) { n_ = v; return *this; }
  GemmTester& k(size_t v) { k_ = v; return *this; }
  GemmTester& lda_pad(size_t v) { lda_pad_ = v; return *this; }
  GemmTester& ldc_pad(size_t v) { ldc_pad_ = v; return *this; }
  GemmTester& a_zero_point(int32_t v) { a_zp_ = v; return *this; }
  // Weight zero points: 0 (symmetric) or non-zero, differing per column when per_channel.
  GemmTester& b_zero_point(bool v) { b_zp_ = v; return *this; }
  GemmTester& per_channel(bool v) { per_channel_ = v; return *this; }
  GemmTester& weight_range(int lo, int hi) { w_lo_ = lo; w_hi_ = hi; return *this; }
  // Every activation 255 and every weight 127: the worst case for VPMADDUBSW saturation.
  GemmTester& extremes(bool v) { extremes_ = v; return *this; }
  GemmTester& output(OutputKind v) { out_ = v; return *this; }
  GemmTester& formula(RequantFormula v) { formula_ = v; return *this; }
  GemmTester& bias(bool v) { bias_ = v; return *this; }
  GemmTester& relu(bool v) { relu_ = v; return *this; }
  GemmTester& row_scale(bool v) { row_scale_ = v; return *this; }
  GemmTester& isa(Isa v) { isa_ = v; return *this; }
  GemmTester& seed(uint32_t v) { seed_ = v; return *this; }

  std::string describe() const {
    return "M=" + std::to_string(m_) + " N=" + std::to_string(n_) + " K=" + std::to_string(k_) + " out=" +
           output_kind_name(out_) + (formula_ == RequantFormula::onednn ? " onednn" : " qnnpack") +
           (per_channel_ ? " per-channel" : " per-tensor") + (bias_ ? " bias" : "") + (relu_ ? " relu" : "") +
           (b_zp_ ? " b_zp" : "") + (row_scale_ ? " row_scale" : "") + " a_zp=" + std::to_string(a_zp_) +
           " w=[" + std::to_string(w_lo_) + "," + std::to_string(w_hi_) + "]" + (extremes_ ? " extremes" : "") +
           " isa=" + isa_name(isa_);
  }

  // Returns the layout the weights were packed in (so tests can check the mode chosen).
  GemmLayout test() const {
    SCOPED_TRACE(describe());
    std::mt19937 rng(seed_ ^ static_cast<uint32_t>(m_ * 7919 + n_ * 131 + k_));
    const size_t lda = k_ + lda_pad_, ldc = n_ + ldc_pad_;
    std::vector<uint8_t> a(m_ * lda);
    for (auto& v : a) v = extremes_ ? 255 : static_cast<uint8_t>(rng());
    std::vector<int8_t> b(k_ * n_);  // K x N
    std::uniform_int_distribution<int> wd(w_lo_, w_hi_);
    for (auto& v : b) v = extremes_ ? 127 : static_cast<int8_t>(wd(rng));
    WeightQParams q;
    const size_t nq = per_channel_ ? n_ : 1;
    q.scales.assign(nq, 0.01);
    q.zero_points.assign(nq, 0);
    if (b_zp_)
      for (size_t i = 0; i < nq; ++i) q.zero_points[i] = static_cast<int32_t>(rng() % 21) - 10;
    std::vector<int32_t> b_zp_cols(n_);
    for (size_t i = 0; i < n_; ++i) b_zp_cols[i] = q.zero_points[per_channel_ ? i : 0];

    const PackedWeights w(b.data(), WeightOrder::k_by_n, k_, n_, q, nullptr, isa_);
    std::vector<float> mult(n_), bias_f(n_), post(n_), rows(m_);
    std::vector<int32_t> bias_i(n_);
    for (size_t i = 0; i < n_; ++i) {
      mult[i] = 1e-4f + static_cast<float>(rng() % 1000) * 2e-6f;
      bias_f[i] = static_cast<float>(static_cast<int>(rng() % 20001) - 10000) * 0.31f;
      bias_i[i] = static_cast<int32_t>(rng() % 20001) - 10000;
      post[i] = static_cast<float>(static_cast<int>(rng() % 2001) - 1000) * 0.001f;
    }
    for (auto& r : rows) r = 0.5f + static_cast<float>(rng() % 100) * 0.01f;
    OutputStage s;
    if (out_ == OutputKind::u8 || out_ == OutputKind::s8) {
      s = requantize_stage(out_, formula_, mult.data(), per_channel_, out_ == OutputKind::u8 ? 17 : -3);
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
    const size_t out_size = output_kind_size(out_);
    std::vector<unsigned char> want(m_ * ldc * out_size, 0);
    ref::gemm_u8s8(a.data(), lda, a_zp_, b.data(), n_, b_zp_ ? b_zp_cols.data() : nullptr, m_, n_, k_, want.data(),
                   ldc, s);
    GuardedBuffer<unsigned char> got(m_ * ldc * out_size, 0);
    for (size_t i = 0; i < want.size(); ++i) got.set(i, 0);
    gemm(a.data(), lda, a_zp_, m_, w, got.data(), ldc, s, Exec{isa_});
    for (size_t r = 0; r < m_; ++r)
      for (size_t col = 0; col < n_; ++col)
        for (size_t byte = 0; byte < out_size; ++byte) {
          const size_t i = (r * ldc + col) * out_size + byte;
          if (got.get(i) != want[i]) {
            ADD_FAILURE() << "first mismatch at row " << r << " column " << col;
            return w.layout();
          }
        }
    EXPECT_TRUE(got.guards_intact()) << "wrote outside C";
    // Padding columns between rows (ldc > N) stay untouched.
    for (size_t i = 0; i < want.size(); ++i)
      if (got.get(i) != want[i]) {
        ADD_FAILURE() << "byte " << i << " outside the M x N result changed";
        break;
      }
    return w.layout();
  }

 private:
  size_t m_ = 1, n_ = 1, k_ = 1, lda_pad_ = 0, ldc_pad_ = 0;
  int32_t a_zp_ = 0;
  bool b_zp_ = false, per_channel_ = false, extremes_ = false, bias_ = false, relu_ = false, row_scale_ = false;
  int w_lo_ = -128, w_hi_ = 127;
  OutputKind out_ = OutputKind::s32;
  RequantFormula formula_ = RequantFormula::onednn;
  Isa isa_ = Isa::scalar;
  uint32_t seed_ = 1;
};

}  // namespace qjit::testing
