// The element-wise cases of the `qops` golden family (PyTorch 1.13.1): binary ops, cat, activations, softmax and
// mean, run under each quantized engine and compared with that engine's output, all bit-exact. (The README allows
// 1 LSB for activations, since ATen vectorises exp / tanh with Sleef and qjit calls libm; on these cases the
// results agree exactly, so any difference fails.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <string>

#include "qlayers/engine.h"
#include "qlayers/functional_activation.h"
#include "qlayers/functional_binary.h"
#include "qlayers/quantize.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::golden_tensor;

using Op = std::function<Tensor(const json& inputs, const json& params)>;

double num(const json& p, const char* k) { return p.at(k).get<double>(); }
int64_t integer(const json& p, const char* k) { return p.at(k).get<int64_t>(); }
Tensor in(const json& i, const char* k) { return golden_tensor(i.at(k)); }

// Every element-wise case of the family this library implements, with the call PyTorch made.
const std::map<std::string, Op>& ops() {
  static const std::map<std::string, Op> m = {
      {"add", [](const json& i, const json& p) { return quantized_add(in(i, "a"), in(i, "b"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"add_broadcast", [](const json& i, const json& p) { return quantized_add(in(i, "a"), in(i, "b"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"add_qint8", [](const json& i, const json& p) { return quantized_add(in(i, "a"), in(i, "b"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"add_relu", [](const json& i, const json& p) { return quantized_add_relu(in(i, "a"), in(i, "b"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"add_same_qparams", [](const json& i, const json& p) { return quantized_add(in(i, "a"), in(i, "b"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"add_saturate", [](const json& i, const json& p) { return quantized_add(in(i, "a"), in(i, "b"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"add_scalar", [](const json& i, const json& p) { return quantized_add_scalar(in(i, "a"), num(p, "scalar")); }},
      {"mul", [](const json& i, const json& p) { return quantized_mul(in(i, "a"), in(i, "b"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"mul_relu", [](const json& i, const json& p) { return quantized_mul_relu(in(i, "a"), in(i, "b"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"mul_scalar", [](const json& i, const json& p) { return quantized_mul_scalar(in(i, "a"), num(p, "scalar")); }},
      {"cat_dim0", [](const json& i, const json& p) { return quantized_cat({in(i, "a"), in(i, "b")}, integer(p, "dim"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"cat_requant", [](const json& i, const json& p) { return quantized_cat({in(i, "a"), in(i, "b")}, integer(p, "dim"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"cat_same_qparams", [](const json& i, const json& p) { return cat({in(i, "a"), in(i, "b")}, integer(p, "dim")); }},
      {"relu", [](const json& i, const json&) { return relu(in(i, "x")); }},
      {"relu6", [](const json& i, const json&) { return relu6(in(i, "x")); }},
      {"relu6_qint8", [](const json& i, const json&) { return relu6(in(i, "x")); }},
      {"hardswish", [](const json& i, const json& p) { return hardswish(in(i, "x"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"hardswish_same_qparams", [](const json& i, const json& p) { return hardswish(in(i, "x"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"sigmoid", [](const json& i, const json&) { return sigmoid(in(i, "x")); }},
      {"sigmoid_op", [](const json& i, const json& p) { return sigmoid(in(i, "x"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"tanh", [](const json& i, const json&) { return tanh(in(i, "x")); }},
      {"hardsigmoid", [](const json& i, const json&) { return hardsigmoid(in(i, "x")); }},
      {"leaky_relu", [](const json& i, const json& p) { return leaky_relu(in(i, "x"), num(p, "negative_slope"), num(p, "output_scale"), integer(p, "output_zero_point")); }},
      {"leaky_relu_functional", [](const json& i, const json& p) { return leaky_relu(in(i, "x"), num(p, "negative_slope")); }},
      {"elu", [](const json& i, const json& p) { return elu(in(i, "x"), num(p, "output_scale"), integer(p, "output_zero_point"), num(p, "alpha")); }},
      {"elu_alpha0.5", [](const json& i, const json& p) { return elu(in(i, "x"), num(p, "output_scale"), integer(p, "output_zero_point"), num(p, "alpha")); }},
      {"clamp", [](const json& i, const json& p) { return clamp(in(i, "x"), num(p, "min"), num(p, "max")); }},
      {"softmax", [](const json& i, const json& p) { return softmax(in(i, "x"), integer(p, "dim")); }},
      {"mean_hw", [](const json& i, const json&) { return mean(in(i, "x"), {2, 3}, true); }},
  };
  return m;
}

struct Diff {
  size_t differing = 0;
  int64_t max_abs = 0;
};

Diff compare(const Tensor& got, const json& want, const std::string& what) {
  Diff d;
  EXPECT_EQ(dtype_name(got.dtype()), dtype_name(test::golden_dtype(want.at("dtype").get<std::string>()))) << what;
  EXPECT_EQ(got.sizes(), test::golden_shape(want)) << what;
  EXPECT_EQ(got.q_scale(), want.at("scale").get<double>()) << what;
  EXPECT_EQ(got.q_zero_point(), want.at("zero_point").get<int64_t>()) << what;
  const std::vector<int64_t> g = test::tensor_ints(int_repr(got).contiguous()), w = test::golden_ints(want);
  EXPECT_EQ(g.size(), w.size()) << what;
  for (size_t i = 0; i < std::min(g.size(), w.size()); ++i) {
    const int64_t e = std::abs(g[i] - w[i]);
    if (e == 0) continue;
    if (++d.differing <= 3) std::cout << "  " << what << "[" << i << "]: got " << g[i] << ", PyTorch " << w[i] << "\n";
    d.max_abs = std::max(d.max_abs, e);
  }
  return d;
}

std::vector<test::GoldenCase> my_cases() {
  std::vector<test::GoldenCase> out;
  for (auto& c : test::load_golden_family("qops"))
    if (ops().count(c.name)) out.push_back(std::move(c));
  return out;
}

TEST(QOpsGolden, FamilyHoldsAll29ElementwiseCases) {
  const auto cases = my_cases();
  EXPECT_EQ(cases.size(), 29u);
  EXPECT_EQ(ops().size(), 29u);
}

void run_engine(QEngine e, const char* key) {
  EngineGuard guard(e);
  const auto cases = my_cases();
  ASSERT_EQ(cases.size(), 29u);
  int exact = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name + " engine " + key);
    const Tensor got = ops().at(c.name)(c.json.at("inputs"), c.json.value("params", json::object()));
    const Diff d = compare(got, c.json.at("engines").at(key), c.name);
    exact += d.differing == 0;
    EXPECT_EQ(d.differing, 0u) << c.name << ": elements that differ (max " << d.max_abs << " LSB)";
  }
  std::cout << "engine " << key << ": " << exact << " of " << cases.size() << " cases bit-exact\n";
}

TEST(QOpsGolden, OnednnEngineMatchesPyTorch) { run_engine(QEngine::onednn, "onednn"); }
TEST(QOpsGolden, QnnpackEngineMatchesPyTorch) { run_engine(QEngine::qnnpack, "qnnpack"); }

}  // namespace
}  // namespace qjit
