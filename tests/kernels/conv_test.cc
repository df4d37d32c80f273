// The quantized convolution on every available path, bit-exact against the direct reference ref::conv_u8s8:
// conv1d/2d/3d, batch 1-2, channels 1..67, groups (2, 4, depthwise, channel multiplier 2), spatial sizes 1 and
// odd, kernels 1/3/5/7 and rectangular, strides 1/2, paddings 0/1/2, dilations 1/2, every output stage, every
// algorithm, the default pool and a caller's partition, buffers ending at guard pages; bad geometry and arguments
// are qjit::Errors.
//
// Run time (budget ~30 s for all conv tests on the 2-core machine; these take ~2.5 s): the geometry sweeps of conv2d, groups and conv1d/3d run
// every output stage on each geometry; the channel, pointwise and size sweeps rotate the stages through their
// geometries (each geometry runs one stage, each stage sees every kind of geometry).
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/conv.h"
#include "tests/kernels/conv_desc_2d.h"
#include "tests/kernels/conv_tester.h"
#include "tests/support/fenced_array.h"
#include "tests/support/isa_sweep.h"
#include "tests/support/verbose_capture.h"

namespace qjit {
namespace {

using testing::ConvTester;
using testing::FencedArray;
using testing::for_each_isa;

// Output stages (with zero points and weight layouts) the sweeps rotate through.
template <class T = ConvTester>
std::vector<T> output_variants() {
  return testing::output_stage_variants<T>();
}

// The i-th output variant (rotating), for a tester of type T.
template <class T = ConvTester>
T variant(size_t i) {
  static const std::vector<T> v = output_variants<T>();
  return v[i % v.size()];
}

bool fits(int64_t input, int64_t kernel, int64_t padding, int64_t dilation) {
  return dilation * (kernel - 1) + 1 <= input + 2 * padding;
}

TEST(Conv, PointwiseRunsAsOneGemmStraightOnTheInput) {
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    const int64_t channels[][2] = {{1, 1}, {3, 8}, {8, 3}, {17, 33}, {32, 24}, {67, 5}, {16, 67}};
    for (auto [c, oc] : channels)
      for (int64_t batch : {1, 2}) {
        EXPECT_EQ(variant(i).isa(isa).batch(batch).channels(c, oc).input(5, 7).kernel(1).test(), ConvAlgorithm::gemm_1x1);
        EXPECT_EQ(variant(i + 1).isa(isa).batch(batch).channels(c, oc).input(9).kernel(1).test(), ConvAlgorithm::gemm_1x1);
        EXPECT_EQ(variant(i + 2).isa(isa).batch(batch).channels(c, oc).input(2, 3, 3).kernel(1).test(), ConvAlgorithm::gemm_1x1);
        i += 3;
        if (::testing::Test::HasFailure()) return;
      }
    // Dilation does not matter for a 1x1 kernel; stride or padding does (im2col gathers the pixels).
    EXPECT_EQ(variant(3).isa(isa).channels(8, 8).input(6, 6).kernel(1).dilation(2).test(), ConvAlgorithm::gemm_1x1);
    EXPECT_EQ(variant(4).isa(isa).channels(8, 8).input(7, 6).kernel(1).stride(2).test(), ConvAlgorithm::im2col);
    EXPECT_EQ(variant(5).isa(isa).channels(8, 8).input(7, 6).kernel(1).padding(1).test(), ConvAlgorithm::im2col);
    EXPECT_EQ(variant(6).isa(isa).channels(8, 12).groups(4).input(5, 6).kernel(1).test(), ConvAlgorithm::grouped_1x1);
  });
}

TEST(Conv, Conv2dKernelsStridesPaddingsAndDilations) {
  const std::vector<std::vector<int64_t>> kernels = {{1, 1}, {3, 3}, {5, 5}, {7, 7}, {3, 5}, {1, 3}, {5, 2}};
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (const auto& k : kernels)
      for (int64_t s : {1, 2})
        for (int64_t p : {0, 1, 2})
          for (int64_t dil : {1, 2}) {
            const int64_t ih = 9, iw = 8;
            if (!fits(ih, k[0], p, dil) || !fits(iw, k[1], p, dil)) continue;
            const int64_t c = i % 2 ? 5 : 16, oc = i % 3 ? 7 : 17;
            for (const ConvTester& base : output_variants())
              ConvTester(base).isa(isa).batch(1 + i % 2).channels(c, oc).input(ih, iw).kernel({k[0], k[1]}).stride(s)
                  .padding(p).dilation(dil).test();
            ++i;
            if (::testing::Test::HasFailure()) return;
          }
    EXPECT_GT(i, 60u);
  });
}

TEST(Conv, ChannelCountsFrom1To67) {
  const int64_t counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 63, 64, 67};
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (int64_t c : counts)
      for (int64_t oc : {c, int64_t{1} + (c * 7) % 67}) {
        variant(i).isa(isa).channels(c, oc).input(5, 6).kernel(3).padding(1).stride(1 + i % 2).test();
        ++i;
        if (::testing::Test::HasFailure()) return;
      }
  });
}

// im2col copies each tap's run of C/G channels with a fixed-size move for the usual widths (1, 2, 4, 8, 16) and
// memcpy otherwise: every width up to 17 and 32, on interior and border pixels, with and without dilation.
TEST(Conv, GroupedIm2colCopiesEveryGroupWidth) {
  // Forced through conv_using: conv() itself sends C/G = 1 to the depthwise and C/G = 2 (OC/G = 2) to the groupwise
  // kernel.
  using Tester = testing::BasicConvTester<testing::ConvUsingOp<ConvAlgorithm::grouped_im2col>>;
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (int64_t cg : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 32})
      for (int64_t dilation : {1, 2}) {
        const int64_t g = 3;
        const size_t v = i++;
        variant<Tester>(v).isa(isa).batch(1 + v % 2).channels(cg * g, 2 * g).groups(g).input(8, 9).kernel(3)
            .stride(1 + (v / 2) % 2).padding(1).dilation(dilation).test();
        if (::testing::Test::HasFailure()) return;
      }
  });
}

TEST(Conv, GroupsDepthwiseAndChannelMultiplier) {
  struct G { int64_t c, oc, g; };
  const G groups[] = {{4, 6, 2}, {8, 12, 2}, {8, 8, 4}, {12, 20, 4}, {6, 6, 3},  // groupwise
                      {1, 1, 1}, {3, 3, 3}, {8, 8, 8}, {16, 16, 16}, {24, 24, 24},  // depthwise (G == C)
                      {4, 8, 4}, {8, 16, 8}, {5, 10, 5},                            // channel multiplier 2
                      {4, 12, 4}, {3, 12, 3}};                                      // channel multiplier 3, 4
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (const G& g : groups)
      for (int64_t k : {3, 5})
        for (int64_t s : {1, 2}) {
          for (const ConvTester& base : output_variants()) {
            const auto algo = ConvTester(base).isa(isa).batch(1 + i % 2).channels(g.c, g.oc).groups(g.g).input(7, 9)
                                  .kernel(k).stride(s).padding(k / 2).dilation(1 + (i / 3) % 2).test();
            const bool depthwise = g.g == g.c;  // G == C, any channel multiplier (incl. 1 x 1 x 1)
            const bool groupwise = g.g > 1 && g.oc == g.c && g.c / g.g == 2;  // kernels/groupwise.h
            EXPECT_EQ(algo, depthwise   ? ConvAlgorithm::depthwise
                            : groupwise ? ConvAlgorithm::groupwise
                            : g.g == 1  ? ConvAlgorithm::im2col
                                        : ConvAlgorithm::grouped_im2col);
          }
          ++i;
          if (::testing::Test::HasFailure()) return;
        }
    // Grouped 1x1 reads each group's channel slice in place (lda = C) and writes its slice of y (ldc = OC); a
    // depthwise 1x1 (G == C > 1) runs the depthwise kernel rather than G GEMMs with K = 1.
    for (const G& g : groups) {
      const auto algo = variant(i++).isa(isa).channels(g.c, g.oc).groups(g.g).input(4, 5).kernel(1).test();
      EXPECT_EQ(algo, g.g == 1   ? ConvAlgorithm::gemm_1x1
                      : g.g == g.c ? ConvAlgorithm::depthwise
                                   : ConvAlgorithm::grouped_1x1);
    }
  });
}

TEST(Conv, Conv1dAndConv3d) {
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (int64_t k : {1, 2, 3, 5, 7})
      for (int64_t s : {1, 2})
        for (int64_t p : {0, 2})
          for (int64_t dil : {1, 2}) {
            if (!fits(17, k, p, dil)) continue;
            for (const ConvTester& base : output_variants())
              ConvTester(base).isa(isa).batch(1 + i % 2).channels(i % 2 ? 4 : 9, 6).groups(i % 4 == 3 ? 2 : 1)
                  .input(17).kernel(k).stride(s).padding(p).dilation(dil).test();
            ++i;
          }
    for (int64_t k : {1, 3})
      for (int64_t s : {1, 2})
        for (int64_t p : {0, 1})
          for (int64_t dil : {1, 2}) {
            if (!fits(5, k, p, dil)) continue;
            for (const ConvTester& base : output_variants())
              ConvTester(base).isa(isa).batch(1 + i % 2).channels(4, 6).groups(i % 3 == 2 ? 2 : 1).input(5, 6, 5)
                  .kernel(k).stride(s).padding(p).dilation(dil).test();
            ++i;
          }
    variant(i++).isa(isa).channels(3, 5).input(4, 7, 6).kernel({2, 3, 5}).stride({1, 2, 1}).padding({0, 1, 2}).test();
    variant(i++).isa(isa).channels(8, 8).groups(8).input(5, 5, 5).kernel(3).padding(1).test();  // depthwise 3d
    EXPECT_EQ(variant(i++).isa(isa).channels(6, 12).groups(6).input(4, 5, 6).kernel({3, 3, 3}).stride(2).padding(1)
                  .test(), ConvAlgorithm::depthwise);  // 3-d, multiplier 2
    EXPECT_EQ(variant(i++).isa(isa).channels(5, 10).groups(5).input(9).kernel(3).padding(1).test(),
              ConvAlgorithm::depthwise);  // 1-d, multiplier 2
    // More taps than the depthwise kernel's descriptor holds (7x7x7 = 343 > 255): the grouped GEMM instead.
    EXPECT_EQ(variant(i++).isa(isa).channels(4, 4).groups(4).input(7, 7, 7).kernel(7).padding(3).test(),
              ConvAlgorithm::grouped_im2col);
  });
}

TEST(Conv, SpatialSizeOneAndOddSizes) {
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    const int64_t sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {13, 5}, {3, 11}};
    for (auto [h, w] : sizes) {
      variant(i++).isa(isa).channels(5, 9).input(h, w).kernel(1).test();
      variant(i++).isa(isa).channels(5, 9).input(h, w).kernel(3).padding(1).test();
      variant(i++).isa(isa).channels(5, 9).input(h, w).kernel({h, w}).test();  // output 1x1
      variant(i++).isa(isa).batch(2).channels(4, 4).groups(4).input(h, w).kernel(3).padding(2).stride(2).test();
    }
    variant(i++).isa(isa).channels(3, 4).input(1).kernel(1).test();
    variant(i++).isa(isa).channels(3, 4).input(1, 1, 1).kernel(3).padding(1).test();
    // Padding wider than the kernel: border pixels read padding only, giving the bias alone.
    variant(i++).isa(isa).channels(3, 4).input(2, 2).kernel(3).padding(2).bias(true).test();
  });
}

TEST(Conv, EveryOutputStageOnEveryAlgorithm) {
  for_each_isa([&](Isa isa) {
    for (const ConvTester& base : output_variants()) {
      EXPECT_EQ(ConvTester(base).isa(isa).batch(2).channels(19, 21).input(6, 5).kernel(1).test(), ConvAlgorithm::gemm_1x1);
      EXPECT_EQ(ConvTester(base).isa(isa).channels(12, 18).groups(3).input(6, 5).kernel(1).test(), ConvAlgorithm::grouped_1x1);
      EXPECT_EQ(ConvTester(base).isa(isa).batch(2).channels(11, 13).input(7, 6).kernel(3).padding(1).test(), ConvAlgorithm::im2col);
      EXPECT_EQ(ConvTester(base).isa(isa).channels(12, 18).groups(3).input(7, 6).kernel(3).stride(2).padding(1).test(),
                ConvAlgorithm::grouped_im2col);
      EXPECT_EQ(ConvTester(base).isa(isa).channels(6, 6).groups(6).input(7, 6).kernel(3).padding(1).test(),
                ConvAlgorithm::depthwise);  // the direct kernel, f32 out and asymmetric weights included
      for (auto [lo, hi] : {std::pair{-128, 127}, std::pair{-64, 63}, std::pair{127, 127}})  // incl. maddubs worst case
        ConvTester(base).isa(isa).channels(9, 10).input(5, 5).kernel(3).padding(1).weight_range(lo, hi).test();
      if (::testing::Test::HasFailure()) return;
    }
  });
}

// Several im2col blocks per image (K = 576: blocks of ~450 pixels), split across the default pool and across a
// caller's partition with more, fewer and as many shares as blocks.
TEST(Conv, BlocksAndThreadsCoverEveryPixelOnce) {
  set_num_threads(2);
  using Threads = ConvTester::Threads;
  for_each_isa([&](Isa isa) {
    for (auto [th, shares] : {std::pair{Threads::one, 1}, std::pair{Threads::pool, 0}, std::pair{Threads::partition, 1},
                              std::pair{Threads::partition, 2}, std::pair{Threads::partition, 5}}) {
      variant(3).isa(isa).threads(th, shares).channels(64, 20).input(24, 26).kernel(3).padding(1).test();
      variant(4).isa(isa).threads(th, shares).channels(32, 40).groups(2).input(20, 20).kernel(3).stride(2).padding(1).test();
      variant(2).isa(isa).threads(th, shares).batch(2).channels(48, 40).input(24, 24).kernel(1).test();  // gemm_1x1
      // Depthwise: K * G = 576 bytes of rows per pixel over all groups, blocks of ~450 pixels as well.
      variant(6).isa(isa).threads(th, shares).channels(64, 64).groups(64).input(32, 32).kernel(3).padding(1).test();
      if (::testing::Test::HasFailure()) return;
    }
  });
}

// K larger than a block's byte budget over a whole GEMM tile: blocks of fewer rows than the tile height.
TEST(Conv, DeepKernelsUseBlocksShorterThanATile) {
  for_each_isa([&](Isa isa) {
    variant(6).isa(isa).channels(1024, 3).input(3, 3).kernel(7).padding(3).test();  // row_scale: per-block offset
    variant(4).isa(isa).channels(600, 2).input(4, 3).kernel({5, 3}).padding(2).stride({1, 2}).test();
  });
}

// Every buffer conv() gets (input, per-channel arrays, row scales, output) ends at a guard page. The GEMM's
// epilogue loads per-channel arrays in whole vectors past N; conv() must hand it padded copies.
TEST(Conv, TouchesNoByteOutsideItsBuffers) {
  for_each_isa([&](Isa isa) {
    for (int64_t c : {1, 3, 9})
      for (int64_t oc : {3, 6, 17})
        for (int64_t g : {1, 3})
          for (int64_t k : {1, 3})
            for (OutputKind kind : {OutputKind::s32, OutputKind::u8, OutputKind::s8, OutputKind::f32})
              for (bool per_channel : {false, true}) {
                if (c % g || oc % g) continue;
                ConvDesc d;
                d.spatial_dims = 1;
                d.in_channels = c;
                d.out_channels = oc;
                d.groups = g;
                d.input = {1, 1, 7};
                d.kernel = {1, 1, k};
                std::vector<int8_t> wv(d.weight_shape().elements(), 3);
                const WeightQParams q{std::vector<double>(per_channel ? oc : 1, 0.1), {0}};
                const PackedConvWeights w(d.weight_shape(), wv.data(), q, nullptr, isa);
                const size_t M = d.output_pixels(), OC = static_cast<size_t>(oc);
                FencedArray x(d.input_pixels() * static_cast<size_t>(c)), mult((per_channel ? OC : 1) * 4),
                    bias_f(OC * 4), bias_i(OC * 4), post(OC * 4), rows(M * 4), y(M * OC * output_kind_size(kind));
                OutputStage s;
                s.kind = kind;
                if (kind == OutputKind::u8 || kind == OutputKind::s8) {
                  const auto formula = per_channel ? RequantFormula::onednn : RequantFormula::qnnpack;
                  s = requantize_stage(kind, formula, mult.as<float>(0.01f), per_channel, 0);
                  if (per_channel)
                    s.bias_f = bias_f.as<float>(1.5f);
                  else
                    s.bias_i = bias_i.as<int32_t>(7);
                } else if (kind == OutputKind::f32) {
                  s.multiplier = mult.as<float>(0.01f);
                  s.per_channel = per_channel;
                  s.bias_f = bias_f.as<float>(1.5f);
                  s.post_bias = post.as<float>(0.5f);
                  s.row_scale = rows.as<float>(1.0f);
                }
                conv(d, x.as<uint8_t>(5), 1, w, y.as<uint8_t>(0), s, Exec{isa, nullptr, 1});
              }
  });
}

TEST(Conv, EmptyBatchDoesNothing) {
  ConvDesc d;
  d.batch = 0;
  d.in_channels = 4;
  d.out_channels = 4;
  d.input = {1, 5, 5};
  d.kernel = {1, 3, 3};
  std::vector<int8_t> w(4 * 4 * 9, 1);
  const PackedConvWeights pw(d.weight_shape(), w.data(), {}, nullptr, Isa::scalar);
  EXPECT_EQ(d.output_pixels(), 0u);
  EXPECT_NO_THROW(conv(d, nullptr, 0, pw, nullptr, OutputStage{}, Exec{Isa::scalar}));
}

TEST(Conv, VerboseLineNamesTheAlgorithm) {
  const std::string log = testing::capture_verbose([] { ConvTester().channels(4, 6).groups(2).input(5, 5).kernel(3).test(); });
  EXPECT_NE(log.find("qjit_verbose,exec,conv,scalar,grouped_im2col,2d:n=1:c=4:oc=6:g=2:in=5x5:k=3x3"), std::string::npos)
      << log;
}

// ---- Errors ----------------------------------------------------------------------------------------------------

void expect_error(const std::function<void()>& call, const std::string& needle) {
  try {
    call();
    ADD_FAILURE() << "no qjit::Error for " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// A conv2d descriptor (8 -> 8 channels, 2 groups, 6x6 input, 3x3 kernel) with one field edited must be rejected
// by conv_algorithm() (and so by conv(), which validates first) with a message naming the field and its value.
void expect_bad_geometry(const std::function<void(ConvDesc&)>& edit, const std::string& needle) {
  ConvDesc d = testing::desc2d(1, 8, 8, 2, 6, 6, 3);
  EXPECT_NO_THROW(conv_algorithm(d));
  edit(d);
  expect_error([&] { conv_algorithm(d); }, needle);
}

TEST(ConvGeometry, SpatialDimsMustBe1To3) {
  expect_bad_geometry([](ConvDesc& d) { d.spatial_dims = 4; }, "conv: spatial_dims = 4: must be 1, 2 or 3");
  expect_bad_geometry([](ConvDesc& d) { d.spatial_dims = 0; }, "spatial_dims = 0");
}

TEST(ConvGeometry, SizesAndChannelCountsMustBePositive) {
  expect_bad_geometry([](ConvDesc& d) { d.batch = -1; }, "batch = -1");
  expect_bad_geometry([](ConvDesc& d) { d.in_channels = 0; }, "in_channels = 0");
  expect_bad_geometry([](ConvDesc& d) { d.out_channels = -3; }, "out_channels = -3");
  expect_bad_geometry([](ConvDesc& d) { d.groups = 0; }, "groups = 0");
  expect_bad_geometry([](ConvDesc& d) { d.input[2] = 0; }, "input[2] = 0");
  expect_bad_geometry([](ConvDesc& d) { d.input[1] = -5; }, "input[1] = -5");
  expect_bad_geometry([](ConvDesc& d) { d.kernel[2] = 0; }, "kernel[2] = 0");
  expect_bad_geometry([](ConvDesc& d) { d.padding[2] = -1; }, "padding[2] = -1");
}

TEST(ConvGeometry, ChannelsMustBeMultiplesOfGroups) {
  expect_bad_geometry([](ConvDesc& d) { d.in_channels = 7; }, "in_channels = 7: must be a multiple of groups (2)");
  expect_bad_geometry([](ConvDesc& d) { d.out_channels = 9; }, "out_channels = 9: must be a multiple of groups (2)");
  expect_bad_geometry([](ConvDesc& d) { d.groups = 3; }, "in_channels = 8: must be a multiple of groups (3)");
}

TEST(ConvGeometry, StridesAndDilationsMustBePositive) {
  expect_bad_geometry([](ConvDesc& d) { d.stride[1] = 0; }, "stride[1] = 0");
  expect_bad_geometry([](ConvDesc& d) { d.stride[2] = -1; }, "stride[2] = -1");
  expect_bad_geometry([](ConvDesc& d) { d.dilation[1] = 0; }, "dilation[1] = 0");
  expect_bad_geometry([](ConvDesc& d) { d.dilation[2] = -2; }, "dilation[2] = -2");
}

// The dilated kernel larger than the padded input: the output size would be <= 0.
TEST(ConvGeometry, KernelLargerThanThePaddedInputIsAnError) {
  expect_bad_geometry([](ConvDesc& d) { d.kernel[2] = 7; },
                      "kernel[2] = 7: the dilated kernel (extent 7) is larger than the padded input (6)");
  expect_bad_geometry([](ConvDesc& d) { d.dilation[1] = 3; }, "kernel[1] = 3: the dilated kernel (extent 7)");
  expect_bad_geometry([](ConvDesc& d) { d.input[2] = 2; }, "output size 0 would be <= 0");
  // Valid once the padding makes room.
  ConvDesc ok = testing::desc2d(1, 8, 8, 2, 2, 2, 3);
  EXPECT_THROW(conv_algorithm(ok), Error);
  ok.padding = {0, 1, 1};
  EXPECT_NO_THROW(conv_algorithm(ok));
  EXPECT_EQ(ok.output(), (std::array<int64_t, 3>{1, 2, 2}));
}

// A dimension the convolution does not have must stay neutral: a conv2d descriptor cannot carry a depth.
TEST(ConvGeometry, UnusedDimensionsMustBeAtTheirDefaults) {
  expect_bad_geometry([](ConvDesc& d) { d.input[0] = 2; }, "input[0] = 2: must be at its default for a conv2d (1)");
  expect_bad_geometry([](ConvDesc& d) { d.spatial_dims = 1; }, "input[1] = 6: must be at its default for a conv1d (1)");
  expect_bad_geometry([](ConvDesc& d) { d.kernel[0] = 3; }, "kernel[0] = 3");
  expect_bad_geometry([](ConvDesc& d) { d.padding[0] = 1; }, "padding[0] = 1");
  expect_bad_geometry([](ConvDesc& d) { d.stride[0] = 2; }, "stride[0] = 2");
  expect_bad_geometry([](ConvDesc& d) { d.dilation[0] = 2; }, "dilation[0] = 2");
}

TEST(Conv, BadArgumentsAreErrorsNamingTheArgument) {
  const ConvDesc d = testing::desc2d(1, 4, 6, 2, 5, 5, 3);
  std::vector<int8_t> w(d.weight_shape().elements(), 1);
  const PackedConvWeights pw(d.weight_shape(), w.data(), {}, nullptr, Isa::scalar);
  std::vector<uint8_t> x(d.input_pixels() * 4);
  std::vector<int32_t> y(d.output_pixels() * 6);
  const Exec ex{Isa::scalar};
  const OutputStage s32;
  EXPECT_NO_THROW(conv(d, x.data(), 0, pw, y.data(), s32, ex));
  expect_error([&] { conv(d, nullptr, 0, pw, y.data(), s32, ex); }, "conv: x = null");
  expect_error([&] { conv(d, x.data(), 0, pw, nullptr, s32, ex); }, "conv: y = null");
  expect_error([&] { conv(d, x.data(), 256, pw, y.data(), s32, ex); }, "x_zero_point = 256");
  ConvDesc other = d;
  other.out_channels = 8;
  expect_error([&] { conv(other, x.data(), 0, pw, y.data(), s32, ex); }, "w.shape().out_channels = 6: differs from the descriptor's 8");
  other = d;
  other.kernel = {1, 3, 5};
  expect_error([&] { conv(other, x.data(), 0, pw, y.data(), s32, ex); }, "w.shape().kernel[2] = 3");
  other = d;
  other.groups = 1;
  expect_error([&] { conv(other, x.data(), 0, pw, y.data(), s32, ex); }, "w.shape().groups = 2");
  const float mult[6] = {0.1f, 0.1f, 0.1f, -1.0f, 0.1f, 0.1f};
  expect_error([&] { conv(d, x.data(), 0, pw, y.data(), requantize_stage(OutputKind::u8, RequantFormula::onednn, mult, true, 0), ex); },
               "conv: out.multiplier[3] = -1");
  const int32_t bias_i[6] = {};
  OutputStage mixed = requantize_stage(OutputKind::u8, RequantFormula::onednn, mult, false, 0);
  mixed.bias_i = bias_i;
  expect_error([&] { conv(d, x.data(), 0, pw, y.data(), mixed, ex); }, "conv: out.bias_i = set");
  const Partition bad_p{2, 2};
  expect_error([&] { conv(d, x.data(), 0, pw, y.data(), s32, Exec{Isa::scalar, &bad_p}); }, "partition.thread_id = 2");
  if (isa_available(Isa::avx2))  // not cpu_has: under QJIT_MAX_ISA=scalar the unavailable path is the error
    expect_error([&] { conv(d, x.data(), 0, pw, y.data(), s32, Exec{Isa::avx2}); }, "packed for (scalar)");
  // The descriptor is checked before anything else.
  other = d;
  other.stride[2] = 0;
  expect_error([&] { conv(other, x.data(), 0, pw, y.data(), s32, ex); }, "conv: stride[2] = 0");
}

// ---- Packed weights --------------------------------------------------------------------------------------------

TEST(ConvPackedWeights, GroupsHoldTapMajorChannelMinorKAndUnpackRoundTrips) {
  ConvWeightShape s;
  s.out_channels = 6;
  s.in_channels = 4;
  s.groups = 2;
  s.kernel = {2, 3, 2};
  const size_t Cg = 2, OCg = 3, taps = 12;
  std::vector<int8_t> w(s.elements());
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  WeightQParams q{{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, {0}};
  const float bias[6] = {1, 2, 3, 4, 5, 6};
  for_each_isa([&](Isa isa) {
    const PackedConvWeights p(s, w.data(), q, bias, isa);
    ASSERT_EQ(p.groups(), 2u);
    EXPECT_EQ(p.unpack(), w);
    EXPECT_TRUE(p.per_channel());
    for (size_t g = 0; g < 2; ++g) {
      const PackedWeights& pg = p.group(g);
      EXPECT_EQ(pg.K(), taps * Cg);
      EXPECT_EQ(pg.N(), OCg);
      EXPECT_EQ(pg.qparams().scales, (std::vector<double>{q.scales[g * 3], q.scales[g * 3 + 1], q.scales[g * 3 + 2]}));
      EXPECT_EQ(pg.bias(), (std::vector<float>{bias[g * 3], bias[g * 3 + 1], bias[g * 3 + 2]}));
      const auto kn = pg.unpack(WeightOrder::k_by_n);
      for (size_t n = 0; n < OCg; ++n)
        for (size_t c = 0; c < Cg; ++c)
          for (size_t t = 0; t < taps; ++t)
            ASSERT_EQ(kn[(t * Cg + c) * OCg + n], w[((g * OCg + n) * Cg + c) * taps + t]);
    }
  });
}

TEST(Conv, ConvUsingRunsTheGivenAlgorithmAndRefusesOnesThatDoNotApply) {
  ConvDesc d;
  d.in_channels = d.groups = 5;
  d.out_channels = 10;  // multiplier 2
  d.input = {1, 6, 7};
  d.kernel = {1, 3, 3};
  d.padding = {0, 1, 1};
  ConvWeightShape s = d.weight_shape();
  std::vector<int8_t> w(s.elements());
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(i * 29 % 251);
  std::vector<uint8_t> x(d.input_pixels() * 5);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 53 % 256);
  for_each_isa([&](Isa isa) {
    const PackedConvWeights p(s, w.data(), WeightQParams{{0.1}, {3}}, nullptr, isa);
    std::vector<int32_t> dw(d.output_pixels() * 10), grouped(dw.size(), 1);
    EXPECT_TRUE(conv_algorithm_applies(ConvAlgorithm::grouped_im2col, d));
    conv_using(ConvAlgorithm::depthwise, d, x.data(), 7, p, dw.data(), OutputStage{}, Exec{isa});
    conv_using(ConvAlgorithm::grouped_im2col, d, x.data(), 7, p, grouped.data(), OutputStage{}, Exec{isa});
    EXPECT_EQ(dw, grouped);
    expect_error([&] { conv_using(ConvAlgorithm::im2col, d, x.data(), 7, p, dw.data(), OutputStage{}, Exec{isa}); },
                 "algorithm = im2col: does not apply");
    expect_error([&] { conv_using(ConvAlgorithm::grouped_1x1, d, x.data(), 7, p, dw.data(), OutputStage{}, Exec{isa}); },
                 "algorithm = grouped_1x1: does not apply");
  });
}

TEST(ConvPackedWeights, BadArgumentsAreErrors) {
  ConvWeightShape s;
  s.out_channels = 4;
  s.in_channels = 4;
  s.kernel = {1, 3, 3};
  std::vector<int8_t> w(s.elements());
  expect_error([&] { PackedConvWeights(s, w.data(), WeightQParams{{0.1, 0.2}, {0}}); }, "scales.size() = 2: must be 1 or out_channels (4)");
  expect_error([&] { PackedConvWeights(s, w.data(), WeightQParams{{0.1}, {0, 0, 0}}); }, "zero_points.size() = 3");
  expect_error([&] { PackedConvWeights(s, nullptr, {}); }, "weights = null");
  ConvWeightShape g = s;
  g.groups = 2;  // indices name the layer's channel, not the one within the group
  expect_error([&] { PackedConvWeights(g, w.data(), WeightQParams{{0.1, 0.1, 0.1, -0.1}, {0}}); }, "scales[3] = -0.1");
  expect_error([&] { PackedConvWeights(g, w.data(), WeightQParams{{0.1}, {0, 0, 200, 0}}); }, "zero_points[2] = 200");
  g.groups = 3;
  expect_error([&] { PackedConvWeights(g, w.data(), {}); }, "in_channels = 4: must be a multiple of groups (3)");
  ConvWeightShape k = s;
  k.kernel[1] = 0;
  expect_error([&] { PackedConvWeights(k, w.data(), {}); }, "kernel[1] = 0");
}

}  // namespace
}  // namespace qjit
