// The quantized pooling and normalization modules: names and printing as PyTorch's, forward equal to the
// functional op with the module's arguments, the golden cases through the modules, and bad construction.
#include <gtest/gtest.h>

#include "qlayers/functional_norm.h"
#include "qlayers/functional_pool.h"
#include "qlayers/norm_modules.h"
#include "qlayers/pool_modules.h"
#include "tests/qlayers/expect_error.h"
#include "tests/qlayers/qops_golden.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::expect_error;
using test::expect_q_within;
using test::golden_tensor;
using test::qops_cases;

const test::GoldenCase& golden(const std::string& name) {
  static std::vector<test::GoldenCase> all = test::load_golden_family("qops");
  for (const auto& c : all)
    if (c.name == name) return c;
  ADD_FAILURE() << "golden case " << name << " missing";
  static test::GoldenCase none;
  return none;
}

Tensor in(const test::GoldenCase& c, const char* name) { return golden_tensor(c.json.at("inputs").at(name)); }

TEST(QPoolModules, NamesAndReprFollowPyTorch) {
  nnq::MaxPool2d mp({2});
  EXPECT_EQ(mp.qualified_name(), "nnq.MaxPool2d");
  EXPECT_EQ(mp.to_string(), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  nnq::AvgPool2d ap({3, 2}, {1}, {1}, true);
  EXPECT_EQ(ap.qualified_name(), "nnq.AvgPool2d");
  EXPECT_EQ(ap.extra_repr(), "kernel_size=(3, 2), stride=1, padding=1");
  nnq::AdaptiveAvgPool2d aap({3, 4});
  EXPECT_EQ(aap.qualified_name(), "nnq.AdaptiveAvgPool2d");
  EXPECT_EQ(aap.extra_repr(), "output_size=(3, 4)");
}

TEST(QPoolModules, GoldenCasesThroughModulesBitExact) {
  const auto& mp = golden("max_pool2d_ceil_dil");
  nnq::MaxPool2d m1({3}, {2}, {1}, {2}, true);
  expect_q_within(m1(in(mp, "x")), mp.json.at("engines").at("onednn"), 0, "MaxPool2d");
  const auto& ap = golden("avg_pool2d_divisor");
  nnq::AvgPool2d m2({2}, {2}, {0}, false, true, 3);
  expect_q_within(m2(in(ap, "x")), ap.json.at("engines").at("onednn"), 0, "AvgPool2d");
  const auto& aap = golden("adaptive_avg_pool2d_3x4");
  nnq::AdaptiveAvgPool2d m3({3, 4});
  expect_q_within(m3(in(aap, "x")), aap.json.at("engines").at("onednn"), 0, "AdaptiveAvgPool2d");
}

TEST(QPoolModules, DeepCloneKeepsArguments) {
  nnq::AvgPool2d ap({3}, {2}, {1}, true, false, 5);
  auto copy = std::dynamic_pointer_cast<nnq::AvgPool2d>(ap.deep_clone());
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->divisor_override, 5);
  EXPECT_FALSE(copy->count_include_pad);
}

TEST(QPoolModules, BadConstruction) {
  expect_error([] { nnq::MaxPool2d({2, 2, 2}); }, {"nnq.MaxPool2d", "kernel_size"});
  expect_error([] { nnq::AvgPool2d({2}, {}, {0}, false, true, 0); }, {"nnq.AvgPool2d", "divisor_override"});
  expect_error([] { nnq::AdaptiveAvgPool2d({0}); }, {"nnq.AdaptiveAvgPool2d", "output_size = 0"});
}

TEST(QNormModules, NamesAndReprFollowPyTorch) {
  nnq::BatchNorm2d bn(4);
  EXPECT_EQ(bn.qualified_name(), "nnq.BatchNorm2d");
  EXPECT_EQ(bn.to_string(), "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(bn.scale, 1.0);
  EXPECT_EQ(bn.zero_point, 0);
  EXPECT_EQ(nnq::BatchNorm3d(2).qualified_name(), "nnq.BatchNorm3d");
  EXPECT_EQ(nniq::BNReLU2d(2).qualified_name(), "nniq.BNReLU2d");
  EXPECT_EQ(nniq::BNReLU3d(2).type_name(), "BNReLU3d");
  nnq::LayerNorm ln({6, 7}, Tensor(), Tensor(), 0.1, 3);
  EXPECT_EQ(ln.extra_repr(), "(6, 7), eps=1e-05, elementwise_affine=True");
  nnq::GroupNorm gn(2, 4, Tensor(), Tensor(), 0.1, 3);
  EXPECT_EQ(gn.extra_repr(), "2, 4, eps=1e-05, affine=True");
  nnq::InstanceNorm2d in2(4, Tensor(), Tensor(), 0.1, 3);
  EXPECT_EQ(in2.qualified_name(), "nnq.InstanceNorm2d");
  EXPECT_EQ(in2.extra_repr(), "4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False");
  EXPECT_EQ(nnq::InstanceNorm1d(4, Tensor(), Tensor(), 0.1, 3).type_name(), "InstanceNorm1d");
  EXPECT_EQ(nnq::InstanceNorm3d(4, Tensor(), Tensor(), 0.1, 3).type_name(), "InstanceNorm3d");
}

TEST(QNormModules, GoldenCasesThroughModules) {
  const auto& b2 = golden("batch_norm2d");
  const json& p = b2.json.at("params");
  auto bn = nnq::BatchNorm2d::from_params(in(b2, "weight"), in(b2, "bias"), in(b2, "running_mean"),
                                          in(b2, "running_var"), p.at("eps").get<double>(),
                                          p.at("output_scale").get<double>(), p.at("output_zero_point").get<int64_t>());
  expect_q_within((*bn)(in(b2, "x")), b2.json.at("engines").at("onednn"), 0, "BatchNorm2d");

  const auto& br = golden("batch_norm2d_relu");
  const json& pr = br.json.at("params");
  auto bnr = nniq::BNReLU2d::from_params(in(br, "weight"), in(br, "bias"), in(br, "running_mean"),
                                         in(br, "running_var"), pr.at("eps").get<double>(),
                                         pr.at("output_scale").get<double>(), pr.at("output_zero_point").get<int64_t>());
  expect_q_within((*bnr)(in(br, "x")), br.json.at("engines").at("onednn"), 0, "BNReLU2d");

  const auto& b3 = golden("batch_norm3d");
  const json& p3 = b3.json.at("params");
  auto bn3 = nnq::BatchNorm3d::from_params(in(b3, "weight"), in(b3, "bias"), in(b3, "running_mean"),
                                           in(b3, "running_var"), p3.at("eps").get<double>(),
                                           p3.at("output_scale").get<double>(), p3.at("output_zero_point").get<int64_t>());
  expect_q_within((*bn3)(in(b3, "x")), b3.json.at("engines").at("onednn"), 0, "BatchNorm3d");

  const auto& ln = golden("layer_norm");
  const json& pl = ln.json.at("params");
  nnq::LayerNorm lnm(pl.at("normalized_shape").get<std::vector<int64_t>>(), in(ln, "weight"), in(ln, "bias"),
                     pl.at("output_scale").get<double>(), pl.at("output_zero_point").get<int64_t>(),
                     pl.at("eps").get<double>());
  expect_q_within(lnm(in(ln, "x")), ln.json.at("engines").at("onednn"), 1, "LayerNorm");

  const auto& gn = golden("group_norm");
  const json& pg = gn.json.at("params");
  nnq::GroupNorm gnm(pg.at("num_groups").get<int64_t>(), 4, in(gn, "weight"), in(gn, "bias"),
                     pg.at("output_scale").get<double>(), pg.at("output_zero_point").get<int64_t>());
  expect_q_within(gnm(in(gn, "x")), gn.json.at("engines").at("onednn"), 1, "GroupNorm");

  const auto& inn = golden("instance_norm");
  const json& pi = inn.json.at("params");
  nnq::InstanceNorm2d inm(4, in(inn, "weight"), in(inn, "bias"), pi.at("output_scale").get<double>(),
                          pi.at("output_zero_point").get<int64_t>(), pi.at("eps").get<double>(), 0.1, true);
  expect_q_within(inm(in(inn, "x")), inn.json.at("engines").at("onednn"), 1, "InstanceNorm2d");
}

TEST(QNormModules, BatchNormDefaultsAreIdentityStatistics) {
  nnq::BatchNorm2d bn(3);
  EXPECT_EQ(test::tensor_floats(bn.weight), std::vector<float>(3, 1.0f));
  EXPECT_EQ(test::tensor_floats(bn.bias), std::vector<float>(3, 0.0f));
  EXPECT_EQ(test::tensor_floats(bn.running_mean), std::vector<float>(3, 0.0f));
  EXPECT_EQ(test::tensor_floats(bn.running_var), std::vector<float>(3, 1.0f));
}

TEST(QNormModules, BadConstructionAndInput) {
  expect_error([] { nnq::BatchNorm2d(0); }, {"num_features = 0"});
  expect_error([] { nnq::GroupNorm(3, 4, Tensor(), Tensor(), 0.1, 0); }, {"nnq.GroupNorm", "num_groups = 3"});
  expect_error([] { nnq::LayerNorm({4}, full({3}, 1.0), Tensor(), 0.1, 0); }, {"nnq.LayerNorm", "weight"});
  expect_error([] { nnq::BatchNorm2d::from_params(Tensor(), Tensor(), full({3}, 0.0), full({2}, 1.0), 1e-5, 0.1, 0); },
               {"nnq.BatchNorm2d", "running_var"});
  nnq::BatchNorm2d bn(3);
  const Tensor q3d = golden_tensor(golden("batch_norm1d").json.at("inputs").at("x"));
  expect_error([&] { bn(q3d); }, {"nnq.BatchNorm2d", "4 dimensions"});
}

}  // namespace
}  // namespace qjit
