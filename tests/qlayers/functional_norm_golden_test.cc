// The normalization cases of the `qops` golden family (PyTorch 1.13.1): layer_norm (affine / not), group_norm,
// instance_norm, batch_norm1d/2d/3d and batch_norm2d_relu, in both memory formats where the rank allows.
#include <gtest/gtest.h>

#include "qlayers/functional_norm.h"
#include "tests/qlayers/qops_golden.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::expect_q_within;
using test::golden_tensor;
using test::qops_cases;

Tensor input(const json& c, const char* name) { return golden_tensor(c.at("inputs").at(name)); }

Tensor run(const test::GoldenCase& c, const Tensor& x) {
  const json& p = c.json.at("params");
  const double eps = p.at("eps").get<double>(), s = p.at("output_scale").get<double>();
  const int64_t zp = p.at("output_zero_point").get<int64_t>();
  const json& j = c.json;
  if (c.name == "layer_norm")
    return layer_norm(x, p.at("normalized_shape").get<std::vector<int64_t>>(), input(j, "weight"), input(j, "bias"),
                      eps, s, zp);
  if (c.name == "layer_norm_noaffine")  // the case's weight / bias entries are placeholders: PyTorch got None
    return layer_norm(x, p.at("normalized_shape").get<std::vector<int64_t>>(), Tensor(), Tensor(), eps, s, zp);
  if (c.name == "group_norm")
    return group_norm(x, p.at("num_groups").get<int64_t>(), input(j, "weight"), input(j, "bias"), eps, s, zp);
  if (c.name == "instance_norm") return instance_norm(x, input(j, "weight"), input(j, "bias"), eps, s, zp);
  const Tensor w = input(j, "weight"), b = input(j, "bias"), m = input(j, "running_mean"), v = input(j, "running_var");
  if (c.name == "batch_norm1d") return batch_norm1d(x, w, b, m, v, eps, s, zp);
  if (c.name == "batch_norm2d") return batch_norm2d(x, w, b, m, v, eps, s, zp);
  if (c.name == "batch_norm3d") return batch_norm3d(x, w, b, m, v, eps, s, zp);
  if (c.name == "batch_norm2d_relu") return batch_norm_relu(x, w, b, m, v, eps, s, zp);
  ADD_FAILURE() << "no runner for " << c.name;
  return x;
}

int run_cases(const std::vector<std::string>& names, int64_t tolerance) {
  int passed = 0;
  for (const auto& name : names) {
    const auto cases = qops_cases(name);
    bool found = false;
    for (const auto& c : cases) {
      if (c.name != name) continue;
      found = true;
      SCOPED_TRACE(c.name);
      const Tensor x = input(c.json, "x");
      std::vector<MemoryFormat> formats{MemoryFormat::contiguous};
      if (x.dim() == 4 || x.dim() == 5) formats.push_back(MemoryFormat::channels_last);
      for (MemoryFormat f : formats) {
        SCOPED_TRACE(memory_format_name(f));
        const Tensor y = run(c, x.contiguous(f));
        EXPECT_TRUE(y.is_contiguous(f)) << "output must keep the input's memory format";
        if (expect_q_within(y, c.json.at("engines").at("onednn"), tolerance, "onednn") == 0) ++passed;
        expect_q_within(y, c.json.at("engines").at("qnnpack"), tolerance, "qnnpack");
      }
    }
    EXPECT_TRUE(found) << "golden case " << name << " missing";
  }
  return passed;
}

// Each case in every memory format its rank allows: 8 cases, 14 runs; the engines agree on all of them.
TEST(FunctionalNormGolden, LayerNormAffineAndNotBitExact) {
  EXPECT_EQ(run_cases({"layer_norm", "layer_norm_noaffine"}, 0), 2 + 1);
}

TEST(FunctionalNormGolden, GroupNormAndInstanceNormBitExact) {
  EXPECT_EQ(run_cases({"group_norm", "instance_norm"}, 0), 2 * 2);
}

TEST(FunctionalNormGolden, BatchNorm1d2d3dAndReluBitExact) {
  EXPECT_EQ(run_cases({"batch_norm1d", "batch_norm2d", "batch_norm3d", "batch_norm2d_relu"}, 0), 1 + 2 + 2 + 2);
}

}  // namespace
}  // namespace qjit
