// PackedWeights: the packed panels give back the weights, serialization round-trips, a blob from another layout is
// repacked on load, and truncated or corrupt blobs are qjit::Errors.
#include "packing/packed_weights.h"

#include <gtest/gtest.h>

#include <random>

#include "base/error.h"
#include "kernels/gemm.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

std::vector<int8_t> random_weights(size_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> w(n);
  for (auto& v : w) v = static_cast<int8_t>(d(rng));
  return w;
}

TEST(PackedWeights, UnpackGivesBackTheWeightsInBothOrdersOnEveryPath) {
  testing::for_each_isa([](Isa isa) {
    for (auto [K, N] : {std::pair<size_t, size_t>{1, 1}, {3, 17}, {64, 16}, {37, 65}, {130, 3}})
      for (auto [lo, hi] : {std::pair<int, int>{-128, 127}, {-64, 63}}) {
        const auto nk = random_weights(K * N, lo, hi, static_cast<uint32_t>(K * N));
        const PackedWeights w(nk.data(), WeightOrder::n_by_k, K, N, {}, nullptr, isa);
        EXPECT_EQ(w.unpack(WeightOrder::n_by_k), nk) << w.describe();
        const auto kn = w.unpack(WeightOrder::k_by_n);
        for (size_t k = 0; k < K; ++k)
          for (size_t n = 0; n < N; ++n) ASSERT_EQ(kn[k * N + n], nk[n * K + k]);
        for (size_t n = 0; n < N; ++n) {
          int32_t s = 0;
          for (size_t k = 0; k < K; ++k) s += nk[n * K + k];
          EXPECT_EQ(w.col_sums()[n], s);
        }
      }
  });
}

// On ymm paths, 17..24 columns take three 8-wide panels instead of two 16-wide ones (the second half empty); the
// zmm paths and every other N keep their widths.
TEST(PackedWeights, SeventeenToTwentyFourColumnsTakeEightWidePanelsOnYmm) {
  for (bool fit : {false, true})
    for (size_t N = 1; N <= 80; ++N) {
      const size_t want = N <= 8 ? 8 : N > 16 && N <= 24 ? 8 : 16;
      EXPECT_EQ(gemm_layout(Isa::avx2, fit, N).nr, static_cast<int>(want)) << "N=" << N;
      EXPECT_EQ(gemm_layout(Isa::avx2_vnni, fit, N).nr, static_cast<int>(want)) << "N=" << N;
      EXPECT_EQ(gemm_layout(Isa::avx512, fit, N).nr, N <= 16 ? 16 : N <= 32 ? 32 : 64) << "N=" << N;
    }
}

TEST(PackedWeights, EightWidePanelsOfTwentyFourColumnsRoundTripAndUnpackOnEveryPath) {
  testing::for_each_isa([](Isa isa) {
    const size_t K = 37, N = 24;
    const auto nk = random_weights(K * N, -128, 127, 24);
    const PackedWeights w(nk.data(), WeightOrder::n_by_k, K, N, {}, nullptr, isa);
    EXPECT_EQ(w.unpack(WeightOrder::n_by_k), nk) << w.describe();
    const auto blob = w.serialize();
    const PackedWeights r = PackedWeights::deserialize(blob.data(), blob.size(), isa);
    EXPECT_TRUE(r.layout() == w.layout()) << r.describe();
    EXPECT_EQ(r.unpack(WeightOrder::n_by_k), nk);
  });
}

TEST(PackedWeights, SerializeRoundTripKeepsWeightsQParamsAndBias) {
  const size_t K = 45, N = 19;
  const auto nk = random_weights(K * N, -128, 127, 5);
  WeightQParams q{{}, {}};
  for (size_t n = 0; n < N; ++n) {
    q.scales.push_back(0.001 * static_cast<double>(n + 1));
    q.zero_points.push_back(static_cast<int32_t>(n % 5) - 2);
  }
  std::vector<float> bias(N);
  for (size_t n = 0; n < N; ++n) bias[n] = 0.25f * static_cast<float>(n) - 1.0f;
  const PackedWeights w(nk.data(), WeightOrder::n_by_k, K, N, q, bias.data());
  const std::vector<uint8_t> blob = w.serialize();
  const PackedWeights r = PackedWeights::deserialize(blob.data(), blob.size());
  EXPECT_EQ(r.K(), K);
  EXPECT_EQ(r.N(), N);
  EXPECT_EQ(r.unpack(WeightOrder::n_by_k), nk);
  EXPECT_EQ(r.qparams().scales, q.scales);
  EXPECT_EQ(r.qparams().zero_points, q.zero_points);
  EXPECT_EQ(r.bias(), bias);
  EXPECT_TRUE(r.layout() == w.layout());
  EXPECT_TRUE(r.has_zero_points());
}

TEST(PackedWeights, BlobPackedForAnotherPathIsRepackedForThisOne) {
  const size_t K = 33, N = 70;
  const auto nk = random_weights(K * N, -128, 127, 9);
  const PackedWeights scalar(nk.data(), WeightOrder::n_by_k, K, N, {}, nullptr, Isa::scalar);
  const auto blob = scalar.serialize();
  for (Isa isa : available_isas()) {
    const PackedWeights r = PackedWeights::deserialize(blob.data(), blob.size(), isa);
    EXPECT_TRUE(r.layout() == gemm_layout(isa, weight_pairs_fit_int16(scalar.unpack(WeightOrder::k_by_n).data(), N, K, N), N))
        << isa_name(isa);
    EXPECT_EQ(r.unpack(WeightOrder::n_by_k), nk) << isa_name(isa);
    // And it computes: the same s32 GEMM as the scalar path.
    std::vector<uint8_t> a(5 * K, 200);
    std::vector<int32_t> want(5 * N), got(5 * N);
    gemm(a.data(), K, 3, 5, scalar, want.data(), N, OutputStage{}, Exec{Isa::scalar});
    gemm(a.data(), K, 3, 5, r, got.data(), N, OutputStage{}, Exec{isa});
    EXPECT_EQ(got, want) << isa_name(isa);
  }
}

TEST(PackedWeights, TruncatedBlobIsAnErrorAtEveryLength) {
  const auto nk = random_weights(8 * 5, -5, 5, 1);
  const auto blob = PackedWeights(nk.data(), WeightOrder::n_by_k, 8, 5, {}).serialize();
  for (size_t len = 0; len < blob.size(); ++len)
    EXPECT_THROW(PackedWeights::deserialize(blob.data(), len), Error) << "length " << len;
}

TEST(PackedWeights, CorruptBlobIsAnErrorNamingTheChecksum) {
  const auto nk = random_weights(8 * 5, -5, 5, 1);
  const auto blob = PackedWeights(nk.data(), WeightOrder::n_by_k, 8, 5, {}).serialize();
  for (size_t i = 8; i < blob.size(); i += 7) {
    auto bad = blob;
    bad[i] ^= 0x10;
    EXPECT_THROW(PackedWeights::deserialize(bad.data(), bad.size()), Error) << "byte " << i;
  }
  auto bad = blob;
  bad[bad.size() / 2] ^= 1;
  try {
    PackedWeights::deserialize(bad.data(), bad.size());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
  auto wrong_magic = blob;
  wrong_magic[0] = 'X';
  EXPECT_THROW(PackedWeights::deserialize(wrong_magic.data(), wrong_magic.size()), Error);
}

TEST(PackedWeights, BadArgumentsAreErrors) {
  std::vector<int8_t> w(12, 1);
  EXPECT_THROW(PackedWeights(nullptr, WeightOrder::n_by_k, 3, 4, {}), Error);
  EXPECT_THROW(PackedWeights(w.data(), WeightOrder::n_by_k, 3, 0, {}), Error);
  EXPECT_THROW(PackedWeights(w.data(), WeightOrder::n_by_k, 3, 4, WeightQParams{{0.1}, {200}}), Error);
  const float nan_bias[4] = {0, 0, NAN, 0};
  EXPECT_THROW(PackedWeights(w.data(), WeightOrder::n_by_k, 3, 4, {}, nan_bias), Error);
}

}  // namespace
}  // namespace qjit
