// The `fuse` golden family (PyTorch 1.13.1 fuse_conv_bn_weights / fuse_linear_bn_weights in eval mode): the folded
// weight and bias must be bit-identical to PyTorch's (NUMERICS.md section 6: float32, left to right).
#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"
#include "tests/support/golden.h"
#include "workflow/fusion.h"

namespace qjit {
namespace {

using test::golden_tensor;

size_t count_bit_differences(const Tensor& got, const nlohmann::json& want) {
  const std::vector<float> g = test::tensor_floats(got), w = test::golden_floats(want);
  EXPECT_EQ(g.size(), w.size());
  size_t bad = 0;
  for (size_t i = 0; i < std::min(g.size(), w.size()); ++i) bad += std::memcmp(&g[i], &w[i], 4) != 0;
  return bad;
}

TEST(FusionGolden, BatchNormFoldingIsBitExactToPyTorch) {
  const auto cases = test::load_golden_family("fuse");
  ASSERT_EQ(cases.size(), 6u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto& in = c.json.at("inputs");
    auto opt = [&](const char* k) { return in.at(k).is_null() ? Tensor() : golden_tensor(in.at(k)); };
    const double eps = in.at("bn_eps").get<double>();
    const bool linear = c.name.rfind("linear", 0) == 0;
    const bool transpose = c.json.at("params").value("transpose", false);
    auto [w, b] = linear ? fuse_linear_bn_weights(opt("weight"), opt("bias"), opt("bn_running_mean"),
                                                  opt("bn_running_var"), eps, opt("bn_weight"), opt("bn_bias"))
                         : fuse_conv_bn_weights(opt("weight"), opt("bias"), opt("bn_running_mean"),
                                                opt("bn_running_var"), eps, opt("bn_weight"), opt("bn_bias"), transpose);
    EXPECT_EQ(w.sizes(), test::golden_shape(c.json.at("outputs").at("fused_weight")));
    EXPECT_EQ(count_bit_differences(w, c.json.at("outputs").at("fused_weight")), 0u);
    EXPECT_EQ(count_bit_differences(b, c.json.at("outputs").at("fused_bias")), 0u);
  }
}

TEST(Fusion, MissingBiasAndAffineDefaultToZeroAndOne) {
  Tensor w = from_vector({1.f, 2.f, 3.f, 4.f}, {2, 2});
  auto [fw, fb] = fuse_linear_bn_weights(w, Tensor(), from_vector({1.f, -1.f}), from_vector({3.f, 0.f}), 1.0,
                                         Tensor(), Tensor());
  // s = 1 / sqrt(var + 1) = {0.5, 1}; b' = (0 - mean) * s.
  EXPECT_EQ(test::tensor_floats(fw), (std::vector<float>{0.5f, 1.f, 3.f, 4.f}));
  EXPECT_EQ(test::tensor_floats(fb), (std::vector<float>{-0.5f, 1.f}));
}

TEST(Fusion, MismatchedChannelCountsAndNegativeVarianceAreErrors) {
  Tensor w = zeros({3, 2, 1, 1});
  Tensor ones3 = full({3}, 1.0), ones2 = full({2}, 1.0);
  EXPECT_THROW(fuse_conv_bn_weights(w, Tensor(), ones2, ones2, 1e-5, ones2, ones2), Error);
  EXPECT_THROW(fuse_conv_bn_weights(w, Tensor(), ones3, full({3}, -1.0), 1e-5, ones3, ones3), Error);
  EXPECT_THROW(fuse_conv_bn_weights(w, Tensor(), ones3, Tensor(), 1e-5, ones3, ones3), Error);
  EXPECT_THROW(fuse_linear_bn_weights(zeros({3}), Tensor(), ones3, ones3, 1e-5, ones3, ones3), Error);
}

}  // namespace
}  // namespace qjit
