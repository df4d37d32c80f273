// The normalization kernels (kernels/qnorm.h): every available ISA path bit-exact against the scalar reference.
// Batch norm over channel counts 1..67 (whole AVX2 blocks of 32 and 8 and every tail) in both layouts
// (channels-last rows, contiguous planes of 1, odd and > 32 elements), u8 and s8, with and without ReLU; layer norm
// over slice sizes 1..67 and long slices (past the int32 flush of the AVX2 statistics); group / instance norm over
// channel counts 1..67 with several group counts and spatial sizes; values that saturate, and non-finite ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/qnorm.h"
#include "kernels/reference/qnorm_ref.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, 255);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(dist(rng));
  return v;
}

std::vector<float> random_floats(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& f : v) f = dist(rng);
  return v;
}

int32_t zero_point_for(QType t, int32_t u8_zp) { return t == QType::s8 ? u8_zp - 128 : u8_zp; }

// Runs batch norm on one ISA and on the reference and compares every byte.
void expect_batch_norm_matches(Isa isa, const BatchNormDesc& d, QType t, const std::vector<uint8_t>& x) {
  std::vector<uint8_t> got(x.size(), 0xAA), want(x.size(), 0x55);
  q_batch_norm(d, t, x.data(), got.data(), isa);
  ref::q_batch_norm(d, t, x.data(), want.data());
  ASSERT_EQ(got, want) << qtype_name(t) << " outer=" << d.outer << " C=" << d.channels << " inner=" << d.inner
                       << " relu=" << d.relu << " zp=" << d.in_zero_point << "/" << d.out_zero_point;
}

void expect_normalize_matches(Isa isa, const NormDesc& d, QType t, const std::vector<uint8_t>& x) {
  std::vector<uint8_t> got(x.size(), 0xAA), want(x.size(), 0x55);
  quantized_normalize(d, t, x.data(), got.data(), isa);
  ref::quantized_normalize(d, t, x.data(), want.data());
  ASSERT_EQ(got, want) << qtype_name(t) << " slices=" << d.slices << " N=" << d.slice_size
                       << " per_channel=" << d.per_channel_affine << " C=" << d.channels
                       << " channels_per_slice=" << d.channels_per_slice << " gamma=" << (d.gamma != nullptr)
                       << " beta=" << (d.beta != nullptr);
}

TEST(QNormKernel, BatchNormEveryIsaBitExactToReferenceChannels1To67BothLayouts) {
  qjit::testing::for_each_isa([](Isa isa) {
    for (QType t : {QType::u8, QType::s8})
      for (bool relu : {false, true})
        for (int64_t spatial : {1, 7, 37})
          for (int64_t C = 1; C <= 67; ++C) {
            const auto seed = static_cast<uint32_t>(C * 131 + spatial * 7 + relu);
            // alpha and beta wide enough that some outputs clamp at either end of the range.
            const auto alpha = random_floats(static_cast<size_t>(C), -3.0f, 3.0f, seed);
            const auto beta = random_floats(static_cast<size_t>(C), -200.0f, 200.0f, seed + 1);
            const auto x = random_bytes(static_cast<size_t>(2 * C * spatial), seed + 2);
            BatchNormDesc d;
            d.channels = C;
            d.alpha = alpha.data();
            d.beta = beta.data();
            d.in_zero_point = zero_point_for(t, 100);
            d.out_zero_point = zero_point_for(t, 140);
            d.relu = relu;
            d.outer = 2 * spatial;  // channels last
            d.inner = 1;
            expect_batch_norm_matches(isa, d, t, x);
            d.outer = 2;  // contiguous planes
            d.inner = spatial;
            expect_batch_norm_matches(isa, d, t, x);
          }
  });
}

// Non-finite and huge products: every path clamps them the same way (+inf and huge to qmax, NaN and -inf to qmin).
TEST(QNormKernel, BatchNormNonFiniteAndHugeValuesSaturateAlikeOnEveryIsa) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> alpha = {inf, -inf, nan, 1e30f, -1e30f, 0.0f, 3e9f, 1.0f};
  const std::vector<float> beta = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, inf, 0.0f, -inf};
  const int64_t C = 8, pixels = 5;
  std::vector<uint8_t> x(static_cast<size_t>(C * pixels), 200);  // x - zp = 100 > 0
  qjit::testing::for_each_isa([&](Isa isa) {
    BatchNormDesc d;
    d.outer = pixels;
    d.channels = C;
    d.alpha = alpha.data();
    d.beta = beta.data();
    d.in_zero_point = 100;
    d.out_zero_point = 10;
    std::vector<uint8_t> y(x.size());
    q_batch_norm(d, QType::u8, x.data(), y.data(), isa);
    const uint8_t want[8] = {255, 0, 0, 255, 0, 255, 255, 0};
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t c = 0; c < C; ++c) ASSERT_EQ(y[static_cast<size_t>(p * C + c)], want[c]) << "channel " << c;
    expect_batch_norm_matches(isa, d, QType::u8, x);
  });
}

TEST(QNormKernel, LayerNormEveryIsaBitExactToReferenceSliceSizes1To67AndLong) {
  std::vector<int64_t> sizes;
  for (int64_t n = 1; n <= 67; ++n) sizes.push_back(n);
  for (int64_t n : {168, 1001, 16 * 4096 + 37}) sizes.push_back(n);  // the last one passes the int32 flush
  qjit::testing::for_each_isa([&](Isa isa) {
    for (QType t : {QType::u8, QType::s8})
      for (int64_t N : sizes)
        for (int affine = 0; affine < 3; ++affine) {  // none, gamma and beta, gamma only
          const auto seed = static_cast<uint32_t>(N * 7 + affine);
          const auto gamma = random_floats(static_cast<size_t>(N), -2.0f, 2.0f, seed);
          const auto beta = random_floats(static_cast<size_t>(N), -1.0f, 1.0f, seed + 1);
          const int64_t slices = N > 1000 ? 2 : 3;
          const auto x = random_bytes(static_cast<size_t>(slices * N), seed + 2);
          NormDesc d;
          d.slices = slices;
          d.slice_size = N;
          d.gamma = affine ? gamma.data() : nullptr;
          d.beta = affine == 1 ? beta.data() : nullptr;
          d.eps = 1e-5;
          d.in_scale = 0.05f;
          d.in_zero_point = zero_point_for(t, 120);
          d.out_scale = 0.02f;  // |y| up to ~ 4 sigma / 0.02: the range clamps on both sides
          d.out_zero_point = zero_point_for(t, 128);
          expect_normalize_matches(isa, d, t, x);
        }
  });
}

TEST(QNormKernel, GroupAndInstanceNormEveryIsaBitExactToReferenceChannels1To67) {
  qjit::testing::for_each_isa([](Isa isa) {
    for (QType t : {QType::u8, QType::s8})
      for (int64_t spatial : {1, 5, 9, 40})
        for (int64_t C = 1; C <= 67; ++C)
          for (int64_t groups : {int64_t{1}, C, C % 3 == 0 ? C / 3 : C}) {  // group norm, instance norm, 3 per group
            const int64_t batch = 2;
            const auto seed = static_cast<uint32_t>(C * 53 + spatial + groups);
            const auto gamma = random_floats(static_cast<size_t>(C), -2.0f, 2.0f, seed);
            const auto beta = random_floats(static_cast<size_t>(C), -1.0f, 1.0f, seed + 1);
            const auto x = random_bytes(static_cast<size_t>(batch * C * spatial), seed + 2);
            NormDesc d;
            d.slices = batch * groups;
            d.slice_size = C / groups * spatial;
            d.per_channel_affine = true;
            d.channels = C;
            d.channels_per_slice = C / groups;
            d.gamma = (C % 2) ? gamma.data() : nullptr;
            d.beta = (C % 4 < 2) ? beta.data() : nullptr;
            d.eps = 1e-5;
            d.in_scale = 0.1f;
            d.in_zero_point = zero_point_for(t, 90);
            d.out_scale = 0.03f;
            d.out_zero_point = zero_point_for(t, 110);
            expect_normalize_matches(isa, d, t, x);
          }
  });
}

// A constant slice has zero variance: with eps = 0 the factor is infinite and 0 * inf is NaN; a tiny output scale
// pushes every value far out of range. Every path gives the reference's bytes.
TEST(QNormKernel, NormZeroVarianceAndTinyOutputScaleSaturateAlikeOnEveryIsa) {
  qjit::testing::for_each_isa([](Isa isa) {
    for (QType t : {QType::u8, QType::s8}) {
      std::vector<uint8_t> constant(3 * 45, 77);
      NormDesc d;
      d.slices = 3;
      d.slice_size = 45;
      d.eps = 0.0;
      d.in_scale = 0.5f;
      d.out_scale = 0.1f;
      d.out_zero_point = zero_point_for(t, 30);
      expect_normalize_matches(isa, d, t, constant);
      d.eps = 1e-5;
      d.out_scale = 1e-30f;
      expect_normalize_matches(isa, d, t, random_bytes(3 * 45, 5));
    }
  });
}

// Ties: beta is chosen so that the rounded product plus beta is exactly k + 0.5 (rounded to even by the
// reference), while the exact product plus beta (what a fused multiply-add computes) is not. A path that fused the
// multiply and add would round many of these the other way; the test first checks that such elements exist.
float tie_beta(float product) { return 0.5f - product; }  // exact: 0.5 is a multiple of ulp(product) for |product| >= 1

int64_t fused_would_differ(float a, float g, float b) {
  const float unfused = std::nearbyint(a * g + b), fused = std::nearbyint(std::fma(a, g, b));
  return unfused != fused;
}

TEST(QNormKernel, BatchNormRoundsProductThenSumOnTiesLikeTheReferenceOnEveryIsa) {
  const int64_t C = 67, pixels = 37;
  const auto alpha = random_floats(C, 1.0f, 3.0f, 11);
  std::vector<float> beta(C);
  std::vector<uint8_t> x(static_cast<size_t>(C * pixels));
  int64_t sensitive = 0;
  for (int64_t c = 0; c < C; ++c) {
    const int32_t v = 1 + static_cast<int32_t>(c % 50);  // x - zp
    for (int64_t p = 0; p < pixels; ++p) x[static_cast<size_t>(p * C + c)] = static_cast<uint8_t>(100 + v);
    beta[c] = tie_beta(alpha[c] * static_cast<float>(v));
    sensitive += fused_would_differ(alpha[c], static_cast<float>(v), beta[c]);
  }
  ASSERT_GT(sensitive, 5) << "the data must hold elements where fusing changes the result";
  qjit::testing::for_each_isa([&](Isa isa) {
    BatchNormDesc d;
    d.channels = C;
    d.alpha = alpha.data();
    d.beta = beta.data();
    d.in_zero_point = 100;
    d.out_zero_point = 50;
    d.outer = pixels;  // channels last
    expect_batch_norm_matches(isa, d, QType::u8, x);
    std::vector<uint8_t> y(x.size());
    q_batch_norm(d, QType::u8, x.data(), y.data(), isa);
    for (uint8_t q : y) ASSERT_EQ(q, 50) << "0.5 rounds to even";
    std::vector<uint8_t> planes(x.size());  // the same values as contiguous planes
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t c = 0; c < C; ++c) planes[static_cast<size_t>(c * pixels + p)] = x[static_cast<size_t>(p * C + c)];
    d.outer = 1;
    d.inner = pixels;
    expect_batch_norm_matches(isa, d, QType::u8, planes);
    q_batch_norm(d, QType::u8, planes.data(), y.data(), isa);
    for (uint8_t q : y) ASSERT_EQ(q, 50) << "0.5 rounds to even";
  });
}

TEST(QNormKernel, LayerAndGroupNormRoundProductThenSumOnTiesLikeTheReferenceOnEveryIsa) {
  const int64_t N = 67;
  const auto x = random_bytes(N, 3);
  NormDesc d;
  d.slices = 1;
  d.slice_size = N;
  d.eps = 1e-5;
  d.in_scale = 0.25f;
  d.in_zero_point = 7;
  d.out_scale = 1.0f;
  d.out_zero_point = 100;
  int64_t sum, sum_sq;
  ref::slice_sums(QType::u8, x.data(), N, sum, sum_sq);
  const ref::NormStats s = ref::norm_stats(d, sum, sum_sq);
  // layer_norm: ((x - mean) * inv_std) * gamma + beta; gamma scaled so that |product| >= 1.
  std::vector<float> gamma(N), beta(N);
  const auto r = random_floats(N, 1.0f, 2.0f, 4);
  int64_t sensitive = 0;
  for (int64_t j = 0; j < N; ++j) {
    const float a = (static_cast<float>(static_cast<int64_t>(x[j]) - d.in_zero_point) - s.mean) * s.inv_std;
    gamma[j] = std::fabs(a) >= 1.0f ? r[j] : r[j] * 8.0f / (std::fabs(a) + 0.125f);
    beta[j] = tie_beta(a * gamma[j]);
    sensitive += fused_would_differ(a, gamma[j], beta[j]);
  }
  ASSERT_GT(sensitive, 5) << "the data must hold elements where fusing changes the result";
  // group norm, one channel per element (slice of 67 channels of spatial size 1): d * (gamma * inv_std) + beta.
  NormDesc g = d;
  g.per_channel_affine = true;
  g.channels = N;
  g.channels_per_slice = N;
  std::vector<float> g_gamma(N), g_beta(N);
  int64_t g_sensitive = 0;
  for (int64_t c = 0; c < N; ++c) {
    const float v = static_cast<float>(static_cast<int64_t>(x[c]) - d.in_zero_point) - s.mean;
    g_gamma[c] = std::fabs(v * s.inv_std) >= 1.0f ? r[c] : r[c] * 8.0f / (std::fabs(v * s.inv_std) + 0.125f);
    const float factor = g_gamma[c] * s.inv_std;
    g_beta[c] = tie_beta(v * factor);
    g_sensitive += fused_would_differ(v, factor, g_beta[c]);
  }
  ASSERT_GT(g_sensitive, 5) << "the data must hold elements where fusing changes the result";
  d.gamma = gamma.data();
  d.beta = beta.data();
  g.gamma = g_gamma.data();
  g.beta = g_beta.data();
  qjit::testing::for_each_isa([&](Isa isa) {
    expect_normalize_matches(isa, d, QType::u8, x);
    expect_normalize_matches(isa, g, QType::u8, x);
  });
}

TEST(QNormKernel, ReferenceStatisticsAreTheExactIntegerSums) {
  std::vector<uint8_t> x(16 * 4096 * 2 + 3, 255);
  int64_t sum = 0, sum_sq = 0;
  ref::slice_sums(QType::u8, x.data(), static_cast<int64_t>(x.size()), sum, sum_sq);
  EXPECT_EQ(sum, 255 * static_cast<int64_t>(x.size()));
  EXPECT_EQ(sum_sq, 255 * 255 * static_cast<int64_t>(x.size()));
  std::vector<uint8_t> s(10, 0x80);  // -128 as s8
  ref::slice_sums(QType::s8, s.data(), 10, sum, sum_sq);
  EXPECT_EQ(sum, -1280);
  EXPECT_EQ(sum_sq, 163840);
}

// A long all-255 slice (sum of squares near 2^33) must not wrap on any path: with gamma = 0 and beta = 1 every
// output is exactly out_zp + 1 / out_scale only if the statistics were finite; compare against the reference too.
TEST(QNormKernel, LongSliceStatisticsDoNotOverflowOnEveryIsa) {
  qjit::testing::for_each_isa([](Isa isa) {
    std::vector<uint8_t> x(16 * 4096 * 2 + 3);
    for (size_t i = 0; i < x.size(); ++i) x[i] = i % 2 ? 255 : 250;
    NormDesc d;
    d.slices = 1;
    d.slice_size = static_cast<int64_t>(x.size());
    d.eps = 1e-5;
    d.in_scale = 0.1f;
    d.out_scale = 0.05f;
    d.out_zero_point = 128;
    expect_normalize_matches(isa, d, QType::u8, x);
    std::vector<uint8_t> y(x.size());
    quantized_normalize(d, QType::u8, x.data(), y.data(), isa);
    // values are mean +- 2.5: normalized +-1 -> 128 +- 20
    EXPECT_EQ(y[0], 108);
    EXPECT_EQ(y[1], 148);
  });
}

}  // namespace
}  // namespace qjit
