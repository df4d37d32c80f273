// PackOptions::a7_panels through serialization: the option is stored (format version 2) and the a7 panels are
// rebuilt on load, for PackedWeights and PackedConvWeights; version 1 blobs (written before the option existed)
// still load, with the option off; unknown option bits are an error. The loaded weights compute what the
// original ones do.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/gemm.h"
#include "packing/blob.h"
#include "packing/packed_conv_weights.h"
#include "packing/packed_weights.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

// Random int8 weights, with w[first] = w[second] = 127: make them the two weights of one k pair of one column,
// which then cannot use maddubs on 8-bit activations (the exact layout is s16x2 on avx2 / avx512).
std::vector<int8_t> full_range_weights(size_t n, uint32_t seed, size_t first, size_t second) {
  std::mt19937 rng(seed);
  std::vector<int8_t> w(n);
  for (auto& v : w) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
  w[first] = w[second] = 127;
  return w;
}

// The blob with its u32 options field at `at` removed and its version set to 1: what a build before the option
// wrote (crc recomputed).
template <size_t N>
std::vector<uint8_t> as_version_1(const std::vector<uint8_t>& blob, size_t at, const char (&magic)[N]) {
  static_assert(N == 9);  // 8 bytes and the literal's terminator
  std::vector<uint8_t> body(blob.begin() + 8, blob.end() - 4);
  body.erase(body.begin() + static_cast<ptrdiff_t>(at - 8), body.begin() + static_cast<ptrdiff_t>(at - 8 + 4));
  const uint32_t v1 = 1;
  std::memcpy(body.data(), &v1, 4);
  char m[8];
  std::memcpy(m, magic, 8);
  BlobWriter w(m);
  w.put_bytes(body.data(), body.size());
  return w.finish();
}

// The blob with its u32 at `at` replaced by `value` (crc recomputed).
std::vector<uint8_t> with_u32(const std::vector<uint8_t>& blob, size_t at, uint32_t value) {
  std::vector<uint8_t> body(blob.begin() + 8, blob.end() - 4);
  std::memcpy(body.data() + at - 8, &value, 4);
  char m[8];
  std::memcpy(m, blob.data(), 8);
  BlobWriter w(m);
  w.put_bytes(body.data(), body.size());
  return w.finish();
}

// Offsets of the options field: magic 8 | version 4 | 5 x u32 | 6 x u64 (PackedWeights);
// magic 8 | version 4 | 9 x u64 (PackedConvWeights).
constexpr size_t kWeightsOptionsAt = 8 + 4 + 5 * 4 + 6 * 8;
constexpr size_t kConvOptionsAt = 8 + 4 + 9 * 8;

std::vector<int32_t> run_gemm(const PackedWeights& w, const std::vector<uint8_t>& a, size_t M, Isa isa) {
  std::vector<int32_t> c(M * w.N());
  gemm(a.data(), w.K(), 3, M, w, c.data(), w.N(), OutputStage{}, Exec{isa});
  return c;
}

TEST(A7PanelsSerialization, PackedWeightsKeepTheOptionAndRebuildThePanelsOnLoad) {
  testing::for_each_isa([](Isa isa) {
    const size_t K = 37, N = 21, M = 5;
    const auto kn = full_range_weights(K * N, 3, 0, N);
    const PackedWeights w(kn.data(), WeightOrder::k_by_n, K, N, {}, nullptr, isa, PackOptions{true});
    const std::vector<uint8_t> blob = w.serialize();
    const PackedWeights back = PackedWeights::deserialize(blob.data(), blob.size(), isa);
    EXPECT_TRUE(back.options().a7_panels);
    EXPECT_EQ(back.has_a7_panels(), w.has_a7_panels());
    EXPECT_EQ(back.describe(), w.describe());
    std::vector<uint8_t> a(M * K);
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(i * 37 % 128);
    EXPECT_EQ(run_gemm(back, a, M, isa), run_gemm(w, a, M, isa));
    a[7] = 255;
    EXPECT_EQ(run_gemm(back, a, M, isa), run_gemm(w, a, M, isa));
  });
}

TEST(A7PanelsSerialization, ABlobFromThePlainScalarPathGetsA7PanelsOnlyIfItAskedForThem) {
  // The scalar path never keeps a7 panels, but the option travels with the blob to a path that does.
  const size_t K = 16, N = 9;
  const auto kn = full_range_weights(K * N, 5, 0, N);
  const PackedWeights w(kn.data(), WeightOrder::k_by_n, K, N, {}, nullptr, Isa::scalar, PackOptions{true});
  EXPECT_FALSE(w.has_a7_panels());
  const std::vector<uint8_t> blob = w.serialize();
  testing::for_each_isa([&](Isa isa) {
    const PackedWeights back = PackedWeights::deserialize(blob.data(), blob.size(), isa);
    EXPECT_EQ(back.has_a7_panels(), isa == Isa::avx2 || isa == Isa::avx512) << back.describe();
  });
}

TEST(A7PanelsSerialization, PackedWeightsVersion1BlobsStillLoadWithTheOptionOff) {
  testing::for_each_isa([](Isa isa) {
    const size_t K = 9, N = 30;
    const auto kn = full_range_weights(K * N, 9, 0, N);
    const PackedWeights w(kn.data(), WeightOrder::k_by_n, K, N, {}, nullptr, isa, PackOptions{true});
    const char magic[9] = "QJITPW\0";
    const std::vector<uint8_t> v1 = as_version_1(w.serialize(), kWeightsOptionsAt, magic);
    const PackedWeights back = PackedWeights::deserialize(v1.data(), v1.size(), isa);
    EXPECT_FALSE(back.options().a7_panels);
    EXPECT_FALSE(back.has_a7_panels());
    EXPECT_EQ(back.unpack(WeightOrder::k_by_n), kn);
  });
}

TEST(A7PanelsSerialization, UnknownOptionBitsAreAnError) {
  const auto kn = full_range_weights(8 * 8, 1, 0, 8);
  const PackedWeights w(kn.data(), WeightOrder::k_by_n, 8, 8, {}, nullptr, Isa::scalar, PackOptions{true});
  const auto bad = with_u32(w.serialize(), kWeightsOptionsAt, 6);
  test::expect_error([&] { PackedWeights::deserialize(bad.data(), bad.size(), Isa::scalar); },
                     {"PackedWeights::deserialize", "options", "6", "unknown bits"});
  const int8_t cw[2 * 3 * 9] = {};
  const PackedConvWeights c(ConvWeightShape{2, 3, 1, {1, 3, 3}}, cw, {}, nullptr, Isa::scalar, PackOptions{true});
  const auto bad_conv = with_u32(c.serialize(), kConvOptionsAt, 2);
  test::expect_error([&] { PackedConvWeights::deserialize(bad_conv.data(), bad_conv.size(), Isa::scalar); },
                     {"PackedConvWeights::deserialize", "options", "2", "unknown bits"});
}

TEST(A7PanelsSerialization, PackedConvWeightsKeepTheOptionAndVersion1BlobsStillLoad) {
  testing::for_each_isa([](Isa isa) {
    const ConvWeightShape shape{12, 6, 2, {1, 3, 3}};
    const auto w = full_range_weights(shape.elements(), 4, 0, 9);  // k 0, 1 = channels 0, 1 at tap 0
    const PackedConvWeights packed(shape, w.data(), {}, nullptr, isa, PackOptions{true});
    EXPECT_EQ(packed.group(0).has_a7_panels(), isa == Isa::avx2 || isa == Isa::avx512) << packed.describe();
    const std::vector<uint8_t> blob = packed.serialize();
    const PackedConvWeights back = PackedConvWeights::deserialize(blob.data(), blob.size(), isa);
    EXPECT_EQ(back.describe(), packed.describe());
    for (size_t g = 0; g < back.groups(); ++g) EXPECT_EQ(back.group(g).has_a7_panels(), packed.group(g).has_a7_panels());
    EXPECT_EQ(back.unpack(), w);
    const char magic[9] = "QJITPCW";
    const std::vector<uint8_t> v1 = as_version_1(blob, kConvOptionsAt, magic);
    const PackedConvWeights old = PackedConvWeights::deserialize(v1.data(), v1.size(), isa);
    EXPECT_FALSE(old.group(0).has_a7_panels());
    EXPECT_EQ(old.unpack(), w);
  });
}

}  // namespace
}  // namespace qjit
