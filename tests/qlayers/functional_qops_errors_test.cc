// Bad input to the quantized pooling, upsampling and normalization ops: each case throws qjit::Error whose
// message names the function, the argument and the offending value.
#include <gtest/gtest.h>

#include "qlayers/functional_norm.h"
#include "qlayers/functional_pool.h"
#include "qlayers/functional_upsample.h"
#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"

namespace qjit {
namespace {

using test::expect_error;

Tensor qx(const std::vector<int64_t>& sizes, DType dtype = DType::quint8) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.1f * static_cast<float>(i % 17) - 0.5f;
  return quantize_per_tensor(from_vector(v, sizes), 0.05, dtype == DType::quint8 ? 10 : 0, dtype);
}
Tensor fx() { return from_vector(std::vector<float>(2 * 3 * 4 * 4, 0.5f), {2, 3, 4, 4}); }
Tensor ones(int64_t n) { return full({n}, 1.0); }

// ---- wrong dtype: a float tensor to a quantized op
TEST(QOpsBadInput, MaxPool2dFloatInput) { expect_error([] { max_pool2d(fx(), {2}); }, {"max_pool2d", "x =", "float32"}); }
TEST(QOpsBadInput, AvgPool2dFloatInput) { expect_error([] { avg_pool2d(fx(), {2}); }, {"avg_pool2d", "float32"}); }
TEST(QOpsBadInput, AdaptiveAvgPool2dFloatInput) {
  expect_error([] { adaptive_avg_pool2d(fx(), {1}); }, {"adaptive_avg_pool2d", "float32"});
}
TEST(QOpsBadInput, InterpolateFloatInput) {
  expect_error([] { interpolate(fx(), {}, {2.0}); }, {"interpolate", "float32"});
}
TEST(QOpsBadInput, LayerNormFloatInput) {
  expect_error([] { layer_norm(fx(), {4}, Tensor(), Tensor(), 1e-5, 0.1, 0); }, {"layer_norm", "float32"});
}
TEST(QOpsBadInput, BatchNormFloatInput) {
  expect_error([] { batch_norm2d(fx(), ones(3), ones(3), ones(3), ones(3), 1e-5, 0.1, 0); },
               {"batch_norm2d", "float32"});
}
TEST(QOpsBadInput, Qint32InputRejected) {
  const Tensor q32 = quantize_per_tensor(fx(), 0.1, 0, DType::qint32);
  expect_error([&] { max_pool2d(q32, {2}); }, {"max_pool2d", "qint32", "quint8 or qint8"});
}
TEST(QOpsBadInput, UndefinedInput) { expect_error([] { max_pool2d(Tensor(), {2}); }, {"max_pool2d", "x = undefined"}); }

// ---- wrong rank
TEST(QOpsBadInput, MaxPool2dRank2) { expect_error([] { max_pool2d(qx({4, 4}), {2}); }, {"max_pool2d", "3 or 4 dimensions"}); }
TEST(QOpsBadInput, AvgPool3dRank3) { expect_error([] { avg_pool3d(qx({2, 4, 4}), {2}); }, {"avg_pool3d", "4 or 5"}); }
TEST(QOpsBadInput, InterpolateRank3) {
  expect_error([] { interpolate(qx({3, 4, 4}), {8, 8}); }, {"interpolate", "must have 4 dimensions"});
}
TEST(QOpsBadInput, GroupNormRank2) {
  expect_error([] { group_norm(qx({2, 4}), 2, Tensor(), Tensor(), 1e-5, 0.1, 0); }, {"group_norm", "3 or 4 or 5"});
}
TEST(QOpsBadInput, BatchNorm2dRank3) {
  expect_error([] { batch_norm2d(qx({2, 3, 4}), ones(3), ones(3), ones(3), ones(3), 1e-5, 0.1, 0); },
               {"batch_norm2d", "must have 4 dimensions"});
}

// ---- kernel larger than the padded input / output size <= 0, and bad window arguments
TEST(QOpsBadInput, MaxPool2dKernelLargerThanInput) {
  expect_error([] { max_pool2d(qx({1, 2, 3, 3}), {5}); }, {"max_pool2d", "output size = 0", "larger than the padded"});
}
TEST(QOpsBadInput, AvgPool2dKernelLargerThanInput) {
  expect_error([] { avg_pool2d(qx({1, 2, 3, 3}), {4, 2}); }, {"avg_pool2d", "output size = 0"});
}
TEST(QOpsBadInput, MaxPool1dKernelLargerThanDilatedInput) {
  expect_error([] { max_pool1d(qx({1, 2, 5}), 3, std::nullopt, 0, 3); }, {"max_pool1d", "output size"});
}
TEST(QOpsBadInput, PoolPaddingMoreThanHalfKernel) {
  expect_error([] { max_pool2d(qx({1, 2, 6, 6}), {2}, {}, {2}); }, {"max_pool2d", "padding = [2, 2]", "half"});
}
TEST(QOpsBadInput, PoolZeroStride) { expect_error([] { max_pool2d(qx({1, 2, 6, 6}), {2}, {0}); }, {"stride = [0, 0]"}); }
TEST(QOpsBadInput, PoolThreeKernelValuesFor2d) {
  expect_error([] { max_pool2d(qx({1, 2, 6, 6}), {2, 2, 2}); }, {"kernel_size = [2, 2, 2]", "1 or 2 values"});
}
TEST(QOpsBadInput, AvgPoolDivisorOverrideZero) {
  expect_error([] { avg_pool2d(qx({1, 2, 6, 6}), {2}, {}, {0}, false, true, 0); }, {"divisor_override = 0"});
}
TEST(QOpsBadInput, AdaptiveOutputSizeZero) {
  expect_error([] { adaptive_avg_pool2d(qx({1, 2, 6, 6}), {0, 2}); }, {"adaptive_avg_pool2d", "output_size"});
}
TEST(QOpsBadInput, InterpolateBothSizeAndScale) {
  expect_error([] { interpolate(qx({1, 2, 4, 4}), {8, 8}, {2.0}); }, {"interpolate", "exactly one"});
}
TEST(QOpsBadInput, InterpolateNegativeScale) {
  expect_error([] { interpolate(qx({1, 2, 4, 4}), {}, {-2.0}); }, {"interpolate", "scale_factor = -2"});
}
TEST(QOpsBadInput, InterpolateUnknownMode) {
  expect_error([] { interpolate(qx({1, 2, 4, 4}), {8, 8}, {}, "bicubic"); }, {"interpolate", "mode = bicubic"});
}
TEST(QOpsBadInput, InterpolateAlignCornersWithNearest) {
  expect_error([] { interpolate(qx({1, 2, 4, 4}), {8, 8}, {}, "nearest", true); }, {"align_corners"});
}

// ---- normalization arguments
TEST(QOpsBadInput, LayerNormShapeNotTrailing) {
  expect_error([] { layer_norm(qx({2, 3, 4}), {3}, Tensor(), Tensor(), 1e-5, 0.1, 0); },
               {"layer_norm", "normalized_shape = [3]", "[2, 3, 4]"});
}
TEST(QOpsBadInput, LayerNormWeightWrongSize) {
  expect_error([] { layer_norm(qx({2, 3, 4}), {4}, ones(3), Tensor(), 1e-5, 0.1, 0); },
               {"layer_norm", "weight", "4 elements"});
}
TEST(QOpsBadInput, LayerNormBadOutputScale) {
  expect_error([] { layer_norm(qx({2, 3, 4}), {4}, Tensor(), Tensor(), 1e-5, 0.0, 0); }, {"output_scale = 0"});
}
TEST(QOpsBadInput, LayerNormOutputZeroPointOutOfRange) {
  expect_error([] { layer_norm(qx({2, 3, 4}), {4}, Tensor(), Tensor(), 1e-5, 0.1, 300); }, {"output_zero_point = 300"});
}
TEST(QOpsBadInput, GroupNormGroupsDoNotDivideChannels) {
  expect_error([] { group_norm(qx({2, 6, 4}), 4, Tensor(), Tensor(), 1e-5, 0.1, 0); },
               {"group_norm", "num_groups = 4", "divide"});
}
TEST(QOpsBadInput, GroupNormZeroGroups) {
  expect_error([] { group_norm(qx({2, 6, 4}), 0, Tensor(), Tensor(), 1e-5, 0.1, 0); }, {"num_groups = 0"});
}
TEST(QOpsBadInput, InstanceNormWeightWrongLength) {
  expect_error([] { instance_norm(qx({2, 6, 4}), ones(5), Tensor(), 1e-5, 0.1, 0); }, {"instance_norm", "6 elements"});
}
TEST(QOpsBadInput, BatchNormRunningMeanWrongLength) {
  expect_error([] { batch_norm(qx({2, 3, 4, 4}), ones(3), ones(3), ones(4), ones(3), 1e-5, 0.1, 0); },
               {"batch_norm", "running_mean", "3 elements"});
}
TEST(QOpsBadInput, BatchNormRunningVarMissing) {
  expect_error([] { batch_norm(qx({2, 3, 4, 4}), ones(3), ones(3), ones(3), Tensor(), 1e-5, 0.1, 0); },
               {"batch_norm", "running_var = undefined"});
}
TEST(QOpsBadInput, BatchNormIntegerRunningVar) {
  const Tensor iv = from_vector(std::vector<int32_t>{1, 1, 1}, {3});
  expect_error([&] { batch_norm(qx({2, 3, 4, 4}), ones(3), ones(3), ones(3), iv, 1e-5, 0.1, 0); },
               {"running_var", "int32"});
}
TEST(QOpsBadInput, BatchNormNegativeEps) {
  expect_error([] { batch_norm(qx({2, 3, 4, 4}), ones(3), ones(3), ones(3), ones(3), -1.0, 0.1, 0); }, {"eps = -1"});
}

}  // namespace
}  // namespace qjit
