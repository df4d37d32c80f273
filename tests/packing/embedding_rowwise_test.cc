// Rowwise embedding tables: layout sizes, prepack corner cases, the table built from quantized values, and its
// serialization (round trip; truncated, corrupt and foreign blobs are errors).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "packing/embedding_rowwise.h"
#include "tests/qlayers/expect_error.h"

namespace qjit {
namespace {

using test::expect_error;

TEST(EmbeddingRowwise, RowSizesFollowPyTorchsPackedWidths) {
  EXPECT_EQ(rowwise_row_bytes(8, 16), 24u);
  EXPECT_EQ(rowwise_row_bytes(4, 16), 12u);
  EXPECT_EQ(rowwise_row_bytes(4, 15), 12u);
  EXPECT_EQ(rowwise_row_bytes(2, 16), 8u);
  EXPECT_EQ(rowwise_row_bytes(2, 17), 9u);
  EXPECT_EQ(rowwise_dim_from_row_bytes(8, 24), 16u);
  EXPECT_EQ(rowwise_dim_from_row_bytes(4, 12), 16u);
  EXPECT_EQ(rowwise_dim_from_row_bytes(2, 8), 16u);
  expect_error([] { rowwise_dim_from_row_bytes(8, 8); }, {"row_bytes = 8"});
}

TEST(EmbeddingRowwise, ConstantRowsQuantizeToZeroAndUnpackToTheConstant) {
  const std::vector<float> w = {0.75f, 0.75f, 0.75f, -2.0f, -2.0f, -2.0f};
  for (int bits : {8, 4, 2}) {
    SCOPED_TRACE(bits);
    std::vector<uint8_t> p(2 * rowwise_row_bytes(bits, 3));
    rowwise_prepack(bits, w.data(), 2, 3, p.data());
    const RowwiseTable t{bits, p.data(), 2, 3};
    EXPECT_EQ(t.row(0)[0], 0);
    EXPECT_EQ(rowwise_bias(t, 1), -2.0f);
    if (bits != 8) {
      EXPECT_EQ(rowwise_scale(t, 0), 1.0f);  // PyTorch's scale for an empty range
    }
    std::vector<float> u(6);
    rowwise_unpack(t, u.data());
    EXPECT_EQ(u, w);
  }
}

TEST(EmbeddingRowwise, PrepackRejectsBadBitsShapesAndNonFiniteValues) {
  std::vector<float> w = {1.0f, NAN, 2.0f};
  std::vector<uint8_t> p(64);
  expect_error([&] { rowwise_prepack(8, w.data(), 1, 3, p.data()); }, {"rowwise_prepack", "w[1] = nan", "finite"});
  expect_error([&] { rowwise_prepack(5, w.data(), 1, 3, p.data()); }, {"bits = 5"});
  expect_error([&] { rowwise_prepack(8, w.data(), 1, 0, p.data()); }, {"dim = 0"});
  expect_error([&] { rowwise_prepack(8, nullptr, 1, 3, p.data()); }, {"w"});
}

PackedEmbeddingTable sample_table(int bits) {
  const size_t rows = 3, dim = 5;
  std::vector<uint8_t> values(rows * rowwise_value_bytes(bits, dim));
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<uint8_t>(37 * i + 11);
  const std::vector<float> scales = {0.5f, 0.25f, 0.125f}, zps = {3.5f, 10.0f, -1.25f};
  return PackedEmbeddingTable(bits, values.data(), rows, dim, scales.data(), zps.data());
}

TEST(EmbeddingRowwise, TableFromQuantizedValuesStoresBiasAsMinusZeroPointTimesScale) {
  for (int bits : {8, 4, 2}) {
    SCOPED_TRACE(bits);
    const PackedEmbeddingTable t = sample_table(bits);
    EXPECT_EQ(rowwise_scale(t.view(), 1), 0.25f);
    EXPECT_EQ(rowwise_bias(t.view(), 1), -2.5f);
    EXPECT_EQ(rowwise_bias(t.view(), 2), 0.15625f);
    // The unused high bits of a partial last byte are cleared.
    if (bits != 8) {
      const size_t per_byte = 8 / bits, used = (5 % per_byte) * bits;
      for (size_t r = 0; r < 3; ++r) EXPECT_EQ(t.values(r)[rowwise_value_bytes(bits, 5) - 1] >> used, 0);
    }
  }
  const std::vector<uint8_t> v(5);
  const float bad_scale[1] = {0.0f}, zp[1] = {0.0f};
  expect_error([&] { PackedEmbeddingTable(8, v.data(), 1, 5, bad_scale, zp); }, {"scales[0] = 0"});
  const float scale[1] = {1.0f}, bad_zp[1] = {INFINITY};
  expect_error([&] { PackedEmbeddingTable(8, v.data(), 1, 5, scale, bad_zp); }, {"zero_points[0] = inf"});
}

TEST(EmbeddingRowwise, SerializeRoundTripsAndRejectsTruncatedCorruptAndForeignBlobs) {
  for (int bits : {8, 4, 2}) {
    SCOPED_TRACE(bits);
    const PackedEmbeddingTable t = sample_table(bits);
    const std::vector<uint8_t> blob = t.serialize();
    const PackedEmbeddingTable back = PackedEmbeddingTable::deserialize(blob.data(), blob.size());
    EXPECT_EQ(back.bits(), bits);
    EXPECT_EQ(back.rows(), 3u);
    EXPECT_EQ(back.dim(), 5u);
    EXPECT_EQ(back.packed(), t.packed());
    EXPECT_EQ(back.scales(), t.scales());
    EXPECT_EQ(back.zero_points(), t.zero_points());

    expect_error([&] { PackedEmbeddingTable::deserialize(blob.data(), blob.size() - 5); }, {"checksum"});
    expect_error([&] { PackedEmbeddingTable::deserialize(blob.data(), 10); }, {"size = 10"});
    std::vector<uint8_t> corrupt = blob;
    corrupt[blob.size() / 2] ^= 0x40;
    expect_error([&] { PackedEmbeddingTable::deserialize(corrupt.data(), corrupt.size()); }, {"checksum", "corrupt"});
    std::vector<uint8_t> foreign = blob;
    foreign[4] = 'X';
    expect_error([&] { PackedEmbeddingTable::deserialize(foreign.data(), foreign.size()); }, {"magic"});
  }
  expect_error([] { PackedEmbeddingTable::deserialize(nullptr, 0); }, {"data"});
}

// Rewrites the trailing checksum so that a deliberately altered field gets past it.
void reseal(std::vector<uint8_t>& blob) {
  const auto crc = static_cast<uint32_t>(crc32(0L, blob.data(), static_cast<uInt>(blob.size() - 4)));
  std::memcpy(blob.data() + blob.size() - 4, &crc, 4);
}

TEST(EmbeddingRowwise, DeserializeRejectsUnknownVersionsBitsAndInconsistentRowsEvenWithAValidChecksum) {
  const std::vector<uint8_t> blob = sample_table(4).serialize();
  std::vector<uint8_t> b = blob;
  b[8] = 2;  // version
  reseal(b);
  expect_error([&] { PackedEmbeddingTable::deserialize(b.data(), b.size()); }, {"version = 2", "unsupported"});
  b = blob;
  b[12] = 3;  // bits
  reseal(b);
  expect_error([&] { PackedEmbeddingTable::deserialize(b.data(), b.size()); }, {"bits = 3"});
  b = blob;
  b[16] = 200;  // rows
  reseal(b);
  expect_error([&] { PackedEmbeddingTable::deserialize(b.data(), b.size()); }, {"rows = 200"});
  b = blob;
  b[b.size() - 5 - 1] ^= 0x10;  // the last row's f16 bias, no longer -zero_point * scale
  reseal(b);
  expect_error([&] { PackedEmbeddingTable::deserialize(b.data(), b.size()); }, {"inconsistent"});
  b = blob;
  b.insert(b.end() - 4, uint8_t{0});  // a trailing byte
  reseal(b);
  expect_error([&] { PackedEmbeddingTable::deserialize(b.data(), b.size()); }, {"trailing"});
}

}  // namespace
}  // namespace qjit
