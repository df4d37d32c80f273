// Float Embedding and EmbeddingBag (sum / mean / max, offsets, per_sample_weights, padding_idx) against loops.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/qlayers/expect_error.h"
#include "tests/workflow/nn_test_util.h"
#include "workflow/nn/embedding.h"

namespace qjit::nn {
namespace {

using test::expect_close;
using test::expect_error;
using test::random_tensor;
using test::values;

TEST(NnEmbedding, GathersRowsForAnyIndexShape) {
  Embedding e(5, 3);
  e.weight = random_tensor({5, 3}, 1);
  const auto w = values(e.weight);
  const std::vector<int64_t> idx{4, 0, 2, 2, 1, 3};
  std::vector<float> ref;
  for (int64_t i : idx) ref.insert(ref.end(), w.begin() + i * 3, w.begin() + i * 3 + 3);
  expect_close(e(from_vector(idx, {2, 3})), {2, 3, 3}, ref, 0, 0);
  expect_close(e(from_vector(std::vector<int32_t>(idx.begin(), idx.end()), {6})), {6, 3}, ref, 0, 0);
  EXPECT_EQ(Embedding(10, 3, -1).to_string(), "Embedding(10, 3, padding_idx=9)");
}

TEST(NnEmbedding, OutOfRangeAndNonIntegerIndicesAreErrors) {
  Embedding e(5, 3);
  expect_error([&] { e(from_vector(std::vector<int64_t>{1, 5}, {2})); }, {"indices[1]", "5", "out of range"});
  expect_error([&] { e(from_vector(std::vector<int64_t>{-1}, {1})); }, {"indices[0]", "-1"});
  expect_error([&] { e(zeros({2})); }, {"indices", "int64"});
  expect_error([] { Embedding(5, 3, 5); }, {"padding_idx", "5"});
}

// Bags [starts[b], starts[b+1]) of idx reduced by mode, by the definition.
std::vector<float> bag_ref(const std::vector<float>& w, int64_t dim, const std::vector<int64_t>& idx,
                           const std::vector<int64_t>& starts, const std::string& mode,
                           const std::vector<float>& psw = {}, int64_t padding_idx = -1) {
  std::vector<float> y;
  for (size_t b = 0; b + 1 < starts.size(); ++b)
    for (int64_t d = 0; d < dim; ++d) {
      double acc = 0;
      float mx = 0;
      int64_t count = 0;
      for (int64_t i = starts[b]; i < starts[b + 1]; ++i) {
        if (idx[i] == padding_idx) continue;
        const float v = w[idx[i] * dim + d];
        acc += psw.empty() ? v : double(v) * psw[i];
        mx = count == 0 ? v : std::max(mx, v);
        ++count;
      }
      y.push_back(mode == "max" ? mx : mode == "mean" && count ? float(acc / double(count)) : float(acc));
    }
  return y;
}

TEST(NnEmbeddingBag, ReducesBagsGivenByOffsetsInEachMode) {
  const std::vector<int64_t> idx{1, 3, 3, 0, 4, 2, 1};
  const std::vector<int64_t> offsets{0, 3, 3, 5};  // bag 1 is empty
  for (const char* mode : {"sum", "mean", "max"}) {
    SCOPED_TRACE(mode);
    EmbeddingBag e(5, 4, mode);
    e.weight = random_tensor({5, 4}, 2);
    expect_close(e.forward(from_vector(idx, {7}), from_vector(offsets, {4})), {4, 4},
                 bag_ref(values(e.weight), 4, idx, {0, 3, 3, 5, 7}, mode));
    EmbeddingBag last(5, 4, mode, true);
    last.weight = e.weight;
    expect_close(last.forward(from_vector(idx, {7}), from_vector(std::vector<int64_t>{0, 3, 3, 5, 7}, {5})), {4, 4},
                 bag_ref(values(e.weight), 4, idx, {0, 3, 3, 5, 7}, mode));
  }
}

TEST(NnEmbeddingBag, TwoDimensionalInputPerSampleWeightsAndPaddingIdx) {
  EmbeddingBag e(6, 2, "sum");
  e.weight = random_tensor({6, 2}, 3);
  const std::vector<int64_t> idx{0, 5, 2, 3, 3, 1};
  expect_close(e(from_vector(idx, {2, 3})), {2, 2}, bag_ref(values(e.weight), 2, idx, {0, 3, 6}, "sum"));
  const Tensor psw = random_tensor({2, 3}, 4);
  expect_close(e.forward(from_vector(idx, {2, 3}), Tensor(), psw), {2, 2},
               bag_ref(values(e.weight), 2, idx, {0, 3, 6}, "sum", values(psw)));
  EmbeddingBag padded(6, 2, "mean", false, 3);
  padded.weight = e.weight;
  expect_close(padded(from_vector(idx, {2, 3})), {2, 2},
               bag_ref(values(e.weight), 2, idx, {0, 3, 6}, "mean", {}, 3));
  EXPECT_EQ(padded.to_string(), "EmbeddingBag(6, 2, mode=mean, padding_idx=3)");
}

TEST(NnEmbeddingBag, BadArgumentsAreErrors) {
  EmbeddingBag e(5, 2, "mean");
  const Tensor idx = from_vector(std::vector<int64_t>{0, 1, 2}, {3});
  expect_error([&] { e(idx); }, {"offsets", "1-D"});
  expect_error([&] { e.forward(idx, from_vector(std::vector<int64_t>{1}, {1})); }, {"offsets[0]", "must be 0"});
  expect_error([&] { e.forward(idx, from_vector(std::vector<int64_t>{0, 4}, {2})); }, {"offsets[1]", "4"});
  expect_error([&] { e.forward(idx, from_vector(std::vector<int64_t>{0}, {1}), zeros({3})); },
               {"per_sample_weights", "mode='sum'"});
  expect_error([&] { e.forward(from_vector(std::vector<int64_t>{0, 7}, {2}), from_vector(std::vector<int64_t>{0}, {1})); },
               {"input[1]", "7"});
  expect_error([] { EmbeddingBag(5, 2, "median"); }, {"mode", "median"});
}

}  // namespace
}  // namespace qjit::nn
