// The `fake_quant` golden family (PyTorch 1.13.1, 24 cases): fake_quantize_per_tensor_affine /
// per_channel_affine forward and straight-through gradient, the LSQ learnable per-tensor op (forward, grad of x,
// scale and zero point), and FakeQuantize / FusedMovingAvgObsFakeQuantize / FixedQParamsFakeQuantize modules over 5
// steps (step 3 with the observer off, step 4 with fake quant off). All bit-exact: outputs, gradients, and after
// every step the scale / zero point buffers and the observer's running min / max.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

#include "base/error.h"
#include "tests/support/compare.h"
#include "tests/support/golden.h"
#include "workflow/fake_quantize.h"
#include "workflow/histogram_observer.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::expect_float_bits_equal;
using test::golden_floats;
using test::golden_ints;
using test::golden_tensor;
using test::tensor_floats;

std::vector<test::GoldenCase> cases_where(const std::function<bool(const test::GoldenCase&)>& keep) {
  std::vector<test::GoldenCase> out;
  for (auto& c : test::load_golden_family("fake_quant"))
    if (keep(c)) out.push_back(std::move(c));
  return out;
}

std::vector<test::GoldenCase> op_cases(const std::string& op) {
  return cases_where([&](const test::GoldenCase& c) { return c.json.value("op", std::string()) == op; });
}

TEST(FakeQuantGolden, FamilyHas24CasesOfKnownKinds) {
  const auto all = test::load_golden_family("fake_quant");
  EXPECT_EQ(all.size(), 24u) << "a missing or extra file in " << test::golden_dir() << "/fake_quant";
  std::map<std::string, int> kinds;
  for (const auto& c : all) ++kinds[c.json.contains("op") ? c.json.at("op").get<std::string>() : "module"];
  EXPECT_EQ(kinds["fake_quantize_per_tensor_affine"], 6);
  EXPECT_EQ(kinds["fake_quantize_per_channel_affine"], 3);
  EXPECT_EQ(kinds["_fake_quantize_learnable_per_tensor_affine"], 2);
  EXPECT_EQ(kinds["module"], 13);
  EXPECT_EQ(kinds.size(), 4u) << "a kind of case the tests below do not run";
}

TEST(FakeQuantGolden, PerTensorForwardAndSteGradientBitExact) {
  const auto cases = op_cases("fake_quantize_per_tensor_affine");
  ASSERT_EQ(cases.size(), 6u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& p = c.json.at("params");
    const Tensor x = golden_tensor(c.json.at("inputs").at("x"));
    const FakeQuantizeResult r = fake_quantize_per_tensor_affine_cachemask(
        x, p.at("scale").get<double>(), p.at("zero_point").get<int64_t>(), p.at("quant_min").get<int64_t>(),
        p.at("quant_max").get<int64_t>());
    expect_float_bits_equal(tensor_floats(r.output), golden_floats(c.json.at("outputs").at("y")), "y");
    const Tensor grad_x = fake_quantize_backward(golden_tensor(c.json.at("inputs").at("grad_y")), r.mask);
    expect_float_bits_equal(tensor_floats(grad_x), golden_floats(c.json.at("outputs").at("grad_x")), "grad_x");
    // The mask-less form gives the same output.
    expect_float_bits_equal(tensor_floats(fake_quantize_per_tensor_affine(
                                x, p.at("scale").get<double>(), p.at("zero_point").get<int64_t>(),
                                p.at("quant_min").get<int64_t>(), p.at("quant_max").get<int64_t>())),
                            golden_floats(c.json.at("outputs").at("y")), "y without mask");
  }
}

TEST(FakeQuantGolden, PerChannelForwardAndSteGradientBitExact) {
  const auto cases = op_cases("fake_quantize_per_channel_affine");
  ASSERT_EQ(cases.size(), 3u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& p = c.json.at("params");
    const Tensor x = golden_tensor(c.json.at("inputs").at("x"));
    const FakeQuantizeResult r = fake_quantize_per_channel_affine_cachemask(
        x, golden_floats(p.at("scale")), golden_ints(p.at("zero_point")), p.at("axis").get<int64_t>(),
        p.at("quant_min").get<int64_t>(), p.at("quant_max").get<int64_t>());
    expect_float_bits_equal(tensor_floats(r.output), golden_floats(c.json.at("outputs").at("y")), "y");
    const Tensor grad_x = fake_quantize_backward(golden_tensor(c.json.at("inputs").at("grad_y")), r.mask);
    expect_float_bits_equal(tensor_floats(grad_x), golden_floats(c.json.at("outputs").at("grad_x")), "grad_x");
  }
}

TEST(FakeQuantGolden, LearnablePerTensorForwardAndGradientsBitExact) {
  const auto cases = op_cases("_fake_quantize_learnable_per_tensor_affine");
  ASSERT_EQ(cases.size(), 2u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& p = c.json.at("params");
    const json& out = c.json.at("outputs");
    const Tensor x = golden_tensor(c.json.at("inputs").at("x"));
    const auto scale = static_cast<float>(p.at("scale").get<double>());
    const auto zp = static_cast<float>(p.at("zero_point").get<double>());
    const auto qmin = p.at("quant_min").get<int64_t>(), qmax = p.at("quant_max").get<int64_t>();
    const double factor = p.at("grad_factor").get<double>();
    expect_float_bits_equal(tensor_floats(fake_quantize_learnable_per_tensor_affine(x, scale, zp, qmin, qmax, factor)),
                            golden_floats(out.at("y")), "y");
    const LearnableFakeQuantizeGrads g = fake_quantize_learnable_per_tensor_affine_backward(
        golden_tensor(c.json.at("inputs").at("grad_y")), x, scale, zp, qmin, qmax, factor);
    expect_float_bits_equal(tensor_floats(g.grad_x), golden_floats(out.at("grad_x")), "grad_x");
    expect_float_bits_equal({g.grad_scale}, golden_floats(out.at("grad_scale")), "grad_scale");
    expect_float_bits_equal({g.grad_zero_point}, golden_floats(out.at("grad_zero_point")), "grad_zero_point");
  }
}

// The module each case was built from: fake_quantize.py's named configurations, or the QAT qconfig activations.
ObserverFactory module_factory(const std::string& name) {
  static const std::map<std::string, std::function<ObserverFactory()>> factories = {
      {"module_default_fake_quant", default_fake_quant},
      {"module_default_fused_act_fake_quant", default_fused_act_fake_quant},
      {"module_default_fused_per_channel_wt_fake_quant", default_fused_per_channel_wt_fake_quant},
      {"module_default_fused_wt_fake_quant", default_fused_wt_fake_quant},
      {"module_default_histogram_fake_quant", default_histogram_fake_quant},
      {"module_default_per_channel_weight_fake_quant", default_per_channel_weight_fake_quant},
      {"module_default_weight_fake_quant", default_weight_fake_quant},
      {"module_fixed_qparams_0to1", default_fixed_qparams_range_0to1_fake_quant},
      {"module_fixed_qparams_neg1to1", default_fixed_qparams_range_neg1to1_fake_quant},
      {"module_fused_wt_fake_quant_range_neg_127_to_127", fused_wt_fake_quant_range_neg_127_to_127},
      // get_default_qat_qconfig("fbgemm", version=0): FakeQuantize(MovingAverageMinMax, [0,255], reduce_range)
      {"module_qat_fbgemm_act_v0",
       [] {
         return FakeQuantize::with_args(
             MovingAverageMinMaxObserver::with_args({.reduce_range = true, .quant_min = 0, .quant_max = 255}));
       }},
      // get_default_qat_qconfig("onednn" / "qnnpack"): fused, [0,255], reduce_range False
      {"module_qat_onednn_act",
       [] {
         return FusedMovingAvgObsFakeQuantize::with_args(
             MovingAverageMinMaxObserver::with_args({.reduce_range = false, .quant_min = 0, .quant_max = 255}));
       }},
      {"module_qat_qnnpack_act",
       [] {
         return FusedMovingAvgObsFakeQuantize::with_args(
             MovingAverageMinMaxObserver::with_args({.reduce_range = false, .quant_min = 0, .quant_max = 255}));
       }},
  };
  auto it = factories.find(name);
  if (it == factories.end()) throw Error("no module configuration for golden case " + name);
  return it->second();
}

std::vector<float> running(const ObserverBase& obs, bool min) {
  if (auto* p = dynamic_cast<const PerChannelMinMaxObserver*>(&obs)) return min ? p->min_val() : p->max_val();
  if (auto* p = dynamic_cast<const MinMaxObserver*>(&obs)) return {min ? p->min_val() : p->max_val()};
  if (auto* p = dynamic_cast<const HistogramObserver*>(&obs)) return {min ? p->min_val() : p->max_val()};
  ADD_FAILURE() << obs.name() << " has no running min/max";
  return {};
}

TEST(FakeQuantGolden, ModuleTrajectoriesBitExact) {
  const auto cases = cases_where([](const test::GoldenCase& c) { return c.json.contains("module"); });
  ASSERT_EQ(cases.size(), 13u);
  int steps_checked = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& p = c.json.at("params");
    std::unique_ptr<ObserverBase> built = module_factory(c.name)();
    auto* fq = dynamic_cast<FakeQuantize*>(built.get());
    ASSERT_NE(fq, nullptr);
    EXPECT_EQ(std::string(fq->name()), c.json.at("module").get<std::string>());
    EXPECT_EQ(std::string(fq->activation_post_process().name()), c.json.at("observer").get<std::string>());
    EXPECT_EQ(fq->quant_min(), p.at("quant_min").get<int64_t>());
    EXPECT_EQ(fq->quant_max(), p.at("quant_max").get<int64_t>());
    EXPECT_EQ(fq->dtype(), test::golden_dtype(p.at("dtype").get<std::string>()));
    EXPECT_EQ(std::string(qscheme_name(fq->qscheme())), p.at("qscheme").get<std::string>());
    EXPECT_EQ(fq->ch_axis(), p.at("ch_axis").get<int64_t>());

    const json& steps = c.json.at("inputs").at("steps");
    const json& after = c.json.at("outputs").at("after_step");
    ASSERT_EQ(steps.size(), after.size());
    for (size_t i = 0; i < steps.size(); ++i) {
      const std::string step = "step " + std::to_string(i);
      fq->enable_observer(steps[i].at("observer_enabled").get<bool>());
      fq->enable_fake_quant(steps[i].at("fake_quant_enabled").get<bool>());
      const Tensor y = fq->forward(golden_tensor(steps[i].at("x")));
      const Tensor grad_x = fq->backward(golden_tensor(steps[i].at("grad_y")));
      const json& st = after[i];
      expect_float_bits_equal(tensor_floats(y), golden_floats(st.at("y")), step + " y");
      expect_float_bits_equal(tensor_floats(grad_x), golden_floats(st.at("grad_x")), step + " grad_x");
      expect_float_bits_equal(fq->qparams().scales, golden_floats(st.at("scale")), step + " scale");
      EXPECT_EQ(fq->qparams().zero_points, golden_ints(st.at("zero_point"))) << step << " zero_point";
      if (st.contains("min_val")) {
        expect_float_bits_equal(running(fq->activation_post_process(), true), golden_floats(st.at("min_val")),
                                step + " min_val");
        expect_float_bits_equal(running(fq->activation_post_process(), false), golden_floats(st.at("max_val")),
                                step + " max_val");
      }
      ++steps_checked;
    }
  }
  EXPECT_EQ(steps_checked, 65);
}

}  // namespace
}  // namespace qjit
