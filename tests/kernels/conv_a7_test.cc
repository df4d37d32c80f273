// The convolution's 7-bit activation fast path (PackOptions::a7_panels on the GEMM groups): full-range 8-bit
// weights with the saturating extremes, bit-exact against ref::conv_u8s8 on every path, for each algorithm that
// runs through GEMM panels (gemm_1x1, grouped_1x1, im2col, grouped_im2col): inputs <= 127 take the u8x4 panels,
// one input value above 127, or a zero point above 127 read as padding, falls back to the exact ones (both
// checked on the conv's verbose line); per tensor and per channel, zero points, every output stage, threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/threadpool.h"
#include "kernels/conv.h"
#include "kernels/reference/conv_ref.h"
#include "tests/kernels/a7_case.h"
#include "tests/kernels/conv_desc_2d.h"
#include "tests/kernels/quant_kernel_tester.h"
#include "tests/support/buffers.h"
#include "tests/support/isa_sweep.h"
#include "tests/support/verbose_capture.h"

namespace qjit {
namespace {

using namespace qjit::testing;

struct ConvA7Case {
  ConvDesc d;
  int a_hi = 127;
  int spike = -1;
  int32_t x_zp = 0;
  bool w_zp = false;
  OutputStageOptions stage;
  Isa isa = Isa::scalar;
  int threads = 1;  // 0: default pool; -1: three shares of a caller's partition

  ConvAlgorithm test() const {
    SCOPED_TRACE(d.describe() + " spike=" + std::to_string(spike) + " x_zp=" + std::to_string(x_zp) +
                 " w_zp=" + std::to_string(w_zp) + " out=" + output_kind_name(stage.out) +
                 (stage.per_channel ? " per_channel" : "") + " threads=" + std::to_string(threads) +
                 " isa=" + isa_name(isa));
    const ConvAlgorithm algo = conv_algorithm(d);
    const ConvWeightShape ws = d.weight_shape();
    const size_t C = static_cast<size_t>(d.in_channels), OC = static_cast<size_t>(d.out_channels);
    const size_t M = d.output_pixels(), in_bytes = d.input_pixels() * C;
    std::mt19937 rng(static_cast<uint32_t>(M * 7919 + OC * 131 + ws.K()) ^ static_cast<uint32_t>(spike + 7));
    std::vector<uint8_t> x = a7_activations(rng, in_bytes, 1, 1, a_hi);  // one byte per "row": x[0] = a_hi
    x[in_bytes / 2] = static_cast<uint8_t>(a_hi);
    if (spike >= 0) x[rng() % in_bytes] = static_cast<uint8_t>(spike);
    // PyTorch layout [OC][C/G][taps]: output channel 0 all 127, channel 1 all -128.
    RandomWeights w(rng, ws.elements(), OC, -128, 127, stage.per_channel, w_zp);
    const size_t per_oc = ws.K();
    for (size_t i = 0; i < per_oc; ++i) {
      w.values[i] = 127;
      if (OC > 1) w.values[per_oc + i] = -128;
    }
    const PackedConvWeights packed(ws, w.values.data(), w.qparams, nullptr, isa, PackOptions{true});
    EXPECT_EQ(packed.group(0).has_a7_panels(), a7_panels_expected(isa)) << packed.describe();

    const float k_norm = 1.0f / std::sqrt(static_cast<float>(ws.K()));
    const RandomOutputStage st(rng, stage, OC, M, 0.003f, 6e-6f, k_norm, 117);
    const OutputStage& s = st.stage();
    const size_t out_size = output_kind_size(stage.out), bytes = M * OC * out_size;
    std::vector<unsigned char> want(bytes);
    ref::conv_u8s8(d, x.data(), x_zp, w.values.data(), w.reference_zero_points(), want.data(), s);
    GuardedBuffer<unsigned char> got(bytes, 0);
    for (size_t i = 0; i < bytes; ++i) got.set(i, 0x5A);
    const std::string log = capture_verbose([&] {
      if (threads >= 0)
        conv(d, x.data(), x_zp, packed, got.data(), s, Exec{isa, nullptr, threads});
      else
        parallel_run(3, [&](Partition p) { conv(d, x.data(), x_zp, packed, got.data(), s, Exec{isa, &p}); });
    });
    const bool padded = d.padding[0] || d.padding[1] || d.padding[2];
    const bool fits = (spike < 0 || spike <= 127) && (!padded || x_zp <= 127);
    const A7Ran expected = !packed.group(0).has_a7_panels() ? A7Ran::none : fits ? A7Ran::u8x4 : A7Ran::s16x2;
    EXPECT_EQ(a7_ran(log, "conv"), expected) << "ran " << a7_ran_name(a7_ran(log, "conv")) << "; log: " << log;
    if (!expect_outputs_equal(got, want, M, OC, OC, out_size, "output pixel", "channel",
                              std::string(" (algorithm ") + conv_algorithm_name(algo) + ")"))
      return algo;
    EXPECT_TRUE(got.guards_intact()) << "wrote outside y";
    return algo;
  }
};

// One layer per GEMM-panel algorithm, with odd channel counts (remainders of nr and of the k groups).
struct Layer {
  ConvDesc d;
  ConvAlgorithm algo;
};
std::vector<Layer> layers() {
  return {
      {desc2d(1, 19, 37, 1, 5, 7, 1, 1, 0), ConvAlgorithm::gemm_1x1},
      {desc2d(2, 12, 18, 3, 4, 5, 1, 1, 0), ConvAlgorithm::grouped_1x1},
      {desc2d(1, 7, 17, 1, 6, 5, 3, 1, 1), ConvAlgorithm::im2col},
      {desc2d(1, 5, 9, 1, 9, 8, 3, 2, 0), ConvAlgorithm::im2col},
      {desc2d(1, 6, 10, 2, 7, 6, 3, 1, 1), ConvAlgorithm::grouped_im2col},
  };
}

const OutputStageOptions kStages[] = {
    {OutputKind::s32, RequantFormula::onednn, false, false, false, false},
    {OutputKind::u8, RequantFormula::onednn, true, true, true, false},
    {OutputKind::u8, RequantFormula::qnnpack, false, true, false, false},
    {OutputKind::s8, RequantFormula::onednn, true, false, false, false},
    {OutputKind::f32, RequantFormula::onednn, true, true, false, false},
};

TEST(ConvA7, EachGemmAlgorithmTakesTheU8x4PanelsForInputsUpTo127AndFallsBackOnASpike) {
  for_each_isa([](Isa isa) {
    for (const Layer& l : layers())
      for (int spike : {-1, 127, 128, 255}) {
        ConvA7Case c;
        c.d = l.d, c.isa = isa, c.spike = spike;
        EXPECT_EQ(c.test(), l.algo);
        if (::testing::Test::HasFailure()) return;
      }
  });
}

TEST(ConvA7, EveryOutputStageWithZeroPointsPerTensorAndPerChannel) {
  for_each_isa([](Isa isa) {
    for (const Layer& l : layers())
      for (const OutputStageOptions& st : kStages)
        for (bool w_zp : {false, true})
          for (int32_t x_zp : {0, 100}) {
            ConvA7Case c;
            c.d = l.d, c.isa = isa, c.stage = st, c.w_zp = w_zp, c.x_zp = x_zp;
            c.test();
            if (::testing::Test::HasFailure()) return;
          }
  });
}

TEST(ConvA7, AZeroPointAbove127ReadAsPaddingFallsBackToTheExactPanels) {
  for_each_isa([](Isa isa) {
    for (const Layer& l : layers())
      for (int32_t x_zp : {128, 255}) {  // padded layers: the zero point is part of A; 1x1 layers: it is not
        ConvA7Case c;
        c.d = l.d, c.isa = isa, c.x_zp = x_zp;
        c.test();
        if (::testing::Test::HasFailure()) return;
      }
  });
}

TEST(ConvA7, OnThePoolAndOnACallersPartition) {
  for_each_isa([](Isa isa) {
    for (int threads : {0, -1})
      for (int spike : {-1, 255}) {
        ConvA7Case c;
        c.d = desc2d(2, 32, 40, 1, 14, 14, 3, 1, 1);
        c.isa = isa, c.threads = threads, c.spike = spike, c.stage = kStages[1];
        c.test();
        ConvA7Case one = c;
        one.d = desc2d(2, 32, 40, 1, 14, 14, 1, 1, 0);
        one.test();
      }
  });
}

}  // namespace
}  // namespace qjit
