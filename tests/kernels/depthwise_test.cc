// Depthwise 2-d convolution kernel on every available path, bit-exact against the direct reference convolution
// (ref::conv_u8s8) over channels 1..67 (every remainder of the 16-channel block), kernel sizes, strides, padding,
// dilation and output stages.
#include <gtest/gtest.h>

#include <random>

#include "base/error.h"
#include "kernels/depthwise.h"
#include "kernels/reference/conv_ref.h"
#include "tests/support/buffers.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

struct DwCase {
  int64_t c, h, w, k_h, k_w, stride, pad, dil;
};

void check(Isa isa, const DwCase& k, OutputKind kind, RequantFormula formula, bool per_channel, uint32_t seed) {
  ConvDesc d;
  d.batch = 2;
  d.in_channels = d.out_channels = d.groups = k.c;
  d.input = {1, k.h, k.w};
  d.kernel = {1, k.k_h, k.k_w};
  d.stride = {1, k.stride, k.stride};
  d.padding = {0, k.pad, k.pad};
  d.dilation = {1, k.dil, k.dil};
  SCOPED_TRACE(d.describe() + " out=" + output_kind_name(kind));
  d.validate("test");
  std::mt19937 rng(seed);
  const size_t C = static_cast<size_t>(k.c);
  std::vector<uint8_t> x(d.input_pixels() * C);
  for (auto& v : x) v = static_cast<uint8_t>(rng());
  std::vector<int8_t> w(C * static_cast<size_t>(k.k_h * k.k_w));
  for (auto& v : w) v = static_cast<int8_t>(rng());
  std::vector<float> mult(C), bias_f(C);
  std::vector<int32_t> bias_i(C);
  for (size_t c = 0; c < C; ++c) {
    mult[c] = 1e-3f + static_cast<float>(rng() % 1000) * 1e-5f;
    bias_f[c] = static_cast<float>(static_cast<int>(rng() % 2001) - 1000);
    bias_i[c] = static_cast<int32_t>(rng() % 2001) - 1000;
  }
  OutputStage s;
  if (kind != OutputKind::s32) {
    s = requantize_stage(kind, formula, mult.data(), per_channel, kind == OutputKind::u8 ? 9 : -2);
    if (formula == RequantFormula::onednn)
      s.bias_f = bias_f.data();
    else
      s.bias_i = bias_i.data();
    if (per_channel) s.qmin = s.zero_point;  // fused ReLU
  }
  const int32_t x_zp = 37;
  const size_t out_bytes = d.output_pixels() * C * output_kind_size(kind);
  std::vector<unsigned char> want(out_bytes);
  ref::conv_u8s8(d, x.data(), x_zp, w.data(), nullptr, want.data(), s);
  const DepthwiseWeights dw(w.data(), C, static_cast<size_t>(k.k_h), static_cast<size_t>(k.k_w), isa);
  testing::GuardedBuffer<unsigned char> got(out_bytes);
  depthwise_conv2d(d, x.data(), x_zp, dw, got.data(), s, Exec{isa});
  for (size_t i = 0; i < out_bytes; ++i) ASSERT_EQ(got.get(i), want[i]) << "byte " << i;
  ASSERT_TRUE(got.guards_intact());
}

TEST(Depthwise, EveryChannelRemainderMatchesTheReferenceOnEveryPath) {
  testing::for_each_isa([](Isa isa) {
    for (int64_t c = 1; c <= 67; ++c) {
      check(isa, {c, 5, 6, 3, 3, 1, 1, 1}, OutputKind::u8, RequantFormula::onednn, true, static_cast<uint32_t>(c));
      if (::testing::Test::HasFailure()) return;
    }
  });
}

TEST(Depthwise, KernelSizesStridesPaddingDilationAndOutputStages) {
  const DwCase cases[] = {{32, 7, 7, 3, 3, 2, 1, 1}, {24, 9, 8, 5, 5, 1, 2, 1}, {17, 11, 10, 7, 7, 1, 3, 1},
                          {16, 6, 6, 3, 3, 1, 2, 2}, {40, 8, 9, 5, 5, 2, 2, 1}, {8, 4, 4, 1, 1, 1, 0, 1},
                          {19, 5, 7, 2, 3, 1, 0, 1}, {48, 1, 1, 3, 3, 1, 1, 1}, {3, 12, 12, 3, 3, 2, 0, 2}};
  testing::for_each_isa([&](Isa isa) {
    for (const auto& k : cases) {
      check(isa, k, OutputKind::u8, RequantFormula::onednn, true, 1);
      check(isa, k, OutputKind::s8, RequantFormula::qnnpack, true, 2);
      check(isa, k, OutputKind::u8, RequantFormula::qnnpack, false, 3);
      check(isa, k, OutputKind::s32, RequantFormula::onednn, false, 4);
      if (::testing::Test::HasFailure()) return;
    }
  });
}

TEST(Depthwise, MobileNetSizedLayerMatchesTheReference) {
  testing::for_each_isa([](Isa isa) { check(isa, {96, 28, 28, 3, 3, 2, 1, 1}, OutputKind::u8, RequantFormula::onednn, true, 5); });
}

TEST(Depthwise, BadArgumentsAreErrors) {
  ConvDesc d;
  d.in_channels = d.out_channels = 4;
  d.groups = 2;
  d.input = {1, 5, 5};
  d.kernel = {1, 3, 3};
  std::vector<int8_t> w(4 * 9, 1);
  const DepthwiseWeights dw(w.data(), 4, 3, 3, Isa::scalar);
  std::vector<uint8_t> x(25 * 4), y(9 * 4);
  EXPECT_THROW(depthwise_conv2d(d, x.data(), 0, dw, y.data(), OutputStage{}, Exec{Isa::scalar}), Error);  // groups
  d.groups = 4;
  d.kernel = {1, 5, 5};
  EXPECT_THROW(depthwise_conv2d(d, x.data(), 0, dw, y.data(), OutputStage{}, Exec{Isa::scalar}), Error);  // kernel
  d.kernel = {1, 3, 3};
  EXPECT_THROW(depthwise_conv2d(d, x.data(), 300, dw, y.data(), OutputStage{}, Exec{Isa::scalar}), Error);  // zp
  EXPECT_THROW(DepthwiseWeights(w.data(), 0, 3, 3), Error);
}

}  // namespace
}  // namespace qjit
