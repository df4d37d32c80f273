// PackedConvWeights serialization: a blob gives back the shape, weights, qparams and bias, loads on every path (and
// computes there what the original computes), and truncated, corrupt or forged blobs are qjit::Errors.
#include "packing/packed_conv_weights.h"

#include <gtest/gtest.h>

#include <random>

#include "base/error.h"
#include "kernels/conv.h"
#include "packing/blob.h"
#include "tests/qlayers/expect_error.h"

namespace qjit {
namespace {

std::vector<int8_t> random_weights(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> w(n);
  for (auto& v : w) v = static_cast<int8_t>(d(rng));
  return w;
}

ConvWeightShape grouped_3x3() {
  ConvWeightShape s;
  s.out_channels = 6;
  s.in_channels = 4;
  s.groups = 2;
  s.kernel = {1, 3, 3};
  return s;
}

TEST(PackedConvWeights, SerializeRoundTripKeepsShapeWeightsQParamsAndBias) {
  const ConvWeightShape shape = grouped_3x3();
  const auto w = random_weights(shape.elements(), 1);
  WeightQParams q{{}, {}};
  for (size_t oc = 0; oc < shape.out_channels; ++oc) {
    q.scales.push_back(0.01 / static_cast<double>(oc + 3));  // not exact in float: doubles must survive
    q.zero_points.push_back(static_cast<int32_t>(oc % 3) - 1);
  }
  const std::vector<float> bias{0.5f, -1.25f, 3.0f, 0.1f, -0.2f, 7.0f};
  const PackedConvWeights p(shape, w.data(), q, bias.data());
  const auto blob = p.serialize();
  const PackedConvWeights r = PackedConvWeights::deserialize(blob.data(), blob.size());
  EXPECT_TRUE(r.shape() == shape);
  EXPECT_EQ(r.unpack(), w);
  EXPECT_EQ(r.qparams().scales, q.scales);
  EXPECT_EQ(r.qparams().zero_points, q.zero_points);
  EXPECT_EQ(r.bias(), bias);
  EXPECT_EQ(r.describe(), p.describe());
}

TEST(PackedConvWeights, SerializeRoundTripWithoutBiasAndPerTensorQParams) {
  ConvWeightShape shape;
  shape.out_channels = 3;
  shape.in_channels = 2;
  shape.kernel = {2, 2, 3};
  const auto w = random_weights(shape.elements(), 2);
  const PackedConvWeights p(shape, w.data(), WeightQParams{{0.02}, {0}});
  const auto blob = p.serialize();
  const PackedConvWeights r = PackedConvWeights::deserialize(blob.data(), blob.size());
  EXPECT_TRUE(r.shape() == shape);
  EXPECT_EQ(r.unpack(), w);
  EXPECT_EQ(r.qparams().scales, std::vector<double>{0.02});
  EXPECT_TRUE(r.bias().empty());
  EXPECT_FALSE(r.per_channel());
}

TEST(PackedConvWeights, BlobWrittenOnTheScalarPathLoadsAndComputesOnEveryPath) {
  // A depthwise layer too, so that the depthwise copy is rebuilt on load.
  ConvWeightShape dw;
  dw.out_channels = dw.in_channels = dw.groups = 16;
  dw.kernel = {1, 3, 3};
  for (const ConvWeightShape& shape : {grouped_3x3(), dw}) {
    const auto w = random_weights(shape.elements(), 3);
    const PackedConvWeights scalar(shape, w.data(), WeightQParams{{0.05}, {0}}, nullptr, Isa::scalar);
    const auto blob = scalar.serialize();
    ConvDesc d;
    d.batch = 2;
    d.in_channels = static_cast<int64_t>(shape.in_channels);
    d.out_channels = static_cast<int64_t>(shape.out_channels);
    d.groups = static_cast<int64_t>(shape.groups);
    d.input = {1, 7, 6};
    d.kernel = {1, 3, 3};
    d.padding = {0, 1, 1};
    std::vector<uint8_t> x(d.input_pixels() * shape.in_channels);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 37 % 256);
    std::vector<int32_t> want(d.output_pixels() * shape.out_channels), got(want.size());
    conv(d, x.data(), 100, scalar, want.data(), OutputStage{}, Exec{Isa::scalar});
    for (Isa isa : available_isas()) {
      const PackedConvWeights r = PackedConvWeights::deserialize(blob.data(), blob.size(), isa);
      EXPECT_EQ(r.isa(), isa);
      EXPECT_EQ(r.unpack(), w) << isa_name(isa);
      EXPECT_EQ(r.depthwise() != nullptr, scalar.depthwise() != nullptr) << isa_name(isa);
      std::fill(got.begin(), got.end(), 0);
      conv(d, x.data(), 100, r, got.data(), OutputStage{}, Exec{isa});
      EXPECT_EQ(got, want) << isa_name(isa) << " " << r.describe();
    }
  }
}

TEST(PackedConvWeights, TruncatedBlobIsAnErrorAtEveryLength) {
  const ConvWeightShape shape = grouped_3x3();
  const auto w = random_weights(shape.elements(), 4);
  const float bias[6] = {1, 2, 3, 4, 5, 6};
  const auto blob = PackedConvWeights(shape, w.data(), {}, bias).serialize();
  for (size_t len = 0; len < blob.size(); ++len)
    EXPECT_THROW(PackedConvWeights::deserialize(blob.data(), len), Error) << "length " << len;
}

TEST(PackedConvWeights, CorruptBlobIsAnErrorNamingTheChecksum) {
  const ConvWeightShape shape = grouped_3x3();
  const auto w = random_weights(shape.elements(), 5);
  const auto blob = PackedConvWeights(shape, w.data(), {}).serialize();
  for (size_t i = 8; i < blob.size(); i += 5) {
    auto bad = blob;
    bad[i] ^= 0x04;
    test::expect_error([&] { PackedConvWeights::deserialize(bad.data(), bad.size()); },
                       {"PackedConvWeights::deserialize", "checksum"});
  }
  auto wrong_magic = blob;
  wrong_magic[3] = 'X';
  test::expect_error([&] { PackedConvWeights::deserialize(wrong_magic.data(), wrong_magic.size()); },
                     {"magic", "packed-conv-weights"});
  // A PackedWeights blob is not a PackedConvWeights blob.
  const auto gemm_blob = PackedWeights(w.data(), WeightOrder::n_by_k, 6, 3, {}).serialize();
  test::expect_error([&] { PackedConvWeights::deserialize(gemm_blob.data(), gemm_blob.size()); }, {"magic"});
  test::expect_error([&] { PackedConvWeights::deserialize(nullptr, 100); }, {"data"});
}

TEST(PackedConvWeights, BlobWithTrailingBytesIsAnError) {
  // Re-frame a valid body with extra bytes and a matching checksum: the size check, not the checksum, rejects it.
  const ConvWeightShape shape = grouped_3x3();
  const auto w = random_weights(shape.elements(), 6);
  auto blob = PackedConvWeights(shape, w.data(), {}).serialize();
  blob.resize(blob.size() - 4);
  blob.push_back(0);
  const char magic[8] = {'Q', 'J', 'I', 'T', 'P', 'C', 'W', 0};
  BlobWriter again(magic);
  again.put_bytes(blob.data() + 8, blob.size() - 8);
  const auto framed = again.finish();
  test::expect_error([&] { PackedConvWeights::deserialize(framed.data(), framed.size()); }, {"trailing"});
}

}  // namespace
}  // namespace qjit
