// The groupwise convolution kernel (few channels per group) on every available path, bit-exact against the direct
// reference convolution ref::conv_u8s8: channels per group 2 / 4 / 8 / 16, groups 2..33 (every remainder of the
// 16-channel block, hence of the 8 / 4 / 2 groups a vector holds), spatial sizes 1, odd and 56, kernels 1x1
// (strided or padded: routed here), 2x3, 3x3, 5x5, strides 1 / 2, dilation 2, padding 0..2, 1-d and 3-d, per
// tensor and per channel, u8 / s8 / s32 out, x = 255 with w = -128 / 127 everywhere; conv() routing, fallback,
// verbose line and serialization; bad arguments are qjit::Errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/conv.h"
#include "kernels/groupwise.h"
#include "kernels/reference/conv_ref.h"
#include "tests/kernels/conv_tester.h"
#include "tests/support/buffers.h"
#include "tests/support/isa_sweep.h"
#include "tests/support/verbose_capture.h"

namespace qjit {
namespace {

using testing::ConvTester;
using testing::for_each_isa;

// Output stages the groupwise kernel takes (f32 goes to grouped_im2col, tested below): s32, and u8 / s8 with
// each formula, per tensor and per channel, with and without bias and ReLU.
std::vector<ConvTester> stages() {
  return {ConvTester().output(OutputKind::s32).x_zero_point(0),
          ConvTester().output(OutputKind::s32).x_zero_point(131).per_channel(true),
          ConvTester().output(OutputKind::u8).x_zero_point(43).per_channel(true).bias(true).relu(true),
          ConvTester().output(OutputKind::s8).formula(RequantFormula::qnnpack).x_zero_point(7).per_channel(true).bias(true),
          ConvTester().output(OutputKind::u8).formula(RequantFormula::qnnpack).x_zero_point(255).weight_range(-64, 63),
          ConvTester().output(OutputKind::s8).x_zero_point(128).bias(true),
          ConvTester().output(OutputKind::u8).formula(RequantFormula::qnnpack).x_zero_point(3).per_channel(true).relu(true)};
}

ConvTester stage(size_t i) {
  static const std::vector<ConvTester> v = stages();
  return v[i % v.size()];
}

TEST(Groupwise, EveryGroupCountAndChannelsPerGroupMatchTheReferenceOnEveryPath) {
  for_each_isa([](Isa isa) {
    size_t i = 0;
    for (int64_t cg : {2, 4, 8, 16})
      for (int64_t g = 2; g <= 33; ++g) {
        const auto algo = stage(i++).isa(isa).channels(g * cg, g * cg).groups(g).input(4, 5).kernel(3).padding(1).test();
        EXPECT_EQ(algo, ConvAlgorithm::groupwise);
        if (::testing::Test::HasFailure()) return;
      }
  });
}

TEST(Groupwise, KernelSizesStridesDilationAndPadding) {
  struct K { int64_t kh, kw, stride, pad, dil; };
  const K kernels[] = {{1, 1, 2, 0, 1}, {1, 1, 1, 1, 1}, {3, 3, 1, 0, 1}, {3, 3, 2, 1, 1}, {3, 3, 1, 2, 2},
                       {5, 5, 1, 2, 1}, {5, 5, 2, 0, 1}, {2, 3, 1, 1, 1}, {2, 3, 2, 2, 2}, {3, 3, 2, 1, 2}};
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (int64_t cg : {2, 4, 8, 16})
      for (const K& k : kernels)
        for (const ConvTester& base : stages()) {
          const int64_t g = 3 + static_cast<int64_t>(i % 7);  // 3..9 groups: whole blocks and tails
          const auto algo = ConvTester(base).isa(isa).batch(1 + i % 2).channels(g * cg, g * cg).groups(g).input(9, 8)
                                .kernel({k.kh, k.kw}).stride(k.stride).padding(k.pad).dilation(k.dil).test();
          EXPECT_EQ(algo, ConvAlgorithm::groupwise);
          ++i;
          if (::testing::Test::HasFailure()) return;
        }
  });
}

TEST(Groupwise, SpatialSizesOneOddAndResNeXtSized) {
  for_each_isa([](Isa isa) {
    size_t i = 0;
    const int64_t sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {13, 5}, {3, 11}};
    for (auto [h, w] : sizes)
      for (int64_t cg : {2, 4, 8, 16}) {
        stage(i++).isa(isa).channels(5 * cg, 5 * cg).groups(5).input(h, w).kernel(3).padding(1).test();
        stage(i++).isa(isa).batch(2).channels(3 * cg, 3 * cg).groups(3).input(h, w).kernel(3).padding(2).stride(2).test();
      }
    // gconv3x3_g32_128_56: ResNeXt's layer, 4 channels per group.
    const auto algo = ConvTester().isa(isa).output(OutputKind::u8).x_zero_point(43).per_channel(true).bias(true)
                          .channels(128, 128).groups(32).input(56, 56).kernel(3).padding(1).test();
    EXPECT_EQ(algo, ConvAlgorithm::groupwise);
  });
}

TEST(Groupwise, Conv1dAndConv3d) {
  for_each_isa([](Isa isa) {
    size_t i = 0;
    for (int64_t cg : {2, 4, 8, 16}) {
      EXPECT_EQ(stage(i++).isa(isa).channels(5 * cg, 5 * cg).groups(5).input(17).kernel(3).padding(1).test(),
                ConvAlgorithm::groupwise);
      EXPECT_EQ(stage(i++).isa(isa).channels(3 * cg, 3 * cg).groups(3).input(19).kernel(5).stride(2).dilation(2).test(),
                ConvAlgorithm::groupwise);
      EXPECT_EQ(stage(i++).isa(isa).batch(2).channels(3 * cg, 3 * cg).groups(3).input(4, 5, 6).kernel(3).padding(1).test(),
                ConvAlgorithm::groupwise);
      EXPECT_EQ(stage(i++).isa(isa).channels(2 * cg, 2 * cg).groups(2).input(5, 4, 7).kernel({2, 3, 3}).stride({1, 2, 1})
                    .padding({0, 1, 2}).test(),
                ConvAlgorithm::groupwise);
    }
  });
}

// 64 taps (the most the kernel takes; its code grows with them) with channel tails and the longest epilogue.
TEST(Groupwise, LargestKernelFitsItsCode) {
  for_each_isa([](Isa isa) {
    for (int64_t cg : {2, 4, 8, 16})
      for (size_t i : {size_t{0}, size_t{3}})
        EXPECT_EQ(stage(i).isa(isa).channels(3 * cg, 3 * cg).groups(3).input(5, 5, 6).kernel(4).padding(1).test(),
                  ConvAlgorithm::groupwise);
  });
}

TEST(Groupwise, PoolAndCallerPartitionGiveTheSameOutputs) {
  for_each_isa([](Isa isa) {
    for (int64_t cg : {2, 4, 8, 16}) {
      stage(0).isa(isa).batch(2).channels(6 * cg, 6 * cg).groups(6).input(11, 9).kernel(3).padding(1)
          .threads(ConvTester::Threads::pool).test();
      stage(2).isa(isa).batch(2).channels(6 * cg, 6 * cg).groups(6).input(11, 9).kernel(3).padding(1)
          .threads(ConvTester::Threads::partition, 3).test();
    }
  });
}

// x = 255 and every weight -128 (or 127): the largest sums a pair or a tap can make, which VPMADDUBSW would
// saturate; checked through groupwise_conv itself, for s32 and requantized outputs.
TEST(Groupwise, ExtremeInputsAndWeightsAreExact) {
  for_each_isa([](Isa isa) {
    for (int64_t cg : {2, 4, 8, 16})
      for (int w_value : {-128, 127})
        for (OutputKind kind : {OutputKind::s32, OutputKind::u8, OutputKind::s8}) {
          ConvDesc d;
          d.in_channels = d.out_channels = 7 * cg;
          d.groups = 7;
          d.input = {1, 6, 7};
          d.kernel = {1, 5, 5};
          d.padding = {0, 2, 2};
          d.validate("test");
          SCOPED_TRACE(d.describe() + " w=" + std::to_string(w_value) + " out=" + output_kind_name(kind));
          const size_t C = static_cast<size_t>(d.in_channels), T = 25;
          const std::vector<uint8_t> x(d.input_pixels() * C, 255);
          const std::vector<int8_t> w(C * static_cast<size_t>(cg) * T, static_cast<int8_t>(w_value));
          const std::vector<float> mult(C, 1e-5f);
          OutputStage s;
          if (kind != OutputKind::s32)
            s = requantize_stage(kind, RequantFormula::onednn, mult.data(), true, kind == OutputKind::u8 ? 128 : 0);
          const int32_t x_zp = 0;  // no zero-point term, so the sums stay at their largest
          const size_t bytes = d.output_pixels() * C * output_kind_size(kind);
          std::vector<unsigned char> want(bytes);
          ref::conv_u8s8(d, x.data(), x_zp, w.data(), nullptr, want.data(), s);
          const GroupwiseWeights gw(w.data(), 7, static_cast<size_t>(cg), T, isa);
          testing::GuardedBuffer<unsigned char> got(bytes);
          groupwise_conv(d, x.data(), x_zp, gw, got.data(), s, Exec{isa, nullptr, 1});
          for (size_t i = 0; i < bytes; ++i) ASSERT_EQ(got.get(i), want[i]) << "byte " << i;
          ASSERT_TRUE(got.guards_intact());
        }
  });
}

TEST(Groupwise, AsymmetricWeightsAndFloatOutputFallBackToGroupedIm2colCorrectly) {
  for_each_isa([](Isa isa) {
    for (int64_t cg : {2, 4}) {
      ConvTester().isa(isa).output(OutputKind::u8).x_zero_point(43).w_zero_point(true).per_channel(true)
          .channels(5 * cg, 5 * cg).groups(5).input(6, 7).kernel(3).padding(1).test();
      ConvTester().isa(isa).output(OutputKind::f32).x_zero_point(99).per_channel(true).bias(true).row_scale(true)
          .channels(5 * cg, 5 * cg).groups(5).input(6, 7).kernel(3).padding(1).test();
    }
  });
}

TEST(Groupwise, OnlyFewChannelsPerGroupWithEqualInAndOutIsRouted) {
  auto algo = [](int64_t c, int64_t oc, int64_t g, int64_t k) {
    ConvDesc d;
    d.in_channels = c;
    d.out_channels = oc;
    d.groups = g;
    d.input = {1, 12, 12};
    d.kernel = {1, k, k};
    return conv_algorithm(d);
  };
  EXPECT_EQ(algo(128, 128, 32, 3), ConvAlgorithm::groupwise);
  EXPECT_EQ(algo(64, 64, 32, 3), ConvAlgorithm::groupwise);
  EXPECT_EQ(algo(128, 128, 16, 3), ConvAlgorithm::groupwise);
  EXPECT_EQ(algo(64, 64, 4, 3), ConvAlgorithm::groupwise);
  EXPECT_EQ(algo(96, 96, 32, 3), ConvAlgorithm::grouped_im2col);   // 3 channels per group
  EXPECT_EQ(algo(256, 256, 8, 3), ConvAlgorithm::grouped_im2col);  // 32 channels per group
  EXPECT_EQ(algo(64, 128, 32, 3), ConvAlgorithm::grouped_im2col);  // OC/G != C/G
  EXPECT_EQ(algo(16, 16, 1, 3), ConvAlgorithm::im2col);
  EXPECT_EQ(algo(128, 128, 32, 1), ConvAlgorithm::grouped_1x1);    // no copy there already
  EXPECT_EQ(algo(128, 128, 32, 9), ConvAlgorithm::grouped_im2col); // 81 taps: more code than it is worth
}

TEST(Groupwise, VerboseLineNamesTheAlgorithmAndWhy) {
  const std::string log = testing::capture_verbose([] {
    ConvTester().output(OutputKind::u8).channels(8, 8).groups(2).input(5, 5).kernel(3).test();
    ConvTester().output(OutputKind::u8).w_zero_point(true).channels(8, 8).groups(2).input(5, 5).kernel(3).test();
  });
  EXPECT_NE(log.find("qjit_verbose,exec,conv,scalar,groupwise,2d:n=1:c=8:oc=8:g=2:in=5x5:k=3x3"), std::string::npos) << log;
  EXPECT_NE(log.find(":why=cg=4_direct_kernel"), std::string::npos) << log;
  EXPECT_NE(log.find("grouped_im2col,2d:n=1:c=8:oc=8:g=2"), std::string::npos) << log;
  EXPECT_NE(log.find(":why=cg=4_but_asymmetric_weights"), std::string::npos) << log;
  // conv() names the kernel in its own line rather than adding groupwise_conv's line for the same work.
  EXPECT_NE(log.find(":kernel=scalar:why="), std::string::npos) << log;
  EXPECT_EQ(log.find("exec,groupwise_conv"), std::string::npos) << log;
}

TEST(Groupwise, SerializedWeightsLoadWithTheGroupwisePackingRebuilt) {
  ConvDesc d;
  d.in_channels = d.out_channels = 40;
  d.groups = 10;
  d.input = {1, 7, 6};
  d.kernel = {1, 3, 3};
  d.padding = {0, 1, 1};
  d.validate("test");
  std::mt19937 rng(5);
  std::vector<int8_t> w(d.weight_shape().elements());
  for (auto& v : w) v = static_cast<int8_t>(rng());
  std::vector<uint8_t> x(d.input_pixels() * 40);
  for (auto& v : x) v = static_cast<uint8_t>(rng());
  WeightQParams q;
  q.scales.assign(40, 0.01);
  q.zero_points.assign(40, 0);
  const PackedConvWeights packed(d.weight_shape(), w.data(), q, nullptr, Isa::scalar);
  ASSERT_NE(packed.groupwise(), nullptr);
  EXPECT_NE(packed.describe().find(":groupwise=cg4"), std::string::npos) << packed.describe();
  const std::vector<uint8_t> blob = packed.serialize();
  std::vector<int32_t> want(d.output_pixels() * 40);
  ref::conv_u8s8(d, x.data(), 21, w.data(), nullptr, want.data(), OutputStage{});
  for_each_isa([&](Isa isa) {
    const PackedConvWeights loaded = PackedConvWeights::deserialize(blob.data(), blob.size(), isa);
    ASSERT_NE(loaded.groupwise(), nullptr);
    EXPECT_EQ(loaded.groupwise()->isa(), isa);
    EXPECT_NE(loaded.describe().find(":groupwise=cg4"), std::string::npos) << loaded.describe();
    std::vector<int32_t> got(want.size());
    conv(d, x.data(), 21, loaded, got.data(), OutputStage{}, Exec{isa});
    EXPECT_EQ(got, want);
  });
  // Asymmetric weights get no groupwise packing (the kernel has no weight zero-point term).
  q.zero_points.assign(40, 3);
  EXPECT_EQ(PackedConvWeights(d.weight_shape(), w.data(), q, nullptr, Isa::scalar).groupwise(), nullptr);
}

TEST(Groupwise, BadArgumentsAreErrors) {
  ConvDesc d;
  d.in_channels = d.out_channels = 8;
  d.groups = 2;
  d.input = {1, 5, 5};
  d.kernel = {1, 3, 3};
  std::vector<int8_t> w(8 * 4 * 9, 1);
  const GroupwiseWeights gw(w.data(), 2, 4, 9, Isa::scalar);
  std::vector<uint8_t> x(25 * 8);
  std::vector<int32_t> y(9 * 8);
  const Exec e{Isa::scalar};
  auto expect_error = [](const std::function<void()>& call, const std::string& needle) {
    try {
      call();
      ADD_FAILURE() << "no qjit::Error for " << needle;
    } catch (const Error& err) {
      EXPECT_NE(std::string(err.what()).find(needle), std::string::npos) << err.what();
    }
  };
  expect_error([&] { groupwise_conv(d, nullptr, 0, gw, y.data(), OutputStage{}, e); }, "groupwise_conv: x");
  expect_error([&] { groupwise_conv(d, x.data(), 0, gw, nullptr, OutputStage{}, e); }, "groupwise_conv: y");
  expect_error([&] { groupwise_conv(d, x.data(), 300, gw, y.data(), OutputStage{}, e); }, "x_zero_point");
  OutputStage f32;
  f32.kind = OutputKind::f32;
  expect_error([&] { groupwise_conv(d, x.data(), 0, gw, y.data(), f32, e); }, "out.kind");
  ConvDesc three = d;
  three.in_channels = three.out_channels = 6;  // 3 channels per group
  expect_error([&] { groupwise_conv(three, x.data(), 0, gw, y.data(), OutputStage{}, e); }, "groupwise_conv: groups");
  ConvDesc five = d;
  five.kernel = {1, 5, 5};
  expect_error([&] { groupwise_conv(five, x.data(), 0, gw, y.data(), OutputStage{}, e); }, "groupwise_conv: weights");
  expect_error([&] { GroupwiseWeights(w.data(), 2, 3, 9); }, "group_channels");
  expect_error([&] { GroupwiseWeights(w.data(), 2, 4, 0); }, "taps");
  expect_error([&] { GroupwiseWeights(w.data(), 2, 4, 65); }, "taps");
  expect_error([&] { GroupwiseWeights(w.data(), 0, 4, 9); }, "groups");
  expect_error([&] { GroupwiseWeights(nullptr, 2, 4, 9); }, "weights");
  if (max_isa() != Isa::scalar)
    expect_error([&] { groupwise_conv(d, x.data(), 0, gw, y.data(), OutputStage{}, Exec{max_isa()}); }, "isa");
}

}  // namespace
}  // namespace qjit
