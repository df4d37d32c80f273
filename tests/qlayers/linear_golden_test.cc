// The golden `qlinear` family (PyTorch 1.13 nnq.Linear / nniq.LinearReLU) through the qjit *modules*, built with
// from_quantized from the golden quantized weight, float bias and output qparams: under each engine the output is
// bit-exact to that engine's PyTorch output, and within 1 LSB of the other engine's. The asymmetric-weight case
// has no onednn output (PyTorch's onednn refuses it): both formulas are compared with qnnpack's output there.
#include <gtest/gtest.h>

#include <cstdlib>

#include "qlayers/engine.h"
#include "qlayers/linear.h"
#include "qlayers/quantize.h"
#include "tests/support/compare.h"
#include "tests/support/golden.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

std::shared_ptr<nnq::Linear> module_of(const nlohmann::json& j) {
  const auto& in = j["inputs"];
  const Tensor w = test::golden_tensor(in["weight"]);
  const Tensor b = in["bias"].is_null() ? Tensor() : test::golden_tensor(in["bias"]);
  const double scale = j["params"]["output_scale"].get<double>();
  const int64_t zp = j["params"]["output_zero_point"].get<int64_t>();
  if (j["params"].value("relu", false)) return nniq::LinearReLU::from_quantized(w, b, scale, zp);
  return nnq::Linear::from_quantized(w, b, scale, zp);
}

TEST(QLinearGolden, ModulesAreBitExactToEachEngineAndWithinOneLsbOfTheOther) {
  const auto cases = test::load_golden_family("qlinear");
  ASSERT_EQ(cases.size(), 11u);
  size_t exact = 0, cross = 0, elements = 0;
  for (const auto& gc : cases) {
    SCOPED_TRACE(gc.name);
    const auto& j = gc.json;
    const auto m = module_of(j);
    EXPECT_EQ(m->qualified_name(), j["params"].value("relu", false) ? "nniq.LinearReLU" : "nnq.Linear");
    const Tensor x = test::golden_tensor(j["inputs"]["x"]);
    const auto& engines = j["engines"];
    for (QEngine engine : {QEngine::onednn, QEngine::qnnpack}) {
      EngineGuard guard(engine);
      const Tensor y = (*m)(x);
      EXPECT_EQ(y.sizes(), test::golden_shape(j["outputs"]["float_reference"]));
      EXPECT_EQ(y.q_scale(), m->scale);
      EXPECT_EQ(y.q_zero_point(), m->zero_point);
      const auto got = test::tensor_ints(y);
      for (const char* name : {"onednn", "qnnpack"}) {
        if (!engines.contains(name)) continue;  // onednn raised on the asymmetric weight
        const auto want = test::golden_ints(engines[name]);
        // Bit-exact under the engine's own formula, within one step of the other engine's.
        const bool same = engine_name(engine) == name;
        test::expect_ints_equal(got, want, std::string(engine_name(engine)) + " vs PyTorch " + name, same ? 0 : 1);
        if (same) {
          ++exact;
          elements += want.size();
        } else {
          ++cross;
        }
      }
    }
  }
  EXPECT_EQ(exact, 21u);  // 10 cases x 2 engines + the asymmetric case under qnnpack
  EXPECT_EQ(cross, 21u);
  EXPECT_EQ(elements, 2u * 2733u + 32u);  // README's 2,733 elements of both engines + asym_weight_pt's 32 (qnnpack)
}

// The functional op on weights prepacked for each available path gives what the module (best path) gives, under
// both formulas: the golden agreement holds on every path.
TEST(QLinearGolden, FunctionalOpOnEveryPathEqualsTheModule) {
  const auto cases = test::load_golden_family("qlinear");
  ASSERT_EQ(cases.size(), 11u);
  size_t compared = 0;
  testing::for_each_isa([&](Isa isa) {
    for (const auto& gc : cases) {
      SCOPED_TRACE(gc.name);
      const auto& j = gc.json;
      const auto m = module_of(j);
      const auto packed = LinearPackedParams::prepack(test::golden_tensor(j["inputs"]["weight"]), m->bias(), isa);
      ASSERT_EQ(packed->isa(), isa);
      const Tensor x = test::golden_tensor(j["inputs"]["x"]);
      const bool relu = j["params"].value("relu", false);
      for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
        EngineGuard guard(e);
        const Tensor y = relu ? quantized_linear_relu(x, *packed, m->scale, m->zero_point)
                              : quantized_linear(x, *packed, m->scale, m->zero_point);
        EXPECT_EQ(test::tensor_ints(y), test::tensor_ints((*m)(x))) << engine_name(e);
        ++compared;
      }
    }
  });
  EXPECT_EQ(compared, 22u * testing::paths_to_test().size());
}

}  // namespace
}  // namespace qjit
