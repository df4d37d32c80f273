// The quantized transposed convolution on every available path, bit-exact against the scatter reference
// ref::conv_transpose_u8s8: 1-d / 2-d / 3-d, batch 1-3, channels 1..67, groups (incl. depthwise and channel
// multipliers), kernels 1..5 and rectangular, strides 1..3, paddings 0..2, every legal output_padding, dilations
// 1..3, per-tensor and per-channel, weight zero points, every output stage (s32, u8 / s8 with the onednn and
// qnnpack formulas, f32 with row scales), the default pool and a caller's partition; bad geometry and arguments
// are qjit::Errors naming the argument and its value.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/conv_transpose.h"
#include "tests/kernels/conv_transpose_tester.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/isa_sweep.h"
#include "tests/support/verbose_capture.h"

namespace qjit {
namespace {

using testing::ConvTransposeTester;
using testing::for_each_isa;

std::vector<ConvTransposeTester> output_variants() {
  return testing::output_stage_variants<ConvTransposeTester>();
}

ConvTransposeTester variant(size_t i) {
  static const std::vector<ConvTransposeTester> v = output_variants();
  return v[i % v.size()];
}

// The output size of one dimension, for skipping geometries PyTorch rejects.
int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t op, int64_t d) {
  return (in - 1) * s - 2 * p + d * (k - 1) + op + 1;
}

TEST(ConvTranspose, Conv2dKernelsStridesPaddingsOutputPaddingsAndDilations) {
  const std::vector<std::vector<int64_t>> kernels = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {3, 2}, {1, 3}};
  const size_t before = ConvTransposeTester::checked();
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (const auto& k : kernels)
      for (int64_t s : {1, 2, 3})
        for (int64_t p : {0, 1, 2})
          for (int64_t dil : {1, 2, 3})
            for (int64_t op = 0; op < std::max(s, dil); ++op) {
              const int64_t ih = 4, iw = 5;
              if (out_size(ih, k[0], s, p, op, dil) <= 0 || out_size(iw, k[1], s, p, op, dil) <= 0) continue;
              const int64_t c = i % 2 ? 5 : 16, oc = i % 3 ? 7 : 17;
              variant(i).isa(isa).batch(1 + i % 2).channels(c, oc).input(ih, iw).kernel({k[0], k[1]}).stride(s)
                  .padding(p).output_padding(op).dilation(dil).test();
              ++i;
              if (::testing::Test::HasFailure()) return;
            }
    EXPECT_GT(i, 300u);
  });
  EXPECT_GT(ConvTransposeTester::checked() - before, 300u);
}

TEST(ConvTranspose, EveryOutputStageOnStridedAndDilatedGeometries) {
  struct Geo { int64_t k, s, p, op, d; };
  const Geo geos[] = {{3, 2, 1, 1, 1}, {4, 2, 1, 0, 1}, {3, 1, 1, 0, 2}, {2, 3, 0, 2, 1}, {3, 3, 2, 1, 2}};
  for_each_isa([&](Isa isa) {
    for (const Geo& g : geos)
      for (const ConvTransposeTester& base : output_variants())
        for (bool per_channel : {false, true}) {
          ConvTransposeTester(base).per_channel(per_channel).isa(isa).batch(2).channels(9, 20).input(5, 4)
              .kernel(g.k).stride(g.s).padding(g.p).output_padding(g.op).dilation(g.d).test();
          if (::testing::Test::HasFailure()) return;
        }
  });
}

TEST(ConvTranspose, ChannelCountsFrom1To67) {
  const int64_t counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 63, 64, 67};
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (int64_t c : counts)
      for (int64_t oc : {c, int64_t{1} + (c * 7) % 67}) {
        variant(i).isa(isa).channels(c, oc).input(4, 3).kernel(3).padding(1).stride(1 + i % 3)
            .output_padding(i % 3 ? 1 : 0).test();
        ++i;
        if (::testing::Test::HasFailure()) return;
      }
  });
}

TEST(ConvTranspose, GroupsDepthwiseAndChannelMultiplier) {
  struct G { int64_t c, oc, g; };
  const G groups[] = {{4, 6, 2}, {8, 12, 2}, {8, 8, 4}, {12, 20, 4}, {6, 6, 3},  // groupwise
                      {1, 1, 1}, {3, 3, 3}, {8, 8, 8}, {16, 16, 16},           // depthwise
                      {4, 8, 4}, {5, 10, 5}};                                  // channel multiplier 2
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (const G& g : groups)
      for (int64_t k : {2, 3})
        for (int64_t s : {1, 2}) {
          for (const ConvTransposeTester& base : output_variants()) {
            const auto algo = ConvTransposeTester(base).isa(isa).batch(1 + i % 2).channels(g.c, g.oc).groups(g.g)
                                  .input(4, 5).kernel(k).stride(s).padding(k / 2).output_padding(s - 1)
                                  .dilation(1 + (i / 3) % 2).test();
            using A = ConvTransposeAlgorithm;
            EXPECT_EQ(algo, s == 1 ? (g.g == 1 ? A::gather : A::grouped_gather)
                                   : (g.g == 1 ? A::phase_gather : A::grouped_phase_gather));
          }
          ++i;
          if (::testing::Test::HasFailure()) return;
        }
  });
}

TEST(ConvTranspose, Conv1dAndConv3d) {
  for_each_isa([&](Isa isa) {
    size_t i = 0;
    for (int64_t k : {1, 2, 3, 5})
      for (int64_t s : {1, 2, 3})
        for (int64_t p : {0, 1})
          for (int64_t dil : {1, 2}) {
            const int64_t op = (s > 1 || dil > 1) ? (i % std::max(s, dil)) : 0;
            if (out_size(7, k, s, p, op, dil) <= 0) continue;
            for (int64_t g : {1, 2})
              variant(i + static_cast<size_t>(g)).isa(isa).batch(1 + i % 3).channels(6, 4).groups(g).input(7)
                  .kernel(k).stride(s).padding(p).output_padding(op).dilation(dil).test();
            ++i;
            if (::testing::Test::HasFailure()) return;
          }
    for (int64_t k : {1, 2, 3})
      for (int64_t s : {1, 2})
        for (int64_t g : {1, 3}) {
          variant(i).isa(isa).batch(1 + i % 2).channels(6, 9).groups(g).input(3, 2, 4).kernel(k).stride(s)
              .padding(k / 2).output_padding(s - 1).test();
          variant(i + 1).isa(isa).channels(3, 6).groups(g).input(2, 3, 3).kernel({k, 2, 1}).stride({s, 1, 2})
              .padding({0, 1, 0}).output_padding({s - 1, 0, 1}).dilation({1, 2, 1}).test();
          i += 2;
          if (::testing::Test::HasFailure()) return;
        }
  });
}

TEST(ConvTranspose, InputsOfOnePixelAndOutputsTheTapsNeverReach) {
  for_each_isa([&](Isa isa) {
    // One input pixel: the output is the kernel itself, times x - x_zp.
    variant(3).isa(isa).channels(5, 7).input(1, 1).kernel(3).test();
    variant(4).isa(isa).channels(5, 7).input(1).kernel(4).stride(3).test();
    // Stride 3 with kernel 1: two of every three output pixels are reached by no tap (the bias alone), and
    // output_padding adds one more at the end.
    variant(6).isa(isa).channels(4, 4).input(3, 3).kernel(1).stride(3).output_padding(2).test();
    variant(5).isa(isa).channels(4, 4).input(3, 3).kernel(1).stride(3).output_padding(2).test();
    // Padding larger than the kernel extent trims the reached pixels away.
    variant(2).isa(isa).channels(3, 5).input(6, 6).kernel(2).stride(2).padding(2).test();
  });
}

TEST(ConvTranspose, BlocksAndThreadsCoverEveryPixelOnce) {
  using Th = ConvTransposeTester::Threads;
  for_each_isa([&](Isa isa) {
    for (Th th : {Th::pool, Th::partition}) {
      variant(3).isa(isa).threads(th, 3).batch(2).channels(32, 48).input(13, 11).kernel(3).stride(2).padding(1)
          .output_padding(1).test();
      variant(6).isa(isa).threads(th, 4).batch(3).channels(12, 24).groups(3).input(9, 7).kernel(4).stride(2).test();
      // Deep rows (taps * C/G = 25 * 128 bytes) leave room for fewer than one tile per 256 KiB block.
      variant(1).isa(isa).threads(th, 2).channels(128, 8).input(5, 5).kernel(5).stride(1).padding(2).test();
    }
  });
}

TEST(ConvTranspose, EmptyBatchDoesNothing) {
  ConvTransposeDesc d;
  d.batch = 0;
  d.input = {1, 4, 4};
  d.kernel = {1, 3, 3};
  const int8_t w[9] = {};
  const PackedConvTransposeWeights pw(d.weight_shape(), w, {}, nullptr, Isa::scalar);
  OutputStage s32;
  conv_transpose(d, nullptr, 0, pw, nullptr, s32, Exec{Isa::scalar});  // nothing to read or write: no error
  EXPECT_EQ(d.output_pixels(), 0u);
}

TEST(ConvTranspose, VerboseLineNamesTheAlgorithm) {
  const std::string log =
      testing::capture_verbose([] { variant(0).channels(4, 6).groups(2).input(3, 3).kernel(3).stride(2).test(); });
  EXPECT_NE(log.find("qjit_verbose,exec,conv_transpose,scalar,grouped_phase_gather,2d:n=1:c=4:oc=6:g=2:in=3x3:k=3x3:s=2x2"),
            std::string::npos)
      << log;
}

// ---- bad geometry and arguments

ConvTransposeDesc good() {
  ConvTransposeDesc d;
  d.in_channels = 4;
  d.out_channels = 6;
  d.input = {1, 5, 5};
  d.kernel = {1, 3, 3};
  d.stride = {1, 2, 2};
  d.padding = {0, 1, 1};
  d.output_padding = {0, 1, 1};
  return d;
}

void expect_bad(const ConvTransposeDesc& d, const std::string& needle) {
  test::expect_error([&] { conv_transpose_algorithm(d); }, {"conv_transpose: ", needle});
}

TEST(ConvTransposeGeometry, TheGoodDescriptorIsValid) {
  EXPECT_NO_THROW(good().validate("conv_transpose"));
  EXPECT_EQ(good().output(), (std::array<int64_t, 3>{1, 10, 10}));
}

TEST(ConvTransposeGeometry, OutputPaddingMustBeSmallerThanStrideOrDilation) {
  ConvTransposeDesc d = good();
  d.output_padding[2] = 2;
  expect_bad(d, "output_padding[2] = 2: must be smaller than stride (2) or dilation (1)");
  d = good();
  d.stride = {1, 1, 1};
  d.output_padding = {0, 0, 1};
  expect_bad(d, "output_padding[2] = 1: must be smaller than stride (1) or dilation (1)");
  d.dilation = {1, 1, 2};  // smaller than the dilation: allowed, as in PyTorch
  EXPECT_NO_THROW(d.validate("conv_transpose"));
  d = good();
  d.output_padding[1] = -1;
  expect_bad(d, "output_padding[1] = -1: must be >= 0");
}

TEST(ConvTransposeGeometry, ChannelsMustBeMultiplesOfGroups) {
  ConvTransposeDesc d = good();
  d.groups = 3;
  expect_bad(d, "in_channels = 4: must be a multiple of groups (3)");
  d.groups = 4;
  expect_bad(d, "out_channels = 6: must be a multiple of groups (4)");
  d.groups = 0;
  expect_bad(d, "groups = 0: must be > 0");
}

TEST(ConvTransposeGeometry, OutputSizeMustBePositive) {
  ConvTransposeDesc d = good();
  d.stride = {1, 1, 1};
  d.output_padding = {0, 0, 0};
  d.input = {1, 1, 1};
  d.kernel = {1, 1, 1};
  d.padding = {0, 0, 1};  // (1 - 1) * 1 - 2 + 0 + 0 + 1 = -1
  expect_bad(d, "padding[2] = 1: removes the whole output: output size -1 would be <= 0");
}

TEST(ConvTransposeGeometry, SizesStridesAndDilationsMustBePositive) {
  for (auto field : {&ConvTransposeDesc::input, &ConvTransposeDesc::kernel, &ConvTransposeDesc::stride,
                     &ConvTransposeDesc::dilation}) {
    ConvTransposeDesc d = good();
    (d.*field)[1] = 0;
    EXPECT_THROW(conv_transpose_algorithm(d), Error);
  }
  ConvTransposeDesc d = good();
  d.stride[1] = 0;
  expect_bad(d, "stride[1] = 0: must be in [1, 2^24]");
  d = good();
  d.padding[2] = -1;
  expect_bad(d, "padding[2] = -1");
  d = good();
  d.in_channels = 0;
  expect_bad(d, "in_channels = 0");
  d = good();
  d.spatial_dims = 4;
  expect_bad(d, "spatial_dims = 4: must be 1, 2 or 3");
}

TEST(ConvTransposeGeometry, UnusedDimensionsMustBeAtTheirDefaults) {
  ConvTransposeDesc d = good();
  d.output_padding[0] = 1;
  expect_bad(d, "output_padding[0] = 1: must be at its default for a conv_transpose2d (0)");
  d = good();
  d.spatial_dims = 1;
  expect_bad(d, "input[1] = 5: must be at its default for a conv_transpose1d (1)");
}

TEST(ConvTranspose, BadArgumentsAreErrorsNamingTheArgument) {
  const ConvTransposeDesc d = good();
  std::vector<int8_t> w(d.weight_shape().elements(), 1);
  const PackedConvTransposeWeights pw(d.weight_shape(), w.data(), {}, nullptr, Isa::scalar);
  std::vector<uint8_t> x(d.input_pixels() * 4);
  std::vector<int32_t> y(d.output_pixels() * 6);
  const OutputStage s32;
  const Exec ex{Isa::scalar, nullptr, 1};
  using test::expect_error;
  expect_error([&] { conv_transpose(d, nullptr, 0, pw, y.data(), s32, ex); }, {"conv_transpose: x = null"});
  expect_error([&] { conv_transpose(d, x.data(), 0, pw, nullptr, s32, ex); }, {"conv_transpose: y = null"});
  expect_error([&] { conv_transpose(d, x.data(), 256, pw, y.data(), s32, ex); }, {"x_zero_point = 256"});
  ConvTransposeDesc other = d;
  other.out_channels = 8;
  expect_error([&] { conv_transpose(other, x.data(), 0, pw, y.data(), s32, ex); },
               {"w.shape().out_channels = 6: differs from the descriptor's 8"});
  other = d;
  other.kernel[2] = 2;
  expect_error([&] { conv_transpose(other, x.data(), 0, pw, y.data(), s32, ex); }, {"w.shape().kernel[2] = 3"});
  other = d;
  other.groups = 2;
  expect_error([&] { conv_transpose(other, x.data(), 0, pw, y.data(), s32, ex); }, {"w.shape().groups = 1"});
  const float mult[6] = {0.1f, 0.1f, -0.1f, 0.1f, 0.1f, 0.1f};
  expect_error([&] { conv_transpose(d, x.data(), 0, pw, y.data(), requantize_stage(OutputKind::u8, RequantFormula::onednn, mult, true, 0), ex); },
               {"conv_transpose: ", "multiplier[2] = -0.1"});
  const Partition bad_p{2, 2};
  expect_error([&] { conv_transpose(d, x.data(), 0, pw, y.data(), s32, Exec{Isa::scalar, &bad_p}); },
               {"partition.thread_id = 2"});
  if (isa_available(Isa::avx2))
    expect_error([&] { conv_transpose(d, x.data(), 0, pw, y.data(), s32, Exec{Isa::avx2}); }, {"packed for (scalar)"});
}

// ---- packed weights

TEST(ConvTransposePackedWeights, GroupsHoldTapMajorChannelMinorKAndUnpackRoundTrips) {
  ConvTransposeWeightShape s;
  s.in_channels = 6;
  s.out_channels = 4;
  s.groups = 2;
  s.kernel = {1, 2, 3};
  std::vector<int8_t> w(s.elements());
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  for_each_isa([&](Isa isa) {
    const PackedConvTransposeWeights p(s, w.data(), WeightQParams{{0.1, 0.2, 0.3, 0.4}, {0, 1, -2, 3}}, nullptr, isa);
    EXPECT_EQ(p.unpack(), w);
    ASSERT_EQ(p.groups(), 2u);
    const size_t Cg = 3, OCg = 2, taps = 6;
    for (size_t g = 0; g < 2; ++g) {
      EXPECT_EQ(p.group(g).K(), taps * Cg);
      EXPECT_EQ(p.group(g).N(), OCg);
      EXPECT_EQ(p.group(g).qparams().scales, g == 0 ? (std::vector<double>{0.1, 0.2}) : (std::vector<double>{0.3, 0.4}));
      EXPECT_EQ(p.group(g).qparams().zero_points, g == 0 ? (std::vector<int32_t>{0, 1}) : (std::vector<int32_t>{-2, 3}));
      const std::vector<int8_t> kn = p.group(g).unpack(WeightOrder::k_by_n);
      for (size_t c = 0; c < Cg; ++c)
        for (size_t n = 0; n < OCg; ++n)
          for (size_t t = 0; t < taps; ++t)
            ASSERT_EQ(kn[(t * Cg + c) * OCg + n], w[((g * Cg + c) * OCg + n) * taps + t]);
    }
  });
}

TEST(ConvTransposePackedWeights, PhasesHoldTheTapsOfEachOutputPhaseAndArePackedOnce) {
  ConvTransposeWeightShape s;
  s.in_channels = 4;
  s.out_channels = 6;
  s.groups = 2;
  s.kernel = {1, 3, 2};
  std::vector<int8_t> w(s.elements());
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(static_cast<int>(i * 53 % 255) - 127);
  const PackedConvTransposeWeights p(s, w.data(), WeightQParams{}, nullptr, Isa::scalar);
  // Stride 2 along h (kernel 3: phase 0 reached by offsets 0 and 2, phase 1 by 1), stride 3 along w (kernel 2:
  // phases 0 and 1 by one offset each, phase 2 by none: the {0} placeholder).
  const ConvTransposePhases& ph = p.phases({1, 2, 3}, {1, 1, 1});
  EXPECT_EQ(&ph, &p.phases({1, 2, 3}, {1, 1, 1})) << "a second call must not pack again";
  EXPECT_NE(&ph, &p.phases({1, 2, 3}, {1, 2, 1})) << "another dilation is another split";
  ASSERT_EQ(ph.phases.size(), 6u);
  const std::vector<size_t> h_taps[2] = {{0, 2}, {1}}, w_taps[3] = {{0}, {1}, {0}};
  const size_t Cg = 2, OCg = 3;
  for (size_t rh = 0; rh < 2; ++rh)
    for (size_t rw = 0; rw < 3; ++rw) {
      const ConvTransposePhase& phase = ph.phases[rh * 3 + rw];
      EXPECT_EQ(phase.taps[0], std::vector<size_t>{0});
      EXPECT_EQ(phase.taps[1], h_taps[rh]);
      EXPECT_EQ(phase.taps[2], w_taps[rw]);
      ASSERT_EQ(phase.K, h_taps[rh].size() * Cg);
      ASSERT_EQ(phase.groups.size(), 2u);
      for (size_t g = 0; g < 2; ++g) {  // rows: the full matrix's rows of those taps, in order
        const std::vector<int8_t> kn = phase.groups[g].unpack(WeightOrder::k_by_n);
        for (size_t i = 0; i < h_taps[rh].size(); ++i)
          for (size_t c = 0; c < Cg; ++c)
            for (size_t n = 0; n < OCg; ++n) {
              const size_t t = h_taps[rh][i] * 2 + w_taps[rw][0];
              ASSERT_EQ(kn[(i * Cg + c) * OCg + n], w[((g * Cg + c) * OCg + n) * 6 + t]);
            }
      }
    }
}

TEST(ConvTransposePackedWeights, SerializeRoundTripsAndRepacksForEveryIsa) {
  ConvTransposeWeightShape s;
  s.in_channels = 8;
  s.out_channels = 6;
  s.groups = 2;
  s.kernel = {2, 1, 3};
  std::vector<int8_t> w(s.elements());
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(static_cast<int>(i * 91 % 256) - 128);
  const std::vector<float> bias = {0.5f, -1.f, 2.f, 0.f, 3.f, -4.f};
  const PackedConvTransposeWeights p(s, w.data(), WeightQParams{{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, {0}}, bias.data(),
                                     Isa::scalar);
  const std::vector<uint8_t> blob = p.serialize();
  for_each_isa([&](Isa isa) {
    const PackedConvTransposeWeights q = PackedConvTransposeWeights::deserialize(blob.data(), blob.size(), isa);
    EXPECT_EQ(q.isa(), isa);
    EXPECT_TRUE(q.shape() == s);
    EXPECT_EQ(q.unpack(), w);
    EXPECT_EQ(q.bias(), bias);
    EXPECT_EQ(q.qparams().scales, p.qparams().scales);
    EXPECT_EQ(q.qparams().zero_points, p.qparams().zero_points);
    EXPECT_EQ(q.group(1).describe(), PackedConvTransposeWeights(s, w.data(), p.qparams(), bias.data(), isa).group(1).describe());
  });
}

TEST(ConvTransposePackedWeights, TruncatedOrCorruptBlobsAreErrors) {
  ConvTransposeWeightShape s;
  s.in_channels = 3;
  s.out_channels = 2;
  s.kernel = {1, 2, 2};
  const std::vector<int8_t> w(s.elements(), 3);
  const std::vector<uint8_t> blob = PackedConvTransposeWeights(s, w.data(), {}, nullptr, Isa::scalar).serialize();
  using test::expect_error;
  const auto load = [](const std::vector<uint8_t>& b) {
    return PackedConvTransposeWeights::deserialize(b.data(), b.size(), Isa::scalar);
  };
  for (size_t n : {size_t{0}, size_t{10}, blob.size() / 2, blob.size() - 1}) {
    const std::vector<uint8_t> cut(blob.begin(), blob.begin() + static_cast<ptrdiff_t>(n));
    expect_error([&] { load(cut); }, {"PackedConvTransposeWeights::deserialize: "});
  }
  std::vector<uint8_t> bad = blob;
  bad[bad.size() / 2] ^= 0x40;
  expect_error([&] { load(bad); }, {"checksum", "corrupt"});
  bad = blob;
  bad[0] = 'X';
  expect_error([&] { load(bad); }, {"not a qjit packed transposed-conv weights blob"});
  expect_error([&] { PackedConvTransposeWeights::deserialize(nullptr, 10, Isa::scalar); }, {"data = null"});
}

TEST(ConvTransposePackedWeights, BadArgumentsAreErrors) {
  ConvTransposeWeightShape s;
  s.in_channels = 4;
  s.out_channels = 4;
  s.kernel = {1, 1, 3};
  const std::vector<int8_t> w(s.elements(), 1);
  using test::expect_error;
  using P = PackedConvTransposeWeights;
  expect_error([&] { P(s, w.data(), WeightQParams{{0.1, 0.2}, {0}}); }, {"scales.size() = 2: must be 1 or out_channels (4)"});
  expect_error([&] { P(s, w.data(), WeightQParams{{0.1}, {0, 0, 0}}); }, {"zero_points.size() = 3"});
  expect_error([&] { P(s, nullptr, {}); }, {"weights = null"});
  expect_error([&] { P(s, w.data(), WeightQParams{{0.1, 0.1, 0.1, -0.1}, {0}}); }, {"scales[3] = -0.1"});
  expect_error([&] { P(s, w.data(), WeightQParams{{0.1}, {0, 0, 200, 0}}); }, {"zero_points[2] = 200"});
  const float nan_bias[4] = {0.f, NAN, 0.f, 0.f};
  expect_error([&] { P(s, w.data(), {}, nan_bias); }, {"bias[1] = nan"});
  ConvTransposeWeightShape g = s;
  g.groups = 3;
  expect_error([&] { P(g, w.data(), {}); }, {"in_channels = 4: must be a multiple of groups (3)"});
  ConvTransposeWeightShape k = s;
  k.kernel[1] = 0;
  expect_error([&] { P(k, w.data(), {}); }, {"kernel[1] = 0"});
}

}  // namespace
}  // namespace qjit
