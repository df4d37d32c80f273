// Quantized pooling on Tensors beyond the golden cases: both memory formats give the same values (and keep
// their format) over channel counts that hit whole AVX2 blocks and tails, qint8 inputs, unbatched inputs, and the
// 1-D and 3-D ops against the 2-D ones they reduce to.
#include <gtest/gtest.h>

#include <random>

#include "qlayers/functional_pool.h"
#include "qlayers/quantize.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

Tensor random_q(const std::vector<int64_t>& sizes, DType dtype, uint32_t seed) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& e : v) e = dist(rng);
  return quantize_per_tensor(from_vector(v, sizes), 0.025, dtype == DType::quint8 ? 117 : -5, dtype);
}

std::vector<int64_t> ints(const Tensor& t) { return test::tensor_ints(t); }

TEST(FunctionalPool, ChannelsLastEqualsContiguousOverChannelCounts) {
  for (DType dtype : {DType::quint8, DType::qint8})
    for (int64_t c : {1, 3, 8, 31, 32, 33, 64, 67}) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " C=" + std::to_string(c));
      const Tensor x = random_q({2, c, 7, 8}, dtype, static_cast<uint32_t>(c));
      const Tensor xl = x.contiguous(MemoryFormat::channels_last);
      const Tensor m = max_pool2d(x, {3}, {2}, {1}, {1}, true), ml = max_pool2d(xl, {3}, {2}, {1}, {1}, true);
      EXPECT_TRUE(ml.is_contiguous(MemoryFormat::channels_last));
      EXPECT_EQ(ints(m), ints(ml));
      const Tensor a = avg_pool2d(x, {3}, {2}, {1}, true, false), al = avg_pool2d(xl, {3}, {2}, {1}, true, false);
      EXPECT_TRUE(al.is_contiguous(MemoryFormat::channels_last));
      EXPECT_EQ(ints(a), ints(al));
      const Tensor d = avg_pool2d(x, {2}, {}, {0}, false, true, 3), dl = avg_pool2d(xl, {2}, {}, {0}, false, true, 3);
      EXPECT_EQ(ints(d), ints(dl));
      EXPECT_EQ(ints(adaptive_avg_pool2d(x, {3, 2})), ints(adaptive_avg_pool2d(xl, {3, 2})));
      EXPECT_EQ(m.q_scale(), x.q_scale());
      EXPECT_EQ(a.q_zero_point(), x.q_zero_point());
      EXPECT_EQ(m.dtype(), dtype);
    }
}

TEST(FunctionalPool, MaxPoolIsTheWindowMaximumOfTheStoredIntegers) {
  const Tensor x = random_q({1, 2, 5, 5}, DType::qint8, 7);
  const Tensor y = max_pool2d(x, {2}, {1});
  const std::vector<int64_t> xv = ints(x), yv = ints(y);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{1, 2, 4, 4}));
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t h = 0; h < 4; ++h)
      for (int64_t w = 0; w < 4; ++w) {
        int64_t m = -128;
        for (int64_t i = 0; i < 2; ++i)
          for (int64_t j = 0; j < 2; ++j) m = std::max(m, xv[(c * 5 + h + i) * 5 + w + j]);
        EXPECT_EQ(yv[(c * 4 + h) * 4 + w], m);
      }
}

TEST(FunctionalPool, UnbatchedInputGivesTheBatchedResult) {
  const Tensor x = random_q({1, 3, 6, 7}, DType::quint8, 11);
  const Tensor x3 = x.view({3, 6, 7});
  EXPECT_EQ(max_pool2d(x3, {2}).sizes(), (std::vector<int64_t>{3, 3, 3}));
  EXPECT_EQ(ints(max_pool2d(x3, {2})), ints(max_pool2d(x, {2})));
  EXPECT_EQ(ints(avg_pool2d(x3, {3}, {1}, {1})), ints(avg_pool2d(x, {3}, {1}, {1})));
  EXPECT_EQ(ints(adaptive_avg_pool2d(x3, {2})), ints(adaptive_avg_pool2d(x, {2})));
}

TEST(FunctionalPool, MaxPool1dEqualsMaxPool2dOverAUnitHeight) {
  const Tensor x = random_q({2, 3, 11}, DType::quint8, 5);
  const Tensor y = max_pool1d(x, 3, 2, 1, 2, true);
  const Tensor y2 = max_pool2d(x.view({2, 3, 1, 11}), {1, 3}, {1, 2}, {0, 1}, {1, 2}, true);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 5}));
  EXPECT_EQ(ints(y), ints(y2));
}

TEST(FunctionalPool, AvgPool3dWithUnitDepthKernelEqualsAvgPool2dPerSlice) {
  const Tensor x = random_q({1, 2, 3, 6, 6}, DType::quint8, 9);
  const Tensor y = avg_pool3d(x, {1, 3, 3}, {1, 2, 2}, {0, 1, 1}, true, false);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 2, 3, 4, 4}));
  const Tensor y2 = avg_pool2d(x.view({1, 6, 6, 6}), {3}, {2}, {1}, true, false);
  EXPECT_EQ(ints(y), ints(y2));
  const Tensor xl = x.contiguous(MemoryFormat::channels_last);
  const Tensor yl = avg_pool3d(xl, {1, 3, 3}, {1, 2, 2}, {0, 1, 1}, true, false);
  EXPECT_TRUE(yl.is_contiguous(MemoryFormat::channels_last));
  EXPECT_EQ(ints(yl), ints(y));
}

TEST(FunctionalPool, AdaptiveAvgPool3dGlobalIsTheRoundedMean) {
  const Tensor x = random_q({1, 2, 2, 3, 4}, DType::quint8, 13);
  const Tensor y = adaptive_avg_pool3d(x, {1});
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{1, 2, 1, 1, 1}));
  const std::vector<int64_t> xv = ints(x), yv = ints(y);
  for (int64_t c = 0; c < 2; ++c) {
    int64_t sum = 0;
    for (int64_t i = 0; i < 24; ++i) sum += xv[c * 24 + i];
    EXPECT_NEAR(static_cast<double>(yv[c]), static_cast<double>(sum) / 24.0, 0.5 + 1e-6);
  }
}

}  // namespace
}  // namespace qjit
