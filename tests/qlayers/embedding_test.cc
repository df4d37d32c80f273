// nnq.Embedding / nnq.EmbeddingBag and the functional embedding ops: construction as PyTorch's, printing,
// shapes (1-D / 2-D indices), documented mean / max, save / load, and each kind of bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "qlayers/embedding.h"
#include "qlayers/functional_embedding.h"
#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

using test::expect_error;
using test::tensor_floats;
using test::tensor_ints;

// A random [rows, dim] weight quantized with per-row float qparams, as the float_qparams observer would.
Tensor random_qweight(int64_t rows, int64_t dim, DType dtype, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> w(rows * dim);
  for (float& v : w) v = g(rng);
  std::vector<double> scales;
  std::vector<float> zps;
  for (int64_t r = 0; r < rows; ++r) {
    float mn = w[r * dim], mx = w[r * dim];
    for (int64_t j = 0; j < dim; ++j) mn = std::min(mn, w[r * dim + j]), mx = std::max(mx, w[r * dim + j]);
    const float s = (mx - mn) / static_cast<float>(quant_max(dtype));
    scales.push_back(s);
    zps.push_back(-mn / s);
  }
  return quantize_per_channel(from_vector(w, {rows, dim}), scales, zps, 0, dtype);
}

bool same_bits(const Tensor& a, const Tensor& b) {
  const auto x = tensor_floats(a), y = tensor_floats(b);
  return a.sizes() == b.sizes() && std::memcmp(x.data(), y.data(), x.size() * 4) == 0;
}

TEST(QuantizedEmbedding, NewModulesHoldZeroWeightsWithUnitScaleAndPrintLikePyTorch) {
  nnq::Embedding e(5, 3);
  const Tensor w = e.weight();
  EXPECT_EQ(w.dtype(), DType::quint8);
  EXPECT_EQ(w.qscheme(), QScheme::per_channel_affine_float_qparams);
  EXPECT_EQ(w.q_per_channel_scales(), std::vector<double>(5, 1.0));
  EXPECT_EQ(w.q_per_channel_float_zero_points(), std::vector<float>(5, 0.0f));
  EXPECT_EQ(tensor_ints(int_repr(w)), std::vector<int64_t>(15, 0));
  EXPECT_EQ(e.type_name(), "Embedding");
  EXPECT_EQ(e.qualified_name(), "nnq.Embedding");
  EXPECT_EQ(e.extra_repr(),
            "num_embeddings=5, embedding_dim=3, dtype=torch.quint8, qscheme=torch.per_channel_affine_float_qparams");
  nnq::EmbeddingBag b(4, 7, std::nullopt, 2.0, false, "mean", false, true, DType::quint4x2);
  EXPECT_EQ(b.type_name(), "EmbeddingBag");
  EXPECT_EQ(b.qualified_name(), "nnq.EmbeddingBag");
  EXPECT_EQ(b.mode(), "mean");
  EXPECT_TRUE(b.include_last_offset());
  EXPECT_EQ(b.weight().dtype(), DType::quint4x2);
  EXPECT_EQ(b.extra_repr(),
            "num_embeddings=4, embedding_dim=7, dtype=torch.quint4x2, qscheme=torch.per_channel_affine_float_qparams");
}

TEST(QuantizedEmbedding, EmbeddingGivesOneRowPerIndexShapedLikeTheIndices) {
  for (DType dtype : {DType::quint8, DType::quint4x2}) {
    const Tensor qw = random_qweight(10, 5, dtype, 1);
    const auto e = nnq::Embedding::from_quantized(qw);
    const Tensor idx2 = from_vector(std::vector<int64_t>{3, 1, 4, 1, 5, 9}, {2, 3});
    const Tensor y = e->forward(idx2);
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 5}));
    const Tensor y1 = e->forward(from_vector(std::vector<int32_t>{1}, {1}));
    const auto a = tensor_floats(y), b = tensor_floats(y1);
    for (int j = 0; j < 5; ++j) EXPECT_EQ(a[1 * 5 + j], b[j]);  // idx2[0][1] == 1
    // The packed 4-bit table keeps scale and bias as float16 (as PyTorch's), hence the wider tolerance.
    const float tol = dtype == DType::quint8 ? 1e-5f : 5e-3f;
    const auto deq = tensor_floats(dequantize(qw));
    for (int j = 0; j < 5; ++j) EXPECT_NEAR(a[j], deq[3 * 5 + j], tol);
  }
}

TEST(QuantizedEmbedding, BagModesFollowTheDocumentationNotPyTorch113sAlwaysSum) {
  // PyTorch 1.13's nnq.EmbeddingBag always sums; mean divides by the bag length and max takes the largest value.
  const Tensor qw = random_qweight(6, 9, DType::quint8, 2);
  const Tensor idx = from_vector(std::vector<int64_t>{0, 2, 5, 1}, {4});
  const Tensor off = from_vector(std::vector<int64_t>{0, 3, 3}, {3});  // bags of 3, 0, 1 rows
  const Tensor sum = nnq::EmbeddingBag::from_quantized(qw, "sum")->forward(idx, off);
  const Tensor mean = nnq::EmbeddingBag::from_quantized(qw, "mean")->forward(idx, off);
  const Tensor mx = nnq::EmbeddingBag::from_quantized(qw, "max")->forward(idx, off);
  const Tensor rows = nnq::Embedding::from_quantized(qw)->forward(idx);
  const auto s = tensor_floats(sum), m = tensor_floats(mean), x = tensor_floats(mx), r = tensor_floats(rows);
  for (int j = 0; j < 9; ++j) {
    EXPECT_EQ(m[j], s[j] * (1.0f / 3.0f));
    EXPECT_EQ(x[j], std::max({r[0 * 9 + j], r[1 * 9 + j], r[2 * 9 + j]}));
    EXPECT_EQ(m[9 + j], 0.0f);
    EXPECT_EQ(x[9 + j], 0.0f);
    EXPECT_EQ(m[18 + j], r[27 + j]);
    EXPECT_EQ(x[18 + j], r[27 + j]);
  }
}

TEST(QuantizedEmbedding, TwoDimensionalIndicesWithoutOffsetsAreFixedLengthBags) {
  const Tensor qw = random_qweight(8, 4, DType::quint4x2, 3);
  const auto bag = nnq::EmbeddingBag::from_quantized(qw);
  const Tensor y2 = (*bag)(from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3}));
  const Tensor y1 = bag->forward(from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {6}),
                                 from_vector(std::vector<int64_t>{0, 3}, {2}));
  EXPECT_TRUE(same_bits(y2, y1));
}

TEST(QuantizedEmbedding, ForwardHooksRunOnTheBagForward) {
  auto bag = nnq::EmbeddingBag::from_quantized(random_qweight(4, 3, DType::quint8, 4));
  int calls = 0;
  bag->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& y) {
    ++calls;
    return y;
  });
  bag->forward(from_vector(std::vector<int64_t>{1}, {1}), from_vector(std::vector<int64_t>{0}, {1}));
  EXPECT_EQ(calls, 1);
}

TEST(QuantizedEmbedding, DeepCloneKeepsTypeModeAndTable) {
  auto bag = nnq::EmbeddingBag::from_quantized(random_qweight(5, 6, DType::quint4x2, 8), "mean", true);
  const auto copy = std::dynamic_pointer_cast<nnq::EmbeddingBag>(bag->deep_clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->mode(), "mean");
  EXPECT_TRUE(copy->include_last_offset());
  const Tensor idx = from_vector(std::vector<int64_t>{4, 0, 3}, {3}), off = from_vector(std::vector<int64_t>{0, 2, 3}, {3});
  EXPECT_TRUE(same_bits(copy->forward(idx, off), bag->forward(idx, off)));
}

TEST(QuantizedEmbedding, SerializeRoundTripsWeightsModeAndLastOffsetAndRejectsBadBlobs) {
  const Tensor qw = random_qweight(7, 5, DType::quint4x2, 5);
  const auto bag = nnq::EmbeddingBag::from_quantized(qw, "max", true);
  const std::vector<uint8_t> blob = bag->serialize();
  const auto back = nnq::EmbeddingBag::deserialize(blob.data(), blob.size());
  EXPECT_EQ(back->mode(), "max");
  EXPECT_TRUE(back->include_last_offset());
  EXPECT_EQ(back->dtype(), DType::quint4x2);
  EXPECT_EQ(tensor_ints(int_repr(back->weight())), tensor_ints(int_repr(qw)));
  EXPECT_EQ(back->weight().q_per_channel_float_zero_points(), qw.q_per_channel_float_zero_points());
  const Tensor idx = from_vector(std::vector<int64_t>{0, 6, 2}, {3}), off = from_vector(std::vector<int64_t>{0, 1, 3}, {3});
  EXPECT_TRUE(same_bits(back->forward(idx, off), bag->forward(idx, off)));

  const auto e = nnq::Embedding::from_quantized(random_qweight(3, 4, DType::quint8, 6));
  const std::vector<uint8_t> eblob = e->serialize();
  EXPECT_EQ(tensor_ints(int_repr(nnq::Embedding::deserialize(eblob.data(), eblob.size())->weight())),
            tensor_ints(int_repr(e->weight())));

  expect_error([&] { nnq::Embedding::deserialize(blob.data(), blob.size()); }, {"kind = 1", "EmbeddingBag"});
  expect_error([&] { nnq::EmbeddingBag::deserialize(eblob.data(), eblob.size()); }, {"kind = 0"});
  expect_error([&] { nnq::EmbeddingBag::deserialize(blob.data(), blob.size() - 3); }, {"checksum"});
  expect_error([&] { nnq::EmbeddingBag::deserialize(blob.data(), 12); }, {"size = 12"});
  std::vector<uint8_t> corrupt = blob;
  corrupt[corrupt.size() - 9] ^= 1;
  expect_error([&] { nnq::EmbeddingBag::deserialize(corrupt.data(), corrupt.size()); }, {"checksum", "corrupt"});
}

TEST(QuantizedEmbedding, BadWeightsAndConstructorArgumentsAreErrors) {
  expect_error([] { nnq::Embedding(4, 3, std::nullopt, std::nullopt, 2.0, false, false, DType::qint8); },
               {"nnq.Embedding", "dtype = qint8", "quint8 or quint4x2"});
  expect_error([] { nnq::Embedding(4, 0); }, {"embedding_dim = 0"});
  expect_error([] { nnq::Embedding(-1, 3); }, {"num_embeddings = -1"});
  expect_error([] { nnq::EmbeddingBag(4, 3, std::nullopt, 2.0, false, "median"); }, {"mode = median"});
  nnq::Embedding e(4, 3);
  expect_error([&] { e.set_weight(random_qweight(4, 3, DType::quint4x2, 1)); }, {"qweight.dtype = quint4x2"});
  expect_error([&] { e.set_weight(random_qweight(5, 3, DType::quint8, 1)); }, {"qweight.shape = [5, 3]", "[4, 3]"});
  expect_error([&] { e.set_weight(quantize_per_tensor(zeros({4, 3}), 0.1, 0, DType::quint8)); },
               {"qweight.qscheme = per_tensor_affine"});
  const Tensor int_zp = quantize_per_channel(zeros({4, 3}), {1, 1, 1, 1}, std::vector<int64_t>{0, 0, 0, 0}, 0,
                                             DType::quint8);
  expect_error([&] { e.set_weight(int_zp); }, {"qweight.qscheme = per_channel_affine"});
  const Tensor axis1 = quantize_per_channel(zeros({4, 3}), {1, 1, 1}, std::vector<float>{0, 0, 0}, 1, DType::quint8);
  expect_error([&] { e.set_weight(axis1); }, {"qweight.axis = 1"});
  expect_error([&] { e.set_weight(Tensor()); }, {"qweight = undefined"});
}

TEST(QuantizedEmbedding, BadIndicesOffsetsAndPerSampleWeightsAreErrors) {
  auto bag = nnq::EmbeddingBag::from_quantized(random_qweight(4, 3, DType::quint8, 7));
  const Tensor idx = from_vector(std::vector<int64_t>{0, 1, 2}, {3});
  const Tensor off = from_vector(std::vector<int64_t>{0, 2}, {2});
  expect_error([&] { bag->forward(from_vector({0.0f, 1.0f}), off); }, {"indices.dtype = float32"});
  expect_error([&] { bag->forward(idx, from_vector(std::vector<int32_t>{0, 2}, {2})); },
               {"offsets.dtype = int32", "int64"});
  expect_error([&] { bag->forward(idx, Tensor()); }, {"offsets = undefined"});
  expect_error([&] { bag->forward(from_vector(std::vector<int64_t>{0, 1}, {1, 2}), off); }, {"offsets", "2-D"});
  expect_error([&] { bag->forward(from_vector(std::vector<int64_t>{0, 1}, {1, 1, 2})); }, {"indices.dim() = 3"});
  expect_error([&] { bag->forward(from_vector(std::vector<int64_t>{0, 4}, {2}), off); }, {"indices[1] = 4"});
  expect_error([&] { bag->forward(idx, from_vector(std::vector<int64_t>{0, 5}, {2})); }, {"offsets[1] = 5"});
  expect_error([&] { bag->forward(idx, from_vector(std::vector<int64_t>{0, 2, 1}, {3})); },
               {"offsets[2] = 1", "never decrease"});
  expect_error([&] { bag->forward(idx, off, from_vector({1.0f, 2.0f})); },
               {"per_sample_weights.numel() = 2", "indices.numel() (3)"});
  expect_error([&] { bag->forward(idx, off, from_vector(std::vector<int64_t>{1, 2, 3}, {3})); },
               {"per_sample_weights.dtype = int64"});
  expect_error([&] { bag->forward(idx, off, Tensor(), from_vector(std::vector<int32_t>{0}, {1})); },
               {"compressed_indices_mapping"});
  auto mean = nnq::EmbeddingBag::from_quantized(random_qweight(4, 3, DType::quint8, 7), "mean");
  expect_error([&] { mean->forward(idx, off, from_vector({1.0f, 2.0f, 3.0f})); }, {"mode = 1", "sum"});
  nnq::Embedding e(4, 3);
  expect_error([&] { e.forward(from_vector(std::vector<int64_t>{7}, {1})); }, {"nnq.Embedding.forward", "indices[0] = 7"});
}

TEST(QuantizedEmbedding, FunctionalOpsRejectBadTablesModesAndFbgemmOnlyFeatures) {
  const Tensor w = from_vector({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2});
  const Tensor packed = embedding_bag_byte_prepack(w);
  const Tensor idx = from_vector(std::vector<int64_t>{0, 1}, {2}), off = from_vector(std::vector<int64_t>{0}, {1});
  expect_error([&] { embedding_bag_byte_prepack(from_vector(std::vector<int64_t>{1, 2}, {1, 2})); },
               {"embedding_bag_byte_prepack", "weight.dtype = int64"});
  expect_error([&] { embedding_bag_4bit_prepack(from_vector({1.0f, 2.0f})); }, {"weight.dim() = 1"});
  expect_error([&] { embedding_bag_byte_unpack(w); }, {"weight.dtype = float32", "uint8"});
  expect_error([&] { embedding_bag_4bit_unpack(from_vector(std::vector<uint8_t>{1, 2, 3, 4}, {1, 4})); },
               {"weight.size(-1) = 4"});
  expect_error([&] { embedding_bag_byte_rowwise_offsets(packed, idx, off, false, 3); }, {"mode = 3"});
  expect_error([&] { embedding_bag_byte_rowwise_offsets(packed, idx, off, false, 0, true); },
               {"pruned_weights = true", "FBGEMM"});
  expect_error([&] { embedding_bag_byte_rowwise_offsets(packed.view({-1}), idx, off); }, {"weight.dim() = 1"});
  expect_error([&] { embedding_bag_byte_rowwise_offsets(packed, idx, from_vector(std::vector<int64_t>{0}, {1, 1})); },
               {"offsets.dim() = 2"});
  const Tensor no_offsets = from_vector(std::vector<int64_t>{}, {0});
  expect_error([&] { embedding_bag_byte_rowwise_offsets(packed, idx, no_offsets, false, 0, false, {}, {}, true); },
               {"offsets.size() = 0", "include_last_offset"});
  // offsets {0} with include_last_offset: no bags, an empty result.
  EXPECT_EQ(embedding_bag_byte_rowwise_offsets(packed, idx, off, false, 0, false, {}, {}, true).sizes(),
            (std::vector<int64_t>{0, 2}));
}

}  // namespace
}  // namespace qjit
