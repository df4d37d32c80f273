// The golden `qconv` family (PyTorch 1.13 nnq.Conv1d/2d/3d and nniq.ConvReLU*) through the qjit *modules*, built
// with from_quantized from the golden quantized weight, float bias, geometry and output qparams: under each engine
// the output is bit-exact to that engine's PyTorch output and within 1 LSB of the other engine's. Each case runs
// with the NC(D)HW input as PyTorch users pass it and with its channels-last copy; both must give the same output.
#include <gtest/gtest.h>

#include <cstdlib>

#include "qlayers/conv.h"
#include "qlayers/engine.h"
#include "tests/support/compare.h"
#include "tests/support/golden.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

std::shared_ptr<nnq::ConvNd> module_of(const nlohmann::json& j) {
  const auto& p = j["params"];
  const auto& in = j["inputs"];
  const Tensor w = test::golden_tensor(in["weight"]);
  const Tensor b = in["bias"].is_null() ? Tensor() : test::golden_tensor(in["bias"]);
  const double s = p["output_scale"].get<double>();
  const int64_t zp = p["output_zero_point"].get<int64_t>();
  const auto stride = p["stride"].get<std::vector<int64_t>>();
  const auto padding = p["padding"].get<std::vector<int64_t>>();
  const auto dilation = p["dilation"].get<std::vector<int64_t>>();
  const int64_t g = p["groups"].get<int64_t>();
  const std::string mode = p["padding_mode"].get<std::string>();
  const bool relu = p.value("relu", false);
  switch (p["dim"].get<int>()) {
    case 1:
      if (relu) return nniq::ConvReLU1d::from_quantized(w, b, s, zp, stride, padding, dilation, g, mode);
      return nnq::Conv1d::from_quantized(w, b, s, zp, stride, padding, dilation, g, mode);
    case 2:
      if (relu) return nniq::ConvReLU2d::from_quantized(w, b, s, zp, stride, padding, dilation, g, mode);
      return nnq::Conv2d::from_quantized(w, b, s, zp, stride, padding, dilation, g, mode);
    default:
      if (relu) return nniq::ConvReLU3d::from_quantized(w, b, s, zp, stride, padding, dilation, g, mode);
      return nnq::Conv3d::from_quantized(w, b, s, zp, stride, padding, dilation, g, mode);
  }
}

// The input in channels-last memory: NHWC / NDHWC, or for 1-d the [N, C, L] view of a dense [N, L, C].
Tensor channels_last_copy(const Tensor& x) {
  if (x.dim() == 3) return x.permute({0, 2, 1}).contiguous().permute({0, 2, 1});
  return x.contiguous(MemoryFormat::channels_last);
}

TEST(QConvGolden, ModulesAreBitExactToEachEngineAndWithinOneLsbOfTheOther) {
  const auto cases = test::load_golden_family("qconv");
  ASSERT_EQ(cases.size(), 21u);
  size_t exact = 0, cross = 0, elements = 0;
  for (const auto& gc : cases) {
    SCOPED_TRACE(gc.name);
    const auto& j = gc.json;
    const auto m = module_of(j);
    const std::string kind = j["module"].get<std::string>();  // "quantized.ConvReLU2d"
    EXPECT_EQ(m->type_name(), kind.substr(kind.find('.') + 1));
    const Tensor x = test::golden_tensor(j["inputs"]["x"]);
    const Tensor x_cl = channels_last_copy(x);
    ASSERT_NE(x.strides(), x_cl.strides());
    const auto& engines = j["engines"];
    for (QEngine engine : {QEngine::onednn, QEngine::qnnpack}) {
      EngineGuard guard(engine);
      const Tensor y = (*m)(x);
      EXPECT_EQ(y.sizes(), test::golden_shape(engines["onednn"]));
      EXPECT_EQ(y.strides(), channels_last_copy(y).strides()) << "output must be channels-last";
      EXPECT_EQ(y.q_scale(), m->scale);
      EXPECT_EQ(y.q_zero_point(), m->zero_point);
      const auto got = test::tensor_ints(y);  // logical (NCHW) order
      EXPECT_EQ(test::tensor_ints((*m)(x_cl)), got) << "channels-last input";
      for (const char* name : {"onednn", "qnnpack"}) {
        ASSERT_TRUE(engines.contains(name));
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
  EXPECT_EQ(exact, 42u);  // 21 cases x 2 engines
  EXPECT_EQ(cross, 42u);
  EXPECT_EQ(elements, 2u * 15284u);  // the golden README's count of conv output elements, per engine
}

// The functional op on weights prepacked for each available path gives what the module (best path) gives, under
// both formulas: the golden agreement holds on every path.
TEST(QConvGolden, FunctionalOpOnEveryPathEqualsTheModule) {
  const auto cases = test::load_golden_family("qconv");
  ASSERT_EQ(cases.size(), 21u);
  size_t compared = 0;
  testing::for_each_isa([&](Isa isa) {
    for (const auto& gc : cases) {
      SCOPED_TRACE(gc.name);
      const auto& j = gc.json;
      const auto m = module_of(j);
      const auto packed = ConvPackedParams::prepack(test::golden_tensor(j["inputs"]["weight"]), m->bias(), m->stride(),
                                                    m->padding(), m->dilation(), m->groups(), "test", isa);
      ASSERT_EQ(packed->isa(), isa);
      const Tensor x = test::golden_tensor(j["inputs"]["x"]);
      const bool relu = j["params"].value("relu", false);
      using Op = Tensor (*)(const Tensor&, const ConvPackedParams&, double, int64_t, RequantFormula);
      const Op ops[2][3] = {{quantized_conv1d, quantized_conv2d, quantized_conv3d},
                            {quantized_conv1d_relu, quantized_conv2d_relu, quantized_conv3d_relu}};
      const Op op = ops[relu][j["params"]["dim"].get<int>() - 1];
      for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
        EngineGuard guard(e);
        const Tensor y = op(x, *packed, m->scale, m->zero_point, requant_formula(e));
        EXPECT_EQ(test::tensor_ints(y), test::tensor_ints((*m)(x))) << engine_name(e);
        ++compared;
      }
    }
  });
  EXPECT_EQ(compared, 42u * testing::paths_to_test().size());
}

}  // namespace
}  // namespace qjit
