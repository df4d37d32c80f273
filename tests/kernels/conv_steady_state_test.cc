// Convolution's repeated calls, like the GEMM's: once a shape has run, calling it again on the same weights
// generates no code and allocates nothing, for every algorithm conv() chooses, on one thread and on the pool, with
// and without the extra panels for 7-bit activations.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/conv.h"
#include "packing/packed_conv_weights.h"
#include "tests/kernels/conv_desc_2d.h"
#include "tests/support/allocation_counter.h"

namespace qjit {
namespace {

TEST(ConvSteadyState, SecondCallOfALayerAllocatesNothingOnEveryAlgorithm) {
  struct Case {
    ConvDesc d;
    ConvAlgorithm expected;
  };
  const std::vector<Case> cases = {
      {testing::desc2d(1, 32, 16, 1, 28, 28, 1, 1, 0), ConvAlgorithm::gemm_1x1},
      {testing::desc2d(1, 16, 24, 1, 14, 14, 3, 1, 1), ConvAlgorithm::im2col},
      {testing::desc2d(1, 16, 16, 16, 20, 20, 3, 2, 1), ConvAlgorithm::depthwise},
      {testing::desc2d(1, 64, 64, 16, 14, 14, 3, 1, 1), ConvAlgorithm::groupwise},
      {testing::desc2d(1, 64, 96, 2, 14, 14, 3, 1, 1), ConvAlgorithm::grouped_im2col},
      {testing::desc2d(1, 64, 96, 2, 14, 14, 1, 1, 0), ConvAlgorithm::grouped_1x1},
  };
  for (const Case& cs : cases) {
    const ConvDesc& d = cs.d;
    d.validate("test");
    ASSERT_EQ(conv_algorithm(d), cs.expected) << d.describe();
    const ConvWeightShape ws = d.weight_shape();
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> dist(-128, 127);
    std::vector<int8_t> w(static_cast<size_t>(d.out_channels * d.group_in() * d.kernel[1] * d.kernel[2]));
    for (auto& v : w) v = static_cast<int8_t>(dist(rng));
    const std::vector<float> mult(static_cast<size_t>(d.out_channels), 0.002f),
        bias(static_cast<size_t>(d.out_channels), 1.5f);
    WeightQParams q;
    q.scales.assign(static_cast<size_t>(d.out_channels), 0.01);
    q.zero_points.assign(static_cast<size_t>(d.out_channels), 0);
    for (bool a7 : {false, true}) {
      const PackedConvWeights packed(ws, w.data(), q, bias.data(), max_isa(), PackOptions{a7});
      OutputStage out = requantize_stage(OutputKind::u8, RequantFormula::onednn, mult.data(), true, 3);
      out.bias_f = bias.data();
      // 77 <= 127: with a7 panels the fast panels run.
      std::vector<uint8_t> x(d.input_pixels() * static_cast<size_t>(d.in_channels), 77);
      std::vector<uint8_t> y(d.output_pixels() * static_cast<size_t>(d.out_channels));
      for (int threads : {1, 0}) {
        SCOPED_TRACE(::testing::Message() << conv_algorithm_name(cs.expected) << " " << d.describe()
                                          << " threads=" << threads << " a7_panels=" << a7);
        const Exec exec{max_isa(), nullptr, threads};
        conv(d, x.data(), 9, packed, y.data(), out, exec);
        const testing::CountAllocations count;
        for (int rep = 0; rep < 3; ++rep) conv(d, x.data(), 9, packed, y.data(), out, exec);
        EXPECT_EQ(count.count(), 0u);
      }
    }
  }
}

}  // namespace
}  // namespace qjit
