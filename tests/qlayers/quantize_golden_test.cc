// The `quantize` golden family (PyTorch 1.13.1): quantize_per_tensor, quantize_per_channel (incl. float zero
// points), _choose_qparams_per_tensor and quantize_per_tensor_dynamic, all required bit-exact.
#include <gtest/gtest.h>

#include <map>

#include "qlayers/quantize.h"
#include "tests/support/compare.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::expect_float_bits_equal;
using test::expect_ints_equal;
using test::golden_doubles;
using test::golden_dtype;
using test::golden_floats;
using test::golden_ints;
using test::golden_tensor;
using test::load_golden_family;

// A quantized result against a golden qtensor: dtype, shape, scheme, parameters (doubles exactly) and integers.
void expect_qtensor_matches(const Tensor& q, const json& want, const std::string& what) {
  EXPECT_EQ(q.dtype(), golden_dtype(want.at("dtype").get<std::string>())) << what;
  EXPECT_EQ(q.sizes(), test::golden_shape(want)) << what;
  const std::string scheme = want.at("qscheme").get<std::string>();
  EXPECT_EQ(qscheme_name(q.qscheme()), scheme) << what;
  if (scheme == "per_tensor_affine") {
    EXPECT_EQ(q.q_scale(), want.at("scale").get<double>()) << what;
    EXPECT_EQ(q.q_zero_point(), want.at("zero_point").get<int64_t>()) << what;
  } else {
    EXPECT_EQ(q.q_per_channel_axis(), want.at("axis").get<int64_t>()) << what;
    EXPECT_EQ(q.q_per_channel_scales(), golden_doubles(want.at("scale"))) << what;
    if (scheme == "per_channel_affine_float_qparams")
      EXPECT_EQ(q.q_per_channel_float_zero_points(), golden_floats(want.at("zero_point"))) << what;
    else
      EXPECT_EQ(q.q_per_channel_zero_points(), golden_ints(want.at("zero_point"))) << what;
  }
  if (q.dtype() == DType::quint4x2)  // PyTorch's int_repr: the packed bytes
    expect_ints_equal(test::tensor_ints(int_repr(q).view({-1})), golden_ints(want), what + " packed int_repr");
  else
    expect_ints_equal(test::tensor_ints(int_repr(q)), golden_ints(want), what + " int_repr");
}

std::vector<test::GoldenCase> cases_of(const std::string& op) {
  std::vector<test::GoldenCase> out;
  for (auto& c : load_golden_family("quantize"))
    if (c.json.at("op").get<std::string>() == op) out.push_back(std::move(c));
  return out;
}

TEST(QuantizeGolden, FamilyHasAll27CasesOfThreeKnownOps) {
  const auto cases = load_golden_family("quantize");
  EXPECT_EQ(cases.size(), 27u) << "a missing or extra file in " << test::golden_dir() << "/quantize";
  std::map<std::string, int> per_op;
  for (const auto& c : cases) ++per_op[c.json.at("op").get<std::string>()];
  EXPECT_EQ(per_op["quantize_per_tensor"], 14);
  EXPECT_EQ(per_op["quantize_per_channel"], 6);
  EXPECT_EQ(per_op["_choose_qparams_per_tensor"], 7);
  EXPECT_EQ(per_op.size(), 3u) << "an op the tests below do not run";
}

TEST(QuantizeGolden, QuantizePerTensorIntReprAndDequantizeBitExact) {
  const auto cases = cases_of("quantize_per_tensor");
  EXPECT_EQ(cases.size(), 14u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& p = c.json.at("params");
    const Tensor x = golden_tensor(c.json.at("inputs").at("x"));
    const Tensor q = quantize_per_tensor(x, p.at("scale").get<double>(), p.at("zero_point").get<int64_t>(),
                                         golden_dtype(p.at("dtype").get<std::string>()));
    expect_qtensor_matches(q, c.json.at("outputs").at("q"), "q");
    const std::vector<float> want = golden_floats(c.json.at("outputs").at("dequant"));
    expect_float_bits_equal(test::tensor_floats(dequantize(q)), want, "dequantize(q)");
    // dequantize on its own, from PyTorch's stored integers
    expect_float_bits_equal(test::tensor_floats(dequantize(golden_tensor(c.json.at("outputs").at("q")))), want,
                            "dequantize(golden q)");
  }
}

TEST(QuantizeGolden, QuantizePerChannelIntReprAndDequantizeBitExact) {
  const auto cases = cases_of("quantize_per_channel");
  EXPECT_EQ(cases.size(), 6u);
  int float_qparams = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& p = c.json.at("params");
    const json& want_q = c.json.at("outputs").at("q");
    const Tensor x = golden_tensor(c.json.at("inputs").at("x"));
    const std::vector<double> scales = golden_doubles(p.at("scales"));
    const int64_t axis = p.at("axis").get<int64_t>();
    const DType dtype = golden_dtype(p.at("dtype").get<std::string>());
    Tensor q;
    if (want_q.at("qscheme") == "per_channel_affine_float_qparams") {
      ++float_qparams;
      q = quantize_per_channel(x, scales, golden_floats(p.at("zero_points")), axis, dtype);
    } else {
      q = quantize_per_channel(x, scales, golden_ints(p.at("zero_points")), axis, dtype);
    }
    expect_qtensor_matches(q, want_q, "q");
    const std::vector<float> want = golden_floats(c.json.at("outputs").at("dequant"));
    expect_float_bits_equal(test::tensor_floats(dequantize(q)), want, "dequantize(q)");
    expect_float_bits_equal(test::tensor_floats(dequantize(golden_tensor(want_q))), want, "dequantize(golden q)");
  }
  EXPECT_EQ(float_qparams, 1);
}

TEST(QuantizeGolden, ChooseQParamsPerTensorScaleAndZeroPointExact) {
  // PyTorch returns ChooseQuantizationParams' double scale as is (not rounded to float32): compared as doubles.
  const auto cases = cases_of("_choose_qparams_per_tensor");
  EXPECT_EQ(cases.size(), 7u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Tensor x = golden_tensor(c.json.at("inputs").at("x"));
    for (bool reduce_range : {false, true}) {
      const json& want = c.json.at("outputs").at(reduce_range ? "reduce_range_True" : "reduce_range_False");
      const QParams got = choose_qparams_per_tensor(x, reduce_range);
      EXPECT_EQ(got.scale, want.at("scale").get<double>()) << "reduce_range " << reduce_range;
      EXPECT_EQ(got.zero_point, want.at("zero_point").get<int64_t>()) << "reduce_range " << reduce_range;
    }
  }
}

TEST(QuantizeGolden, QuantizePerTensorDynamicBitExact) {
  const auto cases = cases_of("_choose_qparams_per_tensor");
  EXPECT_EQ(cases.size(), 7u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Tensor x = golden_tensor(c.json.at("inputs").at("x"));
    const json& want = c.json.at("outputs").at("quantize_per_tensor_dynamic");
    expect_qtensor_matches(quantize_per_tensor_dynamic(x, DType::quint8, false), want, "quantize_per_tensor_dynamic");
  }
}

// ChooseQuantizationParams with preserve_sparsity (symmetric schemes) is what FusedMovingAvgObsFakeQuantize runs on
// its running min/max (NUMERICS.md section 3); its recorded state checks that path: float32 scale buffer, zero point.
TEST(QuantizeGolden, ChooseQParamsMatchesFusedFakeQuantStateIncludingPreserveSparsity) {
  int checked = 0, symmetric = 0;
  for (const auto& c : load_golden_family("fake_quant")) {
    if (c.json.value("module", std::string()) != "FusedMovingAvgObsFakeQuantize") continue;
    SCOPED_TRACE(c.name);
    const json& p = c.json.at("params");
    const bool preserve_sparsity = p.at("qscheme").get<std::string>().find("symmetric") != std::string::npos;
    const auto qmin = p.at("quant_min").get<int32_t>(), qmax = p.at("quant_max").get<int32_t>();
    const json& steps = c.json.at("outputs").at("after_step");
    for (size_t step = 0; step + 1 < steps.size(); ++step) {  // the last step runs with fake quant (and qparams) off
      const json& st = steps[step];
      const std::vector<float> mins = golden_floats(st.at("min_val")), maxs = golden_floats(st.at("max_val"));
      const std::vector<float> scales = golden_floats(st.at("scale"));
      const std::vector<int64_t> zps = golden_ints(st.at("zero_point"));
      for (size_t ch = 0; ch < mins.size(); ++ch) {
        const QParams got = choose_qparams(mins[ch], maxs[ch], qmin, qmax, preserve_sparsity);
        EXPECT_EQ(static_cast<float>(got.scale), scales[ch]) << "step " << step << " channel " << ch;
        EXPECT_EQ(got.zero_point, zps[ch]) << "step " << step << " channel " << ch;
        ++checked;
        symmetric += preserve_sparsity;
      }
    }
  }
  EXPECT_EQ(checked, 44);
  EXPECT_GT(symmetric, 0);
}

// Not in the quantize family but the same op: nnq.Embedding(Bag).from_float quantizes its weight with
// quantize_per_channel(weight, scales, float zero points, 0, quint8 / quint4x2); the packed 4-bit bytes are
// PyTorch's own.
TEST(QuantizeGolden, EmbeddingWeightFloatQParamsQuint8AndQuint4x2BitExact) {
  int run = 0;
  for (const auto& c : load_golden_family("embedding_bag")) {
    if (c.name.rfind("module_", 0) != 0) continue;
    SCOPED_TRACE(c.name);
    ++run;
    const json& want = c.json.at("outputs").at("qweight");
    const Tensor w = golden_tensor(c.json.at("inputs").at("weight_float"));
    const Tensor q = quantize_per_channel(w, golden_doubles(want.at("scale")), golden_floats(want.at("zero_point")),
                                          want.at("axis").get<int64_t>(), golden_dtype(want.at("dtype").get<std::string>()));
    expect_qtensor_matches(q, want, "qweight");
    // golden_tensor unpacks PyTorch's bytes; both tensors must hold the same values
    expect_ints_equal(test::tensor_ints(golden_tensor(want)), test::tensor_ints(q), "unpacked values");
  }
  EXPECT_EQ(run, 4);
}

}  // namespace
}  // namespace qjit
