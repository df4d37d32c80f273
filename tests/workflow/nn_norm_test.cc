// Float BatchNorm (eval and train with running-stat updates), LayerNorm, GroupNorm, InstanceNorm against scalar
// computations of their definitions.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/qlayers/expect_error.h"
#include "tests/workflow/nn_test_util.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/normalization.h"

namespace qjit::nn {
namespace {

using test::expect_close;
using test::expect_error;
using test::random_tensor;
using test::values;

// Per-channel mean and biased / unbiased variance of x [N, C, plane].
struct Stats {
  std::vector<double> mean, var, var_unbiased;
};
Stats channel_stats(const std::vector<float>& x, int64_t N, int64_t C, int64_t plane) {
  Stats s{std::vector<double>(C), std::vector<double>(C), std::vector<double>(C)};
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0, ss = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < plane; ++i) sum += x[(n * C + c) * plane + i];
    s.mean[c] = sum / double(N * plane);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < plane; ++i) ss += std::pow(x[(n * C + c) * plane + i] - s.mean[c], 2);
    s.var[c] = ss / double(N * plane);
    s.var_unbiased[c] = ss / double(N * plane - 1);
  }
  return s;
}

TEST(NnBatchNorm, EvalUsesRunningStatsAndAffineParameters) {
  BatchNorm2d bn(3);
  bn.weight = random_tensor({3}, 1, 0.5f, 1.5f);
  bn.bias = random_tensor({3}, 2);
  bn.running_mean = random_tensor({3}, 3);
  bn.running_var = random_tensor({3}, 4, 0.1f, 2.f);
  bn.eval();
  const Tensor x = random_tensor({2, 3, 4, 5}, 5);
  const auto xv = values(x), w = values(bn.weight), b = values(bn.bias), rm = values(bn.running_mean),
             rv = values(bn.running_var);
  std::vector<float> ref;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t i = 0; i < 20; ++i)
        ref.push_back(float((xv[(n * 3 + c) * 20 + i] - rm[c]) / std::sqrt(rv[c] + 1e-5) * w[c] + b[c]));
  expect_close(bn(x), {2, 3, 4, 5}, ref);
  EXPECT_EQ(values(bn.running_mean), rm) << "eval must not touch the running statistics";
}

TEST(NnBatchNorm, TrainUsesBatchStatsAndUpdatesRunningStatsWithUnbiasedVariance) {
  BatchNorm1d bn(4, 1e-5, 0.25);
  const Tensor rm0 = bn.running_mean, rv0 = bn.running_var;
  const Tensor x = random_tensor({3, 4, 5}, 7, -2.f, 3.f);
  const Stats s = channel_stats(values(x), 3, 4, 5);
  const Tensor y = bn(x);
  const auto xv = values(x);
  std::vector<float> ref;
  for (int64_t n = 0; n < 3; ++n)
    for (int64_t c = 0; c < 4; ++c)
      for (int64_t i = 0; i < 5; ++i) ref.push_back(float((xv[(n * 4 + c) * 5 + i] - s.mean[c]) / std::sqrt(s.var[c] + 1e-5)));
  expect_close(y, {3, 4, 5}, ref);
  std::vector<float> rm, rv;
  for (int c = 0; c < 4; ++c) {
    rm.push_back(float(0.75 * 0.0 + 0.25 * s.mean[c]));
    rv.push_back(float(0.75 * 1.0 + 0.25 * s.var_unbiased[c]));
  }
  expect_close(bn.running_mean, {4}, rm);
  expect_close(bn.running_var, {4}, rv);
  EXPECT_EQ(bn.num_batches_tracked.data_ptr<int64_t>()[0], 1);
  EXPECT_EQ(values(rm0), std::vector<float>(4, 0.f)) << "the old running tensors must not be written in place";
  EXPECT_EQ(values(rv0), std::vector<float>(4, 1.f));
}

TEST(NnBatchNorm, MomentumNoneIsTheCumulativeAverage) {
  BatchNorm1d bn(2, 1e-5, std::nullopt);
  const Tensor a = random_tensor({4, 2}, 8), b = random_tensor({4, 2}, 9);
  bn(a);
  bn(b);
  const Stats sa = channel_stats(values(a), 4, 2, 1), sb = channel_stats(values(b), 4, 2, 1);
  expect_close(bn.running_mean, {2}, {float((sa.mean[0] + sb.mean[0]) / 2), float((sa.mean[1] + sb.mean[1]) / 2)});
  EXPECT_EQ(bn.num_batches_tracked.data_ptr<int64_t>()[0], 2);
  EXPECT_EQ(bn.to_string(), "BatchNorm1d(2, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
}

TEST(NnBatchNorm, WithoutRunningStatsEvalUsesBatchStats) {
  BatchNorm2d bn(2, 1e-5, 0.1, false, false);
  bn.eval();
  EXPECT_FALSE(bn.running_mean.defined());
  const Tensor x = random_tensor({2, 2, 3, 3}, 10);
  const Stats s = channel_stats(values(x), 2, 2, 9);
  const auto xv = values(x);
  std::vector<float> ref;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t i = 0; i < 9; ++i) ref.push_back(float((xv[(n * 2 + c) * 9 + i] - s.mean[c]) / std::sqrt(s.var[c] + 1e-5)));
  expect_close(bn(x), {2, 2, 3, 3}, ref);
}

TEST(NnBatchNorm, BadInputsAreErrors) {
  BatchNorm2d bn(3);
  expect_error([&] { bn(zeros({2, 3, 4})); }, {"nn.BatchNorm2d.forward", "input", "4-D"});
  expect_error([&] { bn(zeros({2, 4, 4, 4})); }, {"input", "num_features"});
  expect_error([&] { bn(zeros({1, 3, 1, 1})); }, {"more than 1 value per channel"});
  expect_error([] { BatchNorm1d(0); }, {"num_features", "0"});
  BatchNorm3d bn3(2);
  EXPECT_EQ(bn3.qualified_name(), "nn.BatchNorm3d");
  expect_error([&] { bn3(zeros({2, 2, 2, 2})); }, {"5-D"});
}

TEST(NnLayerNorm, NormalisesTheTrailingDimensionsWithAffine) {
  LayerNorm ln({3, 4});
  ln.weight = random_tensor({3, 4}, 11);
  ln.bias = random_tensor({3, 4}, 12);
  const Tensor x = random_tensor({2, 3, 4}, 13, -3.f, 2.f);
  const Stats s = channel_stats(values(x), 1, 2, 12);  // each sample is one "channel" of 12 values
  const auto xv = values(x), w = values(ln.weight), b = values(ln.bias);
  std::vector<float> ref;
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 12; ++i)
      ref.push_back(float((xv[n * 12 + i] - s.mean[n]) / std::sqrt(s.var[n] + 1e-5) * w[i] + b[i]));
  expect_close(ln(x), {2, 3, 4}, ref, 1e-5f, 2e-5f);
  EXPECT_EQ(ln.to_string(), "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True)");
  expect_error([&] { ln(zeros({2, 4, 3})); }, {"input", "normalized_shape"});
}

TEST(NnGroupNorm, NormalisesEachGroupOfChannelsPerSample) {
  GroupNorm gn(2, 4);
  gn.weight = random_tensor({4}, 14);
  gn.bias = random_tensor({4}, 15);
  const Tensor x = random_tensor({2, 4, 3}, 16);
  const Stats s = channel_stats(values(x), 1, 4, 6);  // (sample, group) blocks of 2 channels x 3
  const auto xv = values(x), w = values(gn.weight), b = values(gn.bias);
  std::vector<float> ref;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 4; ++c)
      for (int i = 0; i < 3; ++i) {
        const int blk = n * 2 + c / 2;
        ref.push_back(float((xv[(n * 4 + c) * 3 + i] - s.mean[blk]) / std::sqrt(s.var[blk] + 1e-5) * w[c] + b[c]));
      }
  expect_close(gn(x), {2, 4, 3}, ref, 1e-5f, 2e-5f);
  EXPECT_EQ(gn.to_string(), "GroupNorm(2, 4, eps=1e-05, affine=True)");
  expect_error([] { GroupNorm(3, 4); }, {"num_channels", "4"});
  expect_error([&] { gn(zeros({2, 6, 3})); }, {"input", "num_channels"});
}

TEST(NnInstanceNorm, NormalisesEachSampleAndChannelAndTracksStatsWhenAsked) {
  InstanceNorm2d in(3);
  const Tensor x = random_tensor({2, 3, 2, 3}, 17);
  const Stats s = channel_stats(values(x), 1, 6, 6);
  const auto xv = values(x);
  std::vector<float> ref;
  for (int nc = 0; nc < 6; ++nc)
    for (int i = 0; i < 6; ++i) ref.push_back(float((xv[nc * 6 + i] - s.mean[nc]) / std::sqrt(s.var[nc] + 1e-5)));
  expect_close(in(x), {2, 3, 2, 3}, ref, 1e-5f, 2e-5f);
  EXPECT_EQ(in.to_string(), "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");

  InstanceNorm1d tracked(2, 1e-5, 0.5, true, true);
  const Tensor x1 = random_tensor({3, 2, 4}, 18);
  tracked(x1);
  const Stats s1 = channel_stats(values(x1), 1, 6, 4);
  std::vector<float> rm(2, 0.f), rv(2, 0.f);
  for (int n = 0; n < 3; ++n)
    for (int c = 0; c < 2; ++c) {
      rm[c] += float(0.5 * s1.mean[n * 2 + c]) / 3.f;
      rv[c] += float(0.5 + 0.5 * s1.var_unbiased[n * 2 + c]) / 3.f;
    }
  expect_close(tracked.running_mean, {2}, rm);
  expect_close(tracked.running_var, {2}, rv);
  tracked.eval();
  const Tensor x2 = random_tensor({2, 4}, 19);  // unbatched, eval: running statistics
  const auto x2v = values(x2), m = values(tracked.running_mean), v = values(tracked.running_var);
  std::vector<float> ref2;
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 4; ++i) ref2.push_back(float((x2v[c * 4 + i] - m[c]) / std::sqrt(v[c] + 1e-5)));
  expect_close(tracked(x2), {2, 4}, ref2);
}

}  // namespace
}  // namespace qjit::nn
