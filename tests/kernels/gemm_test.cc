// The int8 GEMM on every available path, bit-exact against ref::gemm_u8s8: M, N, K swept through every remainder
// of the tile (mr) and panel (nr) and K % 4, large shapes, padded strides, zero points, per-tensor and
// per-channel, every output stage, both weight layouts of the non-VNNI paths.
#include <gtest/gtest.h>

#include <tuple>

#include "base/error.h"
#include "jit/code_cache.h"
#include "jit/gemm_desc.h"
#include "kernels/gemm.h"
#include "tests/kernels/gemm_tester.h"
#include "tests/support/isa_sweep.h"
#include "tests/support/verbose_capture.h"

namespace qjit {
namespace {

using testing::for_each_isa;
using testing::GemmTester;

// Output stages every shape sweep runs.
std::vector<GemmTester> output_variants() {
  std::vector<GemmTester> v;
  v.push_back(GemmTester().output(OutputKind::s32).a_zero_point(0));
  v.push_back(GemmTester().output(OutputKind::s32).a_zero_point(131).b_zero_point(true).per_channel(true));
  v.push_back(GemmTester().output(OutputKind::u8).a_zero_point(43));
  v.push_back(GemmTester().output(OutputKind::u8).a_zero_point(43).per_channel(true).bias(true).relu(true));
  v.push_back(GemmTester().output(OutputKind::s8).formula(RequantFormula::qnnpack).a_zero_point(7).per_channel(true).bias(true));
  v.push_back(GemmTester().output(OutputKind::u8).formula(RequantFormula::qnnpack).a_zero_point(255).b_zero_point(true));
  v.push_back(GemmTester().output(OutputKind::f32).a_zero_point(99).per_channel(true).bias(true).row_scale(true));
  v.push_back(GemmTester().output(OutputKind::f32).a_zero_point(0));
  return v;
}

// Full-range weights need the exact s16x2 layout on AVX2/AVX-512BW; weights in [-64, 63] take u8x4-maddubs.
const std::pair<int, int> kWeightRanges[] = {{-128, 127}, {-64, 63}};

TEST(Gemm, KSweepCoversEveryKRemainderOnEveryPath) {
  for_each_isa([&](Isa isa) {
    for (auto [lo, hi] : kWeightRanges)
      for (const GemmTester& base : output_variants())
        for (size_t k = 1; k <= 70; ++k) {
          GemmTester(base).isa(isa).weight_range(lo, hi).m(7).n(17).k(k).test();
          if (::testing::Test::HasFailure()) return;
        }
  });
}

TEST(Gemm, MSweepCoversEveryTileRemainderOnEveryPath) {
  for_each_isa([&](Isa isa) {
    for (auto [lo, hi] : kWeightRanges)
      for (const GemmTester& base : output_variants())
        for (size_t m = 1; m <= 25; ++m) {
          GemmTester(base).isa(isa).weight_range(lo, hi).m(m).n(33).k(37).test();
          if (::testing::Test::HasFailure()) return;
        }
  });
}

TEST(Gemm, NSweepCoversEveryPanelRemainderOnEveryPath) {
  for_each_isa([&](Isa isa) {
    for (auto [lo, hi] : kWeightRanges)
      for (const GemmTester& base : output_variants())
        for (size_t n = 1; n <= 70; ++n) {
          GemmTester(base).isa(isa).weight_range(lo, hi).m(6).n(n).k(12).test();
          GemmTester(base).isa(isa).weight_range(lo, hi).m(3).n(n + 60).k(5).test();
          if (::testing::Test::HasFailure()) return;
        }
  });
}

TEST(Gemm, PaddedStridesLeaveTheGapsUntouched) {
  for_each_isa([&](Isa isa) {
    for (const GemmTester& base : output_variants()) {
      GemmTester(base).isa(isa).m(13).n(35).k(19).lda_pad(5).ldc_pad(7).test();
      GemmTester(base).isa(isa).m(1).n(70).k(64).lda_pad(64).ldc_pad(1).test();
    }
  });
}

TEST(Gemm, LargeShapesMatchOnEveryPath) {
  set_num_threads(2);
  for_each_isa([&](Isa isa) {
    // {3001, 40, 100}: s16x2 widens A block by block (1170 rows at K = 100): 3 blocks, the last partial, and a
    // last tile of 1 row; K = 100 leaves a tail of 4 elements in the 16-element widening.
    const size_t shapes[][3] = {{256, 384, 512}, {1, 1024, 256}, {4, 200, 1000}, {2000, 16, 36}, {37, 129, 1001},
                                {3001, 40, 100}};
    for (const auto& s : shapes) {
      GemmTester().isa(isa).m(s[0]).n(s[1]).k(s[2]).output(OutputKind::u8).a_zero_point(43).per_channel(true).bias(true).test();
      GemmTester().isa(isa).m(s[0]).n(s[1]).k(s[2]).output(OutputKind::s32).a_zero_point(5).weight_range(-64, 63).test();
    }
  });
}

TEST(Gemm, TallSkinnyCoversEveryNUpTo16WithHugeM) {
  // Tall-skinny: M far above one block of rows (M = 7777 spans several blocks at K = 36 and 100, with a partial
  // last block and a partial last tile), every N of a single narrow panel, K with and without a k-group tail.
  for_each_isa([&](Isa isa) {
    for (auto [lo, hi] : kWeightRanges)
      for (size_t k : {3, 36, 100})
        for (size_t n = 1; n <= 16; ++n) {
          GemmTester().isa(isa).weight_range(lo, hi).m(7777).n(n).k(k).output(OutputKind::u8).a_zero_point(43)
              .per_channel(true).bias(true).test();
          GemmTester().isa(isa).weight_range(lo, hi).m(1001).n(n).k(k).output(OutputKind::s32).a_zero_point(200)
              .b_zero_point(true).per_channel(true).test();
          if (::testing::Test::HasFailure()) return;
        }
  });
}

// Full-range weights in a single panel (N <= 8 or 16 on AVX2) take the kernel that widens 8 bytes of a row of A
// at a time (a_octets): every K % 8 tail, K below one octet, and every remainder of the 6-row tile. Weights in
// [65, 127] make every pair sum > 128, so the packer must take s16x2 whatever the random draw (from K = 2).
const std::pair<int, int> kSaturatingWeightRanges[] = {{-128, 127}, {65, 127}};

TEST(Gemm, SinglePanelExactPathCoversEveryKOctetRemainder) {
  for_each_isa([&](Isa isa) {
    for (auto [lo, hi] : kSaturatingWeightRanges)
      for (const GemmTester& base : output_variants())
        for (size_t n : {1, 4, 5, 8, 9, 16})
          for (size_t k = 1; k <= 70; ++k) {
            const GemmLayout l = GemmTester(base).isa(isa).weight_range(lo, hi).m(k % 2 ? 13 : 6).n(n).k(k).test();
            if (isa == Isa::avx2 && lo > 0 && k >= 2) EXPECT_EQ(l.dot, DotKind::madd16) << "K=" << k;
            if (::testing::Test::HasFailure()) return;
          }
  });
}

TEST(Gemm, SinglePanelExactPathCoversEveryTileRemainder) {
  for_each_isa([&](Isa isa) {
    for (const GemmTester& base : output_variants())
      for (size_t n : {4, 16})
        for (size_t m = 1; m <= 25; ++m) {
          GemmTester(base).isa(isa).weight_range(65, 127).m(m).n(n).k(36).test();
          GemmTester(base).isa(isa).weight_range(-128, -65).m(m).n(n).k(7).lda_pad(3).test();
          if (::testing::Test::HasFailure()) return;
        }
    GemmTester().isa(isa).extremes(true).m(20).n(8).k(71).output(OutputKind::s32).test();
  });
}

TEST(Gemm, SinglePanelExactPathIsTheOctetKernelOnAvx2) {
  if (!isa_available(Isa::avx2)) GTEST_SKIP() << "needs the AVX2 path (CPU and QJIT_MAX_ISA)";
  auto kernel_of = [](size_t n) {
    return testing::capture_verbose(
        [&] { GemmTester().isa(Isa::avx2).weight_range(65, 127).m(12).n(n).k(36).output(OutputKind::u8).test(); });
  };
  EXPECT_NE(kernel_of(4).find("_a8"), std::string::npos) << kernel_of(4);
  EXPECT_NE(kernel_of(16).find("_a8"), std::string::npos) << kernel_of(16);
  EXPECT_EQ(kernel_of(17).find("_a8"), std::string::npos) << kernel_of(17);  // two panels: A widened by the driver
}

TEST(Gemm, ExtremeInputsAreExactWhereVpmaddubswWouldSaturate) {
  // 255 x 127 in every pair: VPMADDUBSW would saturate at 32767; the packer must pick an exact layout.
  for_each_isa([&](Isa isa) {
    for (size_t k : {1, 2, 3, 4, 64, 255, 1000}) {
      const GemmLayout l = GemmTester().isa(isa).extremes(true).m(9).n(20).k(k).output(OutputKind::s32).test();
      if (k >= 2) EXPECT_NE(l.dot, DotKind::maddubs) << "K=" << k;  // K = 1 pairs each weight with a zero pad
    }
  });
}

TEST(Gemm, PackerChoosesMaddubsOnlyForWeightsThatCannotSaturate) {
  if (!isa_available(Isa::avx2)) GTEST_SKIP() << "needs the AVX2 path (CPU and QJIT_MAX_ISA)";
  std::vector<int8_t> w(64 * 16, 64);  // pairs sum to 128: still exact
  EXPECT_EQ(PackedWeights(w.data(), WeightOrder::k_by_n, 64, 16, {}, nullptr, Isa::avx2).layout().dot, DotKind::maddubs);
  w[16 * 10 + 3] = 65;  // one pair (k = 10, 11) of column 3 sums to 129
  EXPECT_EQ(PackedWeights(w.data(), WeightOrder::k_by_n, 64, 16, {}, nullptr, Isa::avx2).layout().dot, DotKind::madd16);
  std::fill(w.begin(), w.end(), -64);  // -128 is fine too
  EXPECT_EQ(PackedWeights(w.data(), WeightOrder::k_by_n, 64, 16, {}, nullptr, Isa::avx2).layout().dot, DotKind::maddubs);
}

TEST(Gemm, CallerPartitionSharesTogetherComputeTheWholeResult) {
  // An engine with its own pool calls gemm from each of its threads with its share; splitting by panels
  // (wide N) and by rows (narrow N) both have to tile C exactly.
  for (auto [M, N, K] : {std::tuple<size_t, size_t, size_t>{50, 200, 64}, {300, 8, 36}, {7, 1000, 33}}) {
    std::vector<uint8_t> a(M * K);
    std::vector<int8_t> b(K * N);
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(i * 7 + 3);
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<int8_t>(i * 13 + 1);
    const PackedWeights w(b.data(), WeightOrder::k_by_n, K, N, {}, nullptr, max_isa());
    std::vector<int32_t> want(M * N), got(M * N, 0);
    gemm(a.data(), K, 9, M, w, want.data(), N, OutputStage{}, Exec{max_isa(), nullptr, 1});
    for (int count : {2, 3, 5}) {
      std::fill(got.begin(), got.end(), 0);
      for (int id = 0; id < count; ++id) {
        const Partition p{id, count};
        gemm(a.data(), K, 9, M, w, got.data(), N, OutputStage{}, Exec{max_isa(), &p, 0});
      }
      EXPECT_EQ(got, want) << "M=" << M << " N=" << N << " shares=" << count;
    }
  }
}

TEST(Gemm, NewShapesReuseTheCachedMicrokernels) {
  // The cache is keyed by the microkernel (tile rows, K % 4, partial panel width, output stage), not the problem:
  // shapes that differ only in whole tiles, whole panels and whole k groups generate nothing new.
  if (!cpu_has(Isa::avx2)) GTEST_SKIP() << "needs a JIT path";
  const Isa isa = max_isa();
  auto run = [&](size_t M, size_t N, size_t K) {
    std::vector<uint8_t> a(M * K, 7);
    std::vector<int8_t> b(K * N, 3);
    const PackedWeights w(b.data(), WeightOrder::k_by_n, K, N, {}, nullptr, isa);
    std::vector<int32_t> c(M * N);
    gemm(a.data(), K, 1, M, w, c.data(), N, OutputStage{}, Exec{isa, nullptr, 1});
  };
  run(12, 64, 32);
  const size_t generated = CodeCache<GemmUkernelDesc>::instance().size();
  for (size_t m : {6, 18, 60})
    for (size_t n : {128, 192})  // whole panels on every path (16 or 64 wide)
      for (size_t k : {8, 64, 512}) run(m, n, k);
  EXPECT_EQ(CodeCache<GemmUkernelDesc>::instance().size(), generated);
}

TEST(Gemm, BadArgumentsThrowErrorsNamingTheArgument) {
  std::vector<int8_t> b(8 * 4, 1);
  const PackedWeights w(b.data(), WeightOrder::k_by_n, 8, 4, {}, nullptr, Isa::scalar);
  std::vector<uint8_t> a(3 * 8);
  std::vector<int32_t> c(3 * 4);
  auto expect_error = [](auto&& call, const std::string& needle) {
    try {
      call();
      ADD_FAILURE() << "no qjit::Error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const OutputStage s32;
  expect_error([&] { gemm(a.data(), 7, 0, 3, w, c.data(), 4, s32, Exec{Isa::scalar}); }, "lda = 7");
  expect_error([&] { gemm(a.data(), 8, 0, 3, w, c.data(), 3, s32, Exec{Isa::scalar}); }, "ldc = 3");
  expect_error([&] { gemm(a.data(), 8, 256, 3, w, c.data(), 4, s32, Exec{Isa::scalar}); }, "a_zero_point = 256");
  expect_error([&] { gemm(nullptr, 8, 0, 3, w, c.data(), 4, s32, Exec{Isa::scalar}); }, "a = null");
  const float zero = 0.0f;
  expect_error([&] { gemm(a.data(), 8, 0, 3, w, c.data(), 4, requantize_stage(OutputKind::u8, RequantFormula::onednn, &zero, false, 0), Exec{Isa::scalar}); },
               "out.multiplier[0] = 0");
  if (isa_available(Isa::avx2))
    expect_error([&] { gemm(a.data(), 8, 0, 3, w, c.data(), 4, s32, Exec{Isa::avx2}); }, "packed for (scalar)");
  expect_error([&] { PackedWeights(b.data(), WeightOrder::k_by_n, 0, 4, {}); }, "K = 0");
  expect_error([&] { PackedWeights(b.data(), WeightOrder::k_by_n, 8, 4, WeightQParams{{0.1, 0.2}, {0}}); }, "scales.size() = 2");
  expect_error([&] { PackedWeights(b.data(), WeightOrder::k_by_n, 8, 4, WeightQParams{{-0.1}, {0}}); }, "scales[0] = -0.1");
}

}  // namespace
}  // namespace qjit
