// The quantized modules pack with PackOptions::a7_panels (qlayers/pack_options.h): on the paths whose maddubs can
// saturate, full-range weights keep u8x4 panels beside the exact s16x2 ones, and a forward on reduce_range
// activations (0..127) runs them, on 8-bit activations the exact ones; the outputs are the same either way as
// the plain packing's (exact). nnq.Linear, nniq.LinearReLU, nnq.Conv2d, nnqd.Linear (reduce_range activations of
// its own).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "jit/cpu.h"
#include "qlayers/conv.h"
#include "qlayers/dynamic_linear.h"
#include "qlayers/linear.h"
#include "qlayers/quantize.h"
#include "tests/qlayers/qlayers_test_util.h"
#include "tests/support/golden.h"
#include "tests/support/verbose_capture.h"

namespace qjit {
namespace {

bool saturating_path() { return max_isa() == Isa::avx2 || max_isa() == Isa::avx512; }

// quint8 activations uniform in [0, hi].
Tensor activations(const std::vector<int64_t>& sizes, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(static_cast<size_t>(test::numel_of(sizes)));
  for (auto& x : v) x = static_cast<uint8_t>(rng() % static_cast<uint32_t>(hi + 1));
  v[0] = static_cast<uint8_t>(hi);
  return make_per_tensor_quantized_tensor(from_vector(v, sizes), 0.05, 10);
}

// Which panels the op's verbose lines say ran: "u8x4", "s16x2" or "" (no a7 panels).
std::string a7_ran(const std::string& log, const std::string& op) {
  const size_t pos = log.find("qjit_verbose,exec," + op + ",");
  if (pos == std::string::npos) return "missing";
  const std::string line = log.substr(pos, log.find('\n', pos) - pos);
  if (line.find(":a7=u8x4") != std::string::npos) return "u8x4";
  if (line.find(":a7=s16x2") != std::string::npos) return "s16x2";
  return "";
}

TEST(A7Modules, LinearAndLinearReluRunTheU8x4PanelsOnReduceRangeActivations) {
  const Tensor w = test::random_qweight_per_channel({24, 70}, 3);  // full range: pairs beyond 128
  const Tensor b = test::random_bias(24, 4);
  nnq::Linear m(70, 24);
  m.set_weight_bias(w, b);
  m.scale = 0.2;
  m.zero_point = 64;
  nniq::LinearReLU r(70, 24);
  r.set_weight_bias(w, b);
  r.scale = 0.2;
  EXPECT_EQ(m.packed_params().packed().has_a7_panels(), saturating_path()) << m.packed_params().packed().describe();
  for (int hi : {127, 255}) {
    SCOPED_TRACE("activations up to " + std::to_string(hi));
    const Tensor x = activations({5, 70}, hi, 9);
    Tensor y, yr;
    const std::string log = testing::capture_verbose([&] { y = m.forward(x); });
    const std::string want = !saturating_path() ? "" : hi <= 127 ? "u8x4" : "s16x2";
    EXPECT_EQ(a7_ran(log, "gemm"), want) << log;
    const std::string log_r = testing::capture_verbose([&] { yr = r.forward(x); });
    EXPECT_EQ(a7_ran(log_r, "gemm"), want) << log_r;
    // The same weights packed without the option (a module packed on the scalar path has none): same outputs.
    const Tensor y_plain = quantized_linear(x, *LinearPackedParams::prepack(w, b, Isa::scalar), 0.2, 64);
    EXPECT_EQ(test::tensor_ints(y), test::tensor_ints(y_plain));
  }
}

TEST(A7Modules, Conv2dRunsTheU8x4PanelsOnReduceRangeActivations) {
  const Tensor w = test::random_qweight_per_channel({16, 12, 3, 3}, 5);
  const Tensor b = test::random_bias(16, 6);
  nnq::Conv2d m(12, 16, 3, 1, 1);
  m.set_weight_bias(w, b);
  m.scale = 0.5;
  m.zero_point = 30;
  EXPECT_EQ(m.packed_params().packed().group(0).has_a7_panels(), saturating_path());
  for (int hi : {127, 255}) {
    SCOPED_TRACE("activations up to " + std::to_string(hi));
    const Tensor x = activations({1, 12, 7, 9}, hi, 13);
    Tensor y;
    const std::string log = testing::capture_verbose([&] { y = m.forward(x); });
    EXPECT_EQ(a7_ran(log, "conv"), !saturating_path() ? "" : hi <= 127 ? "u8x4" : "s16x2") << log;
  }
}

TEST(A7Modules, DynamicLinearQuantizesItsInputToSevenBitsAndRunsTheU8x4Panels) {
  const Tensor w = test::random_qweight_per_channel({20, 33}, 8);
  auto m = nnqd::Linear::from_quantized(w, test::random_bias(20, 2));
  EXPECT_EQ(m->packed_params().int8().has_a7_panels(), saturating_path());
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-3.0f, 5.0f);
  std::vector<float> xv(4 * 33);
  for (auto& v : xv) v = d(rng);
  const Tensor x = from_vector(xv, {4, 33});
  const std::string log = testing::capture_verbose([&] { (void)m->forward(x); });
  // With the onednn engine the activations are quantized with reduce_range (0..127); qnnpack ignores it.
  const std::string ran = a7_ran(log, "gemm");
  if (!saturating_path())
    EXPECT_EQ(ran, "") << log;
  else
    EXPECT_TRUE(ran == "u8x4" || ran == "s16x2") << log;
}

}  // namespace
}  // namespace qjit
