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
#include "tests/kernels/quant_kernel_tester.h"
#include "tests/support/buffers.h"

namespace qjit::testing {

class GemmTester : public QuantKernelOptions<GemmTester> {
 public:
  GemmTester& m(size_t v) { m_ = v; return *this; }
  GemmTester& n(size_t v) { n_ = v; return *this; }
  GemmTester& k(size_t v) { k_ = v; return *this; }
  GemmTester& lda_pad(size_t v) { lda_pad_ = v; return *this; }
  GemmTester& ldc_pad(size_t v) { ldc_pad_ = v; return *this; }
  GemmTester& a_zero_point(int32_t v) { x_zp_ = v; return *this; }
  // Weight zero points: 0 (symmetric) or non-zero, differing per column when per_channel.
  GemmTester& b_zero_point(bool v) { w_zp_ = v; return *this; }
  // Every activation 255 and every weight 127: the worst case for VPMADDUBSW saturation.
  GemmTester& extremes(bool v) { extremes_ = v; return *this; }

  std::string describe() const {
    return "M=" + std::to_string(m_) + " N=" + std::to_string(n_) + " K=" + std::to_string(k_) +
           describe_options("b_zp", "a_zp") + (extremes_ ? " extremes" : "") + " isa=" + isa_name(isa_);
  }

  // Returns the layout the weights were packed in (so tests can check the mode chosen).
  GemmLayout test() const {
    SCOPED_TRACE(describe());
    std::mt19937 rng(seed_ ^ static_cast<uint32_t>(m_ * 7919 + n_ * 131 + k_));
    const size_t lda = k_ + lda_pad_, ldc = n_ + ldc_pad_;
    const std::vector<uint8_t> a = random_activations(rng, m_ * lda, extremes_);
    const RandomWeights b(rng, k_ * n_, n_, w_lo_, w_hi_, per_channel_, w_zp_, extremes_);  // K x N
    const PackedWeights w(b.values.data(), WeightOrder::k_by_n, k_, n_, b.qparams, nullptr, isa_);
    const RandomOutputStage stage(rng, stage_options(), n_, m_, 1e-4f, 2e-6f, 1.0f, 17);
    const OutputStage& s = stage.stage();

    const size_t out_size = output_kind_size(out_);
    std::vector<unsigned char> want(m_ * ldc * out_size, 0);
    ref::gemm_u8s8(a.data(), lda, x_zp_, b.values.data(), n_, b.reference_zero_points(), m_, n_, k_, want.data(),
                   ldc, s);
    GuardedBuffer<unsigned char> got(m_ * ldc * out_size, 0);
    for (size_t i = 0; i < want.size(); ++i) got.set(i, 0);
    gemm(a.data(), lda, x_zp_, m_, w, got.data(), ldc, s, Exec{isa_});
    if (!expect_outputs_equal(got, want, m_, n_, ldc, out_size, "row", "column")) return w.layout();
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
  bool extremes_ = false;
};

}  // namespace qjit::testing
