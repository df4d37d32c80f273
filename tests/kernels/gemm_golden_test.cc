// The golden `qlinear` cases (PyTorch 1.13 nnq.Linear / LinearReLU) through the GEMM kernel on every available
// path: the onednn formula is bit-exact to the onednn engine's output, the qnnpack formula to qnnpack's, and each
// within 1 LSB of both engines. Requantization constants are derived as NUMERICS.md section 7 says each engine does.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/gemm.h"
#include "tests/support/golden.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

struct LinearCase {
  size_t M = 0, K = 0, N = 0;
  std::vector<uint8_t> x;
  int32_t x_zp = 0;
  double x_scale = 0;
  std::vector<int8_t> w;  // N x K
  std::vector<double> w_scales;
  std::vector<int32_t> w_zps;
  std::vector<float> bias;  // empty when none
  double out_scale = 0;
  int32_t out_zp = 0;
  bool relu = false;
};

LinearCase read_case(const nlohmann::json& j) {
  LinearCase c;
  const auto& in = j["inputs"];
  const auto xs = test::golden_shape(in["x"]);
  c.K = static_cast<size_t>(xs.back());
  c.M = 1;
  for (size_t i = 0; i + 1 < xs.size(); ++i) c.M *= static_cast<size_t>(xs[i]);
  for (int64_t v : test::golden_ints(in["x"])) c.x.push_back(static_cast<uint8_t>(v));
  c.x_scale = in["x"]["scale"].get<double>();
  c.x_zp = in["x"]["zero_point"].get<int32_t>();
  c.N = static_cast<size_t>(test::golden_shape(in["weight"])[0]);
  for (int64_t v : test::golden_ints(in["weight"])) c.w.push_back(static_cast<int8_t>(v));
  const auto& ws = in["weight"]["scale"];
  c.w_scales = ws.is_array() ? ws.get<std::vector<double>>() : std::vector<double>{ws.get<double>()};
  const auto& wz = in["weight"]["zero_point"];
  c.w_zps = wz.is_array() ? wz.get<std::vector<int32_t>>() : std::vector<int32_t>{wz.get<int32_t>()};
  if (!in["bias"].is_null()) c.bias = test::golden_floats(in["bias"]);
  c.out_scale = j["params"]["output_scale"].get<double>();
  c.out_zp = j["params"]["output_zero_point"].get<int32_t>();
  c.relu = j["params"].value("relu", false);
  return c;
}

float wscale(const LinearCase& c, size_t n) { return static_cast<float>(c.w_scales[c.w_scales.size() == 1 ? 0 : n]); }

// onednn (ideep, reciprocal scales): op_scale = dst_s / (src_s * wei_s), bias in the accumulator domain.
std::vector<uint8_t> run_onednn(const LinearCase& c, Isa isa) {
  const float src_s = 1.0f / static_cast<float>(c.x_scale), dst_s = 1.0f / static_cast<float>(c.out_scale);
  std::vector<float> mult(c.N), bias(c.N);
  for (size_t n = 0; n < c.N; ++n) {
    const float wei_s = 1.0f / wscale(c, n);
    const float sw = src_s * wei_s;
    mult[n] = dst_s / sw;
    bias[n] = c.bias.empty() ? 0.0f : c.bias[n] * sw;
  }
  const PackedWeights w(c.w.data(), WeightOrder::n_by_k, c.K, c.N, WeightQParams{c.w_scales, c.w_zps}, nullptr, isa);
  OutputStage s = requantize_stage(OutputKind::u8, RequantFormula::onednn, mult.data(), true, c.out_zp);
  if (!c.bias.empty()) s.bias_f = bias.data();
  if (c.relu) s.qmin = c.out_zp;
  std::vector<uint8_t> y(c.M * c.N);
  gemm(c.x.data(), c.K, c.x_zp, c.M, w, y.data(), c.N, s, Exec{isa});
  return y;
}

// qnnpack: bias quantized to int32 with x_scale * w_scale (product in double), float requant scale.
std::vector<uint8_t> run_qnnpack(const LinearCase& c, Isa isa) {
  std::vector<float> mult(c.N);
  std::vector<int32_t> bias(c.N);
  const float inv_out = 1.0f / static_cast<float>(c.out_scale);
  for (size_t n = 0; n < c.N; ++n) {
    const double wsd = c.w_scales[c.w_scales.size() == 1 ? 0 : n];
    mult[n] = wscale(c, n) * static_cast<float>(c.x_scale) * inv_out;
    const float inv_bs = 1.0f / static_cast<float>(c.x_scale * wsd);
    bias[n] = c.bias.empty() ? 0 : static_cast<int32_t>(std::nearbyint(c.bias[n] * inv_bs));
  }
  const PackedWeights w(c.w.data(), WeightOrder::n_by_k, c.K, c.N, WeightQParams{c.w_scales, c.w_zps}, nullptr, isa);
  OutputStage s = requantize_stage(OutputKind::u8, RequantFormula::qnnpack, mult.data(), true, c.out_zp);
  s.bias_i = bias.data();
  if (c.relu) s.qmin = c.out_zp;
  std::vector<uint8_t> y(c.M * c.N);
  gemm(c.x.data(), c.K, c.x_zp, c.M, w, y.data(), c.N, s, Exec{isa});
  return y;
}

TEST(GemmGolden, QlinearCasesMatchBothEnginesOnEveryPath) {
  const auto cases = test::load_golden_family("qlinear");
  ASSERT_EQ(cases.size(), 11u);
  size_t compared = 0;
  testing::for_each_isa([&](Isa isa) {
    for (const auto& gc : cases) {
      SCOPED_TRACE(gc.name);
      const LinearCase c = read_case(gc.json);
      const auto& engines = gc.json["engines"];
      const auto ours_onednn = run_onednn(c, isa), ours_qnnpack = run_qnnpack(c, isa);
      for (const char* engine : {"onednn", "qnnpack"}) {
        if (!engines.contains(engine)) continue;  // the engine raised (onednn rejects asymmetric weights)
        const auto want = test::golden_ints(engines[engine]);
        ASSERT_EQ(want.size(), c.M * c.N);
        const auto& same_formula = std::string(engine) == "onednn" ? ours_onednn : ours_qnnpack;
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_EQ(int{same_formula[i]}, want[i]) << engine << " formula, element " << i;
          ASSERT_LE(std::abs(int{ours_onednn[i]} - want[i]), 1) << "onednn formula vs " << engine << ", element " << i;
          ASSERT_LE(std::abs(int{ours_qnnpack[i]} - want[i]), 1) << "qnnpack formula vs " << engine << ", element " << i;
        }
        ++compared;
      }
    }
  });
  EXPECT_EQ(compared, 21u * testing::paths_to_test().size());  // per path: 10 cases of both engines, 1 qnnpack only
}

}  // namespace
}  // namespace qjit
