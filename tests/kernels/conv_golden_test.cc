// The golden `qconv` cases (PyTorch 1.13 nnq.Conv1d/2d/3d and ConvReLU*) through qjit::conv on every available
// path: the onednn formula is bit-exact to the onednn engine's output, the qnnpack formula to qnnpack's, and each
// within 1 LSB of both engines. The requantization constants are derived as NUMERICS.md section 7 says each engine
// does (the same derivation as the qlinear cases in gemm_golden_test.cc). The JSON tensors are NC(D)(H)W; the
// library works channels-last, so inputs are transposed in and the engines' outputs compared through the
// transposed index.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/conv.h"
#include "tests/support/golden.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

struct ConvCase {
  ConvDesc d;
  std::vector<uint8_t> x;  // channels-last
  int32_t x_zp = 0;
  double x_scale = 0;
  std::vector<int8_t> w;  // PyTorch layout [OC][C/G][k...]
  std::vector<double> w_scales;
  std::vector<int32_t> w_zps;
  std::vector<float> bias;  // empty when none
  double out_scale = 0;
  int32_t out_zp = 0;
  bool relu = false;
};

// Index of element (n, c, pixel p) of an NC(spatial) tensor in channels-last order.
size_t channels_last(size_t n, size_t c, size_t p, size_t C, size_t pixels) { return (n * pixels + p) * C + c; }

ConvCase read_case(const nlohmann::json& j) {
  ConvCase c;
  const auto& p = j["params"];
  const auto& in = j["inputs"];
  ConvDesc& d = c.d;
  d.spatial_dims = p["dim"].get<int>();
  d.in_channels = p["in_channels"].get<int64_t>();
  d.out_channels = p["out_channels"].get<int64_t>();
  d.groups = p["groups"].get<int64_t>();
  const auto xs = test::golden_shape(in["x"]);  // N, C, spatial...
  d.batch = xs[0];
  const int first = 3 - d.spatial_dims;
  for (int i = 0; i < d.spatial_dims; ++i) {
    d.input[first + i] = xs[2 + i];
    d.kernel[first + i] = p["kernel_size"][i].get<int64_t>();
    d.stride[first + i] = p["stride"][i].get<int64_t>();
    d.padding[first + i] = p["padding"][i].get<int64_t>();
    d.dilation[first + i] = p["dilation"][i].get<int64_t>();
  }
  EXPECT_EQ(p["padding_mode"].get<std::string>(), "zeros");
  const auto xv = test::golden_ints(in["x"]);
  const size_t N = static_cast<size_t>(d.batch), C = static_cast<size_t>(d.in_channels);
  const size_t pixels = d.input_pixels() / N;
  c.x.resize(xv.size());
  for (size_t n = 0; n < N; ++n)
    for (size_t ch = 0; ch < C; ++ch)
      for (size_t px = 0; px < pixels; ++px)
        c.x[channels_last(n, ch, px, C, pixels)] = static_cast<uint8_t>(xv[(n * C + ch) * pixels + px]);
  c.x_scale = in["x"]["scale"].get<double>();
  c.x_zp = in["x"]["zero_point"].get<int32_t>();
  for (int64_t v : test::golden_ints(in["weight"])) c.w.push_back(static_cast<int8_t>(v));
  const auto& ws = in["weight"]["scale"];
  c.w_scales = ws.is_array() ? ws.get<std::vector<double>>() : std::vector<double>{ws.get<double>()};
  const auto& wz = in["weight"]["zero_point"];
  c.w_zps = wz.is_array() ? wz.get<std::vector<int32_t>>() : std::vector<int32_t>{wz.get<int32_t>()};
  if (!in["bias"].is_null()) c.bias = test::golden_floats(in["bias"]);
  c.out_scale = p["output_scale"].get<double>();
  c.out_zp = p["output_zero_point"].get<int32_t>();
  c.relu = p.value("relu", false);
  return c;
}

float wscale(const ConvCase& c, size_t oc) { return static_cast<float>(c.w_scales[c.w_scales.size() == 1 ? 0 : oc]); }

std::vector<uint8_t> run(const ConvCase& c, const OutputStage& s, Isa isa) {
  const PackedConvWeights w(c.d.weight_shape(), c.w.data(), WeightQParams{c.w_scales, c.w_zps}, nullptr, isa);
  std::vector<uint8_t> y(c.d.output_pixels() * static_cast<size_t>(c.d.out_channels));
  conv(c.d, c.x.data(), c.x_zp, w, y.data(), s, Exec{isa});
  return y;
}

// onednn (ideep, reciprocal scales): op_scale = dst_s / (src_s * wei_s), bias in the accumulator domain.
std::vector<uint8_t> run_onednn(const ConvCase& c, Isa isa) {
  const size_t OC = static_cast<size_t>(c.d.out_channels);
  const float src_s = 1.0f / static_cast<float>(c.x_scale), dst_s = 1.0f / static_cast<float>(c.out_scale);
  std::vector<float> mult(OC), bias(OC);
  for (size_t n = 0; n < OC; ++n) {
    const float wei_s = 1.0f / wscale(c, n);
    const float sw = src_s * wei_s;
    mult[n] = dst_s / sw;
    bias[n] = c.bias.empty() ? 0.0f : c.bias[n] * sw;
  }
  OutputStage s = requantize_stage(OutputKind::u8, RequantFormula::onednn, mult.data(), true, c.out_zp);
  if (!c.bias.empty()) s.bias_f = bias.data();
  if (c.relu) s.qmin = c.out_zp;
  return run(c, s, isa);
}

// qnnpack: bias quantized to int32 with x_scale * w_scale (product in double), float requant scale.
std::vector<uint8_t> run_qnnpack(const ConvCase& c, Isa isa) {
  const size_t OC = static_cast<size_t>(c.d.out_channels);
  std::vector<float> mult(OC);
  std::vector<int32_t> bias(OC);
  const float inv_out = 1.0f / static_cast<float>(c.out_scale);
  for (size_t n = 0; n < OC; ++n) {
    const double wsd = c.w_scales[c.w_scales.size() == 1 ? 0 : n];
    mult[n] = wscale(c, n) * static_cast<float>(c.x_scale) * inv_out;
    const float inv_bs = 1.0f / static_cast<float>(c.x_scale * wsd);
    bias[n] = c.bias.empty() ? 0 : static_cast<int32_t>(std::nearbyint(c.bias[n] * inv_bs));
  }
  OutputStage s = requantize_stage(OutputKind::u8, RequantFormula::qnnpack, mult.data(), true, c.out_zp);
  s.bias_i = bias.data();
  if (c.relu) s.qmin = c.out_zp;
  return run(c, s, isa);
}

TEST(ConvGolden, QconvCasesMatchBothEnginesOnEveryPath) {
  const auto cases = test::load_golden_family("qconv");
  ASSERT_EQ(cases.size(), 21u);
  size_t compared = 0, elements = 0;
  testing::for_each_isa([&](Isa isa) {
    for (const auto& gc : cases) {
      SCOPED_TRACE(gc.name);
      const ConvCase c = read_case(gc.json);
      const auto& engines = gc.json["engines"];
      const auto ours_onednn = run_onednn(c, isa), ours_qnnpack = run_qnnpack(c, isa);
      const size_t N = static_cast<size_t>(c.d.batch), OC = static_cast<size_t>(c.d.out_channels);
      const size_t pixels = c.d.output_pixels() / N;
      for (const char* engine : {"onednn", "qnnpack"}) {
        ASSERT_TRUE(engines.contains(engine));  // every qconv case has both engines' outputs
        const auto want = test::golden_ints(engines[engine]);  // N, OC, spatial...
        ASSERT_EQ(want.size(), N * OC * pixels);
        const auto& same_formula = std::string(engine) == "onednn" ? ours_onednn : ours_qnnpack;
        for (size_t n = 0; n < N; ++n)
          for (size_t oc = 0; oc < OC; ++oc)
            for (size_t px = 0; px < pixels; ++px) {
              const int64_t v = want[(n * OC + oc) * pixels + px];
              const size_t i = channels_last(n, oc, px, OC, pixels);
              ASSERT_EQ(int{same_formula[i]}, v) << engine << " formula, n=" << n << " oc=" << oc << " pixel " << px;
              ASSERT_LE(std::abs(int{ours_onednn[i]} - v), 1) << "onednn formula vs " << engine;
              ASSERT_LE(std::abs(int{ours_qnnpack[i]} - v), 1) << "qnnpack formula vs " << engine;
            }
        elements += want.size();
        ++compared;
      }
    }
  });
  const size_t paths = testing::paths_to_test().size();
  EXPECT_EQ(compared, 42u * paths);         // per path: 21 cases x 2 engines, each bit-exact with its formula
  EXPECT_EQ(elements, 2u * 15284u * paths);  // the golden README's count of conv output elements
}

}  // namespace
}  // namespace qjit
