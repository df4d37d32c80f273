// Depthwise convolution kernel (kernels/depthwise.h) on every available path, bit-exact against the direct
// reference convolution (ref::conv_u8s8): 1-d, 2-d and 3-d; channels 1..67 (every remainder of the 16-channel
// block); channel multipliers 1-4; kernels 1 (not the 1x1 GEMM), 3, 5, 7 and non-square; stride, padding,
// dilation; symmetric and asymmetric weights; u8 / s8 / s32 / f32 outputs, per tensor and per channel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "base/error.h"
#include "base/threadpool.h"
#include "kernels/depthwise.h"
#include "kernels/reference/conv_ref.h"
#include "tests/support/buffers.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

// Sizes per dimension in use (the last `dims` of D, H, W); the others stay 1.
struct DwCase {
  int dims;
  int64_t c, m;
  std::array<int64_t, 3> in, k;
  int64_t stride, pad, dil;
};

struct Stage {
  OutputKind kind = OutputKind::u8;
  RequantFormula formula = RequantFormula::onednn;
  bool per_channel = true;
  bool w_zp = false;  // asymmetric weights (zero points differing per channel when per_channel)
};

ConvDesc desc_of(const DwCase& k, int64_t batch) {
  ConvDesc d;
  d.spatial_dims = k.dims;
  d.batch = batch;
  d.in_channels = d.groups = k.c;
  d.out_channels = k.c * k.m;
  for (int i = 3 - k.dims; i < 3; ++i) {
    const size_t j = static_cast<size_t>(i);
    d.input[j] = k.in[j];
    d.kernel[j] = k.k[j];
    d.stride[j] = k.stride;
    d.padding[j] = k.pad;
    d.dilation[j] = k.dil;
  }
  return d;
}

// Random data, or the extremes: x = 255 and every w - w_zp = -128 or 127 (-255 or 255 with zero points), the
// channel's sign fixed, so that every tap pair pushes the kernel's int16 partial sums as far as it can.
enum class Fill { random, extreme };

// Returns false (after reporting) on the first mismatch.
// How depthwise_conv is called: on this thread, on the default pool with 2 threads, or as 3 shares of a caller's
// partition (run concurrently on the default pool).
enum class Threads { one, pool, partition };

bool check(Isa isa, const DwCase& k, const Stage& st, uint32_t seed, Fill fill = Fill::random,
           Threads threads = Threads::one) {
  const ConvDesc d = desc_of(k, 2);
  SCOPED_TRACE(d.describe() + " m=" + std::to_string(k.m) + " out=" + output_kind_name(st.kind) +
               (st.per_channel ? " per_channel" : " per_tensor") + (st.w_zp ? " w_zp" : ""));
  d.validate("test");
  std::mt19937 rng(seed);
  const size_t C = static_cast<size_t>(k.c), OC = C * static_cast<size_t>(k.m);
  const size_t T = static_cast<size_t>(d.kernel[0] * d.kernel[1] * d.kernel[2]), M = d.output_pixels();
  std::vector<uint8_t> x(d.input_pixels() * C);
  for (auto& v : x) v = static_cast<uint8_t>(rng());
  std::vector<int8_t> w(OC * T);
  for (auto& v : w) v = static_cast<int8_t>(rng());
  std::vector<int32_t> w_zp;
  if (st.w_zp) {
    w_zp.resize(st.per_channel ? OC : 1);
    for (auto& z : w_zp) z = static_cast<int32_t>(rng() % 256) - 128;
  }
  std::vector<int32_t> ref_zp(OC, 0);
  if (fill == Fill::extreme) {
    std::fill(x.begin(), x.end(), uint8_t{255});
    for (size_t i = 0; i < w.size(); ++i) w[i] = i / T % 2 ? int8_t{127} : int8_t{-128};
    for (size_t c = 0; c < w_zp.size(); ++c) w_zp[c] = c % 2 ? -128 : 127;
  }
  for (size_t c = 0; c < OC && !w_zp.empty(); ++c) ref_zp[c] = w_zp[w_zp.size() == 1 ? 0 : c];
  std::vector<float> mult(OC), bias_f(OC), row_scale(M), post_bias(OC);
  std::vector<int32_t> bias_i(OC);
  for (size_t c = 0; c < OC; ++c) {
    mult[c] = 1e-3f + static_cast<float>(rng() % 1000) * 1e-5f;
    bias_f[c] = static_cast<float>(static_cast<int>(rng() % 2001) - 1000);
    bias_i[c] = static_cast<int32_t>(rng() % 2001) - 1000;
    post_bias[c] = static_cast<float>(static_cast<int>(rng() % 201) - 100) * 0.01f;
  }
  for (auto& v : row_scale) v = 0.5f + static_cast<float>(rng() % 100) * 0.01f;
  OutputStage s;
  if (st.kind == OutputKind::u8 || st.kind == OutputKind::s8) {
    s = requantize_stage(st.kind, st.formula, mult.data(), st.per_channel, st.kind == OutputKind::u8 ? 9 : -2);
    if (st.formula == RequantFormula::onednn)
      s.bias_f = bias_f.data();
    else
      s.bias_i = bias_i.data();
    if (st.per_channel) s.qmin = s.zero_point;  // fused ReLU
  } else if (st.kind == OutputKind::f32) {
    s.kind = OutputKind::f32;
    s.multiplier = mult.data();
    s.per_channel = st.per_channel;
    s.bias_f = bias_f.data();
    if (st.per_channel) s.row_scale = row_scale.data();
    s.post_bias = post_bias.data();
  }
  const int32_t x_zp = 37;
  const size_t out_bytes = M * OC * output_kind_size(st.kind);
  std::vector<unsigned char> want(out_bytes);
  ref::conv_u8s8(d, x.data(), x_zp, w.data(), st.w_zp ? ref_zp.data() : nullptr, want.data(), s);
  const std::array<size_t, 3> kernel{static_cast<size_t>(d.kernel[0]), static_cast<size_t>(d.kernel[1]),
                                     static_cast<size_t>(d.kernel[2])};
  const DepthwiseWeights dw(w.data(), C, static_cast<size_t>(k.m), kernel, w_zp, isa);
  testing::GuardedBuffer<unsigned char> got(out_bytes);
  switch (threads) {
    case Threads::one: depthwise_conv(d, x.data(), x_zp, dw, got.data(), s, Exec{isa, nullptr, 1}); break;
    case Threads::pool: depthwise_conv(d, x.data(), x_zp, dw, got.data(), s, Exec{isa, nullptr, 2}); break;
    case Threads::partition:
      parallel_run(3, [&](Partition p) { depthwise_conv(d, x.data(), x_zp, dw, got.data(), s, Exec{isa, &p}); });
      break;
  }
  for (size_t i = 0; i < out_bytes; ++i) {
    const unsigned char g = got.get(i);
    if (g != want[i]) {
      ADD_FAILURE() << "byte " << i << " (output value " << i / output_kind_size(st.kind) << "): got " << int{g}
                    << " want " << int{want[i]};
      return false;
    }
  }
  EXPECT_TRUE(got.guards_intact()) << "wrote outside y";
  return !::testing::Test::HasFailure();
}

// 2-d 3x3 with padding, on a small image.
DwCase dw2d(int64_t c, int64_t m, int64_t k = 3, int64_t stride = 1, int64_t pad = 1, int64_t dil = 1) {
  return {2, c, m, {1, 5, 6}, {1, k, k}, stride, pad, dil};
}

TEST(Depthwise, EveryChannelRemainderAndMultiplierMatchesTheReferenceOnEveryPath) {
  testing::for_each_isa([](Isa isa) {
    for (int64_t m : {1, 2, 3, 4})
      for (int64_t c = 1; c <= 67; ++c)
        if (!check(isa, dw2d(c, m, 3, 1 + c % 2), {}, static_cast<uint32_t>(c * 5 + m))) return;
  });
}

TEST(Depthwise, KernelSizesStridesPaddingDilationAndOutputStages) {
  const DwCase cases[] = {
      {2, 32, 1, {1, 7, 7}, {1, 3, 3}, 2, 1, 1},   {2, 24, 2, {1, 9, 8}, {1, 5, 5}, 1, 2, 1},
      {2, 17, 1, {1, 11, 10}, {1, 7, 7}, 1, 3, 1}, {2, 16, 3, {1, 6, 6}, {1, 3, 3}, 1, 2, 2},
      {2, 40, 1, {1, 8, 9}, {1, 5, 5}, 2, 2, 1},   {2, 8, 2, {1, 4, 4}, {1, 1, 1}, 1, 0, 1},
      {2, 19, 1, {1, 5, 7}, {1, 2, 3}, 1, 0, 1},   {2, 48, 1, {1, 1, 1}, {1, 3, 3}, 1, 1, 1},
      {2, 3, 4, {1, 12, 12}, {1, 3, 3}, 2, 0, 2},  {2, 21, 2, {1, 7, 9}, {1, 2, 4}, 2, 1, 1},
      {2, 9, 1, {1, 6, 5}, {1, 1, 1}, 2, 1, 1},    {2, 33, 3, {1, 9, 9}, {1, 7, 7}, 2, 3, 1}};
  const Stage stages[] = {{OutputKind::u8, RequantFormula::onednn, true, false},
                          {OutputKind::s8, RequantFormula::qnnpack, true, true},
                          {OutputKind::u8, RequantFormula::qnnpack, false, false},
                          {OutputKind::u8, RequantFormula::onednn, false, true},
                          {OutputKind::s32, RequantFormula::onednn, false, false},
                          {OutputKind::s32, RequantFormula::onednn, true, true},
                          {OutputKind::f32, RequantFormula::onednn, true, false},
                          {OutputKind::f32, RequantFormula::onednn, false, true}};
  testing::for_each_isa([&](Isa isa) {
    uint32_t seed = 1;
    for (const auto& k : cases)
      for (const auto& st : stages)
        if (!check(isa, k, st, seed++)) return;
  });
}

TEST(Depthwise, Conv1dAndConv3dMatchTheReference) {
  const DwCase cases[] = {
      {1, 1, 1, {1, 1, 9}, {1, 1, 3}, 1, 1, 1},    {1, 17, 2, {1, 1, 20}, {1, 1, 5}, 2, 2, 1},
      {1, 64, 1, {1, 1, 15}, {1, 1, 7}, 1, 3, 2},  {1, 35, 3, {1, 1, 8}, {1, 1, 1}, 1, 0, 1},
      {1, 16, 4, {1, 1, 11}, {1, 1, 4}, 2, 0, 1},  {3, 8, 1, {5, 5, 5}, {3, 3, 3}, 1, 1, 1},
      {3, 19, 2, {4, 6, 5}, {3, 3, 3}, 2, 1, 1},   {3, 33, 1, {6, 5, 7}, {2, 3, 4}, 1, 1, 2},
      {3, 5, 3, {3, 4, 4}, {1, 1, 1}, 1, 0, 1},    {3, 48, 1, {7, 7, 7}, {5, 5, 5}, 2, 2, 1}};
  testing::for_each_isa([&](Isa isa) {
    uint32_t seed = 100;
    for (const auto& k : cases)
      for (const Stage& st : {Stage{OutputKind::u8, RequantFormula::onednn, true, false},
                              Stage{OutputKind::s8, RequantFormula::qnnpack, false, true},
                              Stage{OutputKind::s32, RequantFormula::onednn, true, true}})
        if (!check(isa, k, st, seed++)) return;
  });
}

TEST(Depthwise, MobileNetSizedLayersMatchTheReference) {
  testing::for_each_isa([](Isa isa) {
    check(isa, {2, 96, 1, {1, 28, 28}, {1, 3, 3}, 2, 1, 1}, {}, 5);
    check(isa, {2, 144, 1, {1, 14, 14}, {1, 3, 3}, 1, 1, 1}, {OutputKind::u8, RequantFormula::qnnpack, true, true}, 6);
    check(isa, {2, 32, 2, {1, 16, 16}, {1, 5, 5}, 1, 2, 1}, {}, 7);
  });
}

TEST(Depthwise, ThePoolAndACallersPartitionMatchTheReference) {
  // Large enough rows (OW * OC) that the pool really splits them; multiplier 2 and padding, so that the workers
  // read the calling thread's padded copy and tap table.
  testing::for_each_isa([](Isa isa) {
    for (Threads th : {Threads::pool, Threads::partition}) {
      if (!check(isa, {2, 144, 1, {1, 28, 28}, {1, 3, 3}, 1, 1, 1}, {}, 11, Fill::random, th)) return;
      if (!check(isa, {2, 72, 2, {1, 30, 28}, {1, 3, 3}, 2, 1, 1}, {OutputKind::s32, RequantFormula::onednn, true, true},
                 12, Fill::random, th))
        return;
      if (!check(isa, {3, 48, 2, {6, 12, 12}, {3, 3, 3}, 1, 1, 1}, {OutputKind::f32, RequantFormula::onednn, true, false},
                 13, Fill::random, th))
        return;
    }
  });
}

TEST(Depthwise, TheMostTapsTheKernelTakesMatchTheReference) {
  // 255 taps (the descriptor's limit, odd so the last pair is padded) with extreme weights and activations:
  // the int32 sums are far from overflow, and the zero-point-folded int16 weights reach +-255.
  testing::for_each_isa([](Isa isa) {
    check(isa, {3, 20, 1, {5, 17, 3}, {5, 17, 3}, 1, 0, 1}, {OutputKind::s32, RequantFormula::onednn, true, true}, 8);
  });
}

TEST(Depthwise, ExtremeActivationsAndWeightsNeverSaturate) {
  // 7x7 and 5x5x5: more tap pairs than one int16 partial sum takes (8 symmetric, 4 with zero points).
  testing::for_each_isa([](Isa isa) {
    for (const Stage& st : {Stage{OutputKind::s32, RequantFormula::onednn, true, false},
                            Stage{OutputKind::s32, RequantFormula::onednn, true, true}}) {
      if (!check(isa, {2, 34, 1, {1, 9, 9}, {1, 7, 7}, 1, 3, 1}, st, 9, Fill::extreme)) return;
      if (!check(isa, {3, 18, 2, {5, 5, 5}, {5, 5, 5}, 1, 0, 1}, st, 10, Fill::extreme)) return;
    }
  });
}

TEST(Depthwise, BadArgumentsAreErrors) {
  ConvDesc d;
  d.in_channels = d.out_channels = 4;
  d.groups = 2;
  d.input = {1, 5, 5};
  d.kernel = {1, 3, 3};
  std::vector<int8_t> w(8 * 9, 1);
  const DepthwiseWeights dw(w.data(), 4, 3, 3, Isa::scalar);
  std::vector<uint8_t> x(25 * 4), y(9 * 8 * 4);
  EXPECT_THROW(depthwise_conv(d, x.data(), 0, dw, y.data(), OutputStage{}, Exec{Isa::scalar}), Error);  // groups
  d.groups = 4;
  d.kernel = {1, 5, 5};
  EXPECT_THROW(depthwise_conv(d, x.data(), 0, dw, y.data(), OutputStage{}, Exec{Isa::scalar}), Error);  // kernel
  d.kernel = {1, 3, 3};
  d.out_channels = 8;
  EXPECT_THROW(depthwise_conv(d, x.data(), 0, dw, y.data(), OutputStage{}, Exec{Isa::scalar}), Error);  // multiplier
  d.out_channels = 4;
  EXPECT_THROW(depthwise_conv(d, x.data(), 300, dw, y.data(), OutputStage{}, Exec{Isa::scalar}), Error);  // zp
  d.out_channels = 6;  // not a multiple of C
  EXPECT_THROW(depthwise_conv(d, x.data(), 0, dw, y.data(), OutputStage{}, Exec{Isa::scalar}), Error);
  EXPECT_THROW(DepthwiseWeights(w.data(), 0, 3, 3), Error);
  EXPECT_THROW(DepthwiseWeights(w.data(), 4, 0, {1, 3, 3}, {}, Isa::scalar), Error);      // multiplier 0
  EXPECT_THROW(DepthwiseWeights(w.data(), 4, 2, {1, 3, 3}, {0, 0, 0}, Isa::scalar), Error);  // 3 zero points
  EXPECT_THROW(DepthwiseWeights(w.data(), 4, 2, {1, 3, 3}, {200}, Isa::scalar), Error);    // zero point range
  EXPECT_THROW(DepthwiseWeights(w.data(), 1, 1, {16, 4, 4}, {}, Isa::scalar), Error);      // 256 taps
}

}  // namespace
}  // namespace qjit
