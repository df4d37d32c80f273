// The golden `dynamic_linear` cases (PyTorch 1.13 nnqd.Linear, reduce_range = true) per engine: the qnnpack formula
// (reduce_range ignored, ATen activation quantize) is bit-exact to the qnnpack engine's output; the onednn formula
// (reduce_range honoured, zero point added before rounding, reciprocal scales) is bit-exact for per-tensor weights
// and within 2e-6 for per-channel ones, as NUMERICS.md section 7 records. Every case runs on every path.
#include <gtest/gtest.h>

#include <cmath>

#include "qlayers/dynamic_linear.h"
#include "qlayers/engine.h"
#include "qlayers/functional_linear_dynamic.h"
#include "tests/support/golden.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

struct EngineCase {
  QEngine engine;
  const char* name;
};
constexpr EngineCase kEngines[] = {{QEngine::onednn, "onednn"}, {QEngine::qnnpack, "qnnpack"}};

// Bit-exact, or (onednn with per-channel weights: ideep scales per channel differently) within 2e-6 + 1e-6 rel.
void expect_matches(const std::vector<float>& got, const std::vector<float>& want, bool exact, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (exact)
      ASSERT_EQ(got[i], want[i]) << what << ", element " << i;
    else
      ASSERT_NEAR(got[i], want[i], 2e-6 + 1e-6 * std::fabs(want[i])) << what << ", element " << i;
  }
}

TEST(DynamicLinearGolden, ModuleMatchesEachEngineBitExactOrWithin2e6ForOnednnPerChannel) {
  const auto cases = test::load_golden_family("dynamic_linear");
  ASSERT_EQ(cases.size(), 6u);
  size_t compared = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto& in = c.json["inputs"];
    const Tensor x = test::golden_tensor(in["x"]);
    const Tensor w = test::golden_tensor(in["weight"]);
    const Tensor b = in["bias"].is_null() ? Tensor() : test::golden_tensor(in["bias"]);
    auto m = nnqd::Linear::from_quantized(w, b);
    const bool pc = is_per_channel(w.qscheme());
    for (const auto& e : kEngines) {
      EngineGuard g(e.engine);
      const Tensor y = (*m)(x);
      const Tensor want = test::golden_tensor(c.json["engines"][e.name]);
      EXPECT_EQ(y.sizes(), want.sizes());
      expect_matches(test::tensor_floats(y), test::tensor_floats(want), !(pc && e.engine == QEngine::onednn),
                     std::string(e.name));
      ++compared;
    }
  }
  EXPECT_EQ(compared, 12u);
}

TEST(DynamicLinearGolden, FunctionalMatchesEachEngineOnEveryPath) {
  const auto cases = test::load_golden_family("dynamic_linear");
  ASSERT_EQ(cases.size(), 6u);
  size_t compared = 0;
  testing::for_each_isa([&](Isa isa) {
    for (const auto& c : cases) {
      SCOPED_TRACE(c.name);
      const auto& in = c.json["inputs"];
      const Tensor x = test::golden_tensor(in["x"]);
      const Tensor w = test::golden_tensor(in["weight"]);
      const Tensor b = in["bias"].is_null() ? Tensor() : test::golden_tensor(in["bias"]);
      const auto packed = DynamicLinearPackedParams::from_qweight(w, b, "test", isa);
      for (const auto& e : kEngines) {
        EngineGuard g(e.engine);
        const Tensor y = quantized_linear_dynamic(x, packed, true);
        expect_matches(test::tensor_floats(y), test::tensor_floats(test::golden_tensor(c.json["engines"][e.name])),
                       !(is_per_channel(w.qscheme()) && e.engine == QEngine::onednn), e.name);
        ++compared;
      }
    }
  });
  EXPECT_EQ(compared, 12u * testing::paths_to_test().size());
}

// The reduce_range rule per engine: with reduce_range = false both engines quantize over 0..255 and differ only in
// where the zero point enters the rounding, so on these cases they agree with each other far better than with
// reduce_range = true under onednn (which halves the activation resolution).
TEST(DynamicLinearGolden, QnnpackIgnoresReduceRangeOnednnHonoursIt) {
  const auto cases = test::load_golden_family("dynamic_linear");
  ASSERT_FALSE(cases.empty());
  const auto& in = cases[0].json["inputs"];
  const auto packed = linear_dynamic_prepack(test::golden_tensor(in["weight"]),
                                             in["bias"].is_null() ? Tensor() : test::golden_tensor(in["bias"]));
  const Tensor x = test::golden_tensor(in["x"]);
  {
    EngineGuard g(QEngine::qnnpack);
    EXPECT_EQ(test::tensor_floats(quantized_linear_dynamic(x, packed, true)),
              test::tensor_floats(quantized_linear_dynamic(x, packed, false)));
  }
  EngineGuard g(QEngine::onednn);
  EXPECT_NE(test::tensor_floats(quantized_linear_dynamic(x, packed, true)),
            test::tensor_floats(quantized_linear_dynamic(x, packed, false)));
}

}  // namespace
}  // namespace qjit
