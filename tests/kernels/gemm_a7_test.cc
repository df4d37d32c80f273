// The GEMM's 7-bit activation fast path (PackOptions::a7_panels): full-range 8-bit weights, bit-exact against
// ref::gemm_u8s8 on every path, with every activation <= 127 (the u8x4 panels must run: checked on the verbose
// line) and with one activation of 128 or 255 anywhere (the exact s16x2 panels must run); every output stage,
// per tensor and per channel, zero points, shapes sweeping the remainders of mr, nr and the k groups.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/reference/gemm_ref.h"
#include "tests/kernels/a7_case.h"
#include "tests/kernels/quant_kernel_tester.h"
#include "tests/support/buffers.h"
#include "tests/support/isa_sweep.h"
#include "tests/support/verbose_capture.h"

namespace qjit {
namespace {

using namespace qjit::testing;

struct GemmA7Case {
  size_t M = 1, N = 1, K = 1, lda_pad = 0;
  int a_hi = 127;
  int spike = -1;  // a value put at one random position of A, or -1
  int32_t a_zp = 0;
  bool w_zp = false;
  OutputStageOptions stage;
  Isa isa = Isa::scalar;
  uint32_t seed = 1;

  std::string describe() const {
    return "M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
           " lda_pad=" + std::to_string(lda_pad) + " a_hi=" + std::to_string(a_hi) + " spike=" + std::to_string(spike) +
           " a_zp=" + std::to_string(a_zp) + " w_zp=" + std::to_string(w_zp) + " out=" + output_kind_name(stage.out) +
           (stage.formula == RequantFormula::onednn ? " onednn" : " qnnpack") +
           (stage.per_channel ? " per_channel" : "") + (stage.bias ? " bias" : "") + (stage.relu ? " relu" : "") +
           " isa=" + isa_name(isa);
  }

  void test() const {
    SCOPED_TRACE(describe());
    std::mt19937 rng(seed ^ static_cast<uint32_t>(M * 7919 + N * 131 + K));
    const size_t lda = K + lda_pad, ldc = N;
    std::vector<uint8_t> a = a7_activations(rng, M, K, lda, a_hi);
    if (spike >= 0) a[(rng() % M) * lda + rng() % K] = static_cast<uint8_t>(spike);
    RandomWeights b(rng, K * N, N, -128, 127, stage.per_channel, w_zp);
    add_saturating_columns(b.values, K, N);
    const PackedWeights w(b.values.data(), WeightOrder::k_by_n, K, N, b.qparams, nullptr, isa, PackOptions{true});
    // With K >= 2, column 0's pair 127 + 127 needs s16x2 on the saturating paths; K = 1 has no pair (u8x4 fits).
    EXPECT_EQ(w.has_a7_panels(), a7_panels_expected(isa) && K > 1) << w.describe();
    const RandomOutputStage st(rng, stage, N, M, 1e-4f, 2e-6f, 1.0f, 17);
    const OutputStage& s = st.stage();

    const size_t out_size = output_kind_size(stage.out);
    std::vector<unsigned char> want(M * ldc * out_size, 0);
    ref::gemm_u8s8(a.data(), lda, a_zp, b.values.data(), N, b.reference_zero_points(), M, N, K, want.data(), ldc, s);
    GuardedBuffer<unsigned char> got(M * ldc * out_size, 0);
    const std::string log = capture_verbose([&] { gemm(a.data(), lda, a_zp, M, w, got.data(), ldc, s, Exec{isa}); });
    const bool a_fits = spike < 0 || spike <= 127;
    const A7Ran expected = !w.has_a7_panels() ? A7Ran::none : a_fits ? A7Ran::u8x4 : A7Ran::s16x2;
    EXPECT_EQ(a7_ran(log, "gemm"), expected) << "ran " << a7_ran_name(a7_ran(log, "gemm")) << "; log: " << log;
    if (!expect_outputs_equal(got, want, M, N, ldc, out_size, "row", "column")) return;
    EXPECT_TRUE(got.guards_intact()) << "wrote outside C";
  }
};

const OutputStageOptions kStages[] = {
    {OutputKind::s32, RequantFormula::onednn, false, false, false, false},
    {OutputKind::u8, RequantFormula::onednn, false, true, false, false},
    {OutputKind::u8, RequantFormula::qnnpack, true, true, true, false},
    {OutputKind::s8, RequantFormula::onednn, true, true, false, false},
    {OutputKind::s8, RequantFormula::qnnpack, false, false, true, false},
    {OutputKind::f32, RequantFormula::onednn, true, true, false, true},
    {OutputKind::f32, RequantFormula::onednn, false, false, false, false},
};

TEST(GemmA7, ShapesSweepingRemaindersWithActivationsUpTo127TakeTheU8x4PanelsAndMatchTheReference) {
  for_each_isa([](Isa isa) {
    for (size_t M : {1, 2, 5, 6, 7, 13})
      for (size_t N : {1, 2, 7, 8, 9, 15, 16, 17, 33})
        for (size_t K : {1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 67}) {
          GemmA7Case c;
          c.M = M, c.N = N, c.K = K, c.isa = isa;
          c.test();
          if (::testing::Test::HasFailure()) return;
        }
  });
}

TEST(GemmA7, OneActivationAbove127AnywhereFallsBackToTheExactPanels) {
  for_each_isa([](Isa isa) {
    for (int spike : {128, 200, 255})
      for (size_t M : {1, 6, 7, 19})
        for (size_t N : {1, 9, 16, 40})
          for (size_t K : {1, 3, 4, 17, 100}) {
            GemmA7Case c;
            c.M = M, c.N = N, c.K = K, c.isa = isa, c.spike = spike, c.seed = static_cast<uint32_t>(spike);
            c.test();
            if (::testing::Test::HasFailure()) return;
          }
  });
}

TEST(GemmA7, EveryOutputStageWithZeroPointsPerTensorAndPerChannel) {
  for_each_isa([](Isa isa) {
    for (const OutputStageOptions& st : kStages)
      for (bool w_zp : {false, true})
        for (int32_t a_zp : {0, 64, 127})
          for (int spike : {-1, 128})
            for (size_t shape : {0, 1, 2}) {
              GemmA7Case c;
              const size_t Ms[] = {1, 7, 25}, Ns[] = {5, 16, 50}, Ks[] = {3, 32, 129};
              c.M = Ms[shape], c.N = Ns[shape], c.K = Ks[shape];
              c.stage = st, c.w_zp = w_zp, c.a_zp = a_zp, c.spike = spike, c.isa = isa, c.lda_pad = shape;
              c.test();
              if (::testing::Test::HasFailure()) return;
            }
  });
}

TEST(GemmA7, LargeProblemsAcrossBlocksAndThreads) {
  for_each_isa([](Isa isa) {
    for (int spike : {-1, 255}) {
      GemmA7Case c;
      c.M = 301, c.N = 250, c.K = 1001, c.lda_pad = 3, c.isa = isa, c.spike = spike;
      c.stage = kStages[2];
      c.test();
    }
  });
}

TEST(GemmA7, WithoutTheOptionNoA7PanelsAreKeptAndTheLogSaysNothingOfThem) {
  for_each_isa([](Isa isa) {
    std::vector<int8_t> kn(40 * 20, 1);
    add_saturating_columns(kn, 40, 20);
    const PackedWeights plain(kn.data(), WeightOrder::k_by_n, 40, 20, {}, nullptr, isa);
    EXPECT_FALSE(plain.has_a7_panels());
    std::vector<uint8_t> a(3 * 40, 100);
    std::vector<int32_t> c(3 * 20);
    const std::string log = capture_verbose([&] { gemm(a.data(), 40, 0, 3, plain, c.data(), 20, OutputStage{}, Exec{isa}); });
    EXPECT_EQ(a7_ran(log, "gemm"), A7Ran::none) << log;
    // Weights whose pairs fit int16 already run u8x4 (or VNNI): the option keeps nothing more.
    std::vector<int8_t> small(40 * 20, 60);
    const PackedWeights fit(small.data(), WeightOrder::k_by_n, 40, 20, {}, nullptr, isa, PackOptions{true});
    EXPECT_FALSE(fit.has_a7_panels()) << fit.describe();
  });
}

TEST(GemmA7, DescribeNamesTheA7Panels) {
  if (!isa_available(Isa::avx2)) GTEST_SKIP() << "no avx2 path";
  std::vector<int8_t> kn(8 * 4, 127);
  const PackedWeights w(kn.data(), WeightOrder::k_by_n, 8, 4, {}, nullptr, Isa::avx2, PackOptions{true});
  EXPECT_EQ(w.describe(), "K=8:N=4:layout=s16x2-madd:nr=8:a7=u8x4-maddubs");
}

}  // namespace
}  // namespace qjit
