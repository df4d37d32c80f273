// The upsampling cases of the `qops` golden family (PyTorch 1.13.1): nearest by size and by scale factor,
// bilinear with align_corners true / false, up and down. Required bit-exact against onednn in both memory
// formats (both of PyTorch's engines agree on these cases).
#include <gtest/gtest.h>

#include "qlayers/functional_upsample.h"
#include "tests/qlayers/qops_golden.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::expect_q_within;
using test::golden_tensor;
using test::qops_cases;

Tensor run(const Tensor& x, const json& p) {
  std::vector<int64_t> size;
  std::vector<double> scale;
  if (p.contains("size")) size = p.at("size").get<std::vector<int64_t>>();
  if (p.contains("scale_factor")) scale = {p.at("scale_factor").get<double>()};
  std::optional<bool> align;
  if (p.contains("align_corners")) align = p.at("align_corners").get<bool>();
  return interpolate(x, size, scale, p.at("mode").get<std::string>(), align);
}

int run_cases(const std::string& prefix, size_t expected) {
  const auto cases = qops_cases(prefix);
  EXPECT_EQ(cases.size(), expected) << "golden cases of " << prefix;
  int passed = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(c.json.at("engines_agree").get<bool>());
    const Tensor x = golden_tensor(c.json.at("inputs").at("x"));
    for (MemoryFormat f : {MemoryFormat::contiguous, MemoryFormat::channels_last}) {
      SCOPED_TRACE(memory_format_name(f));
      const Tensor y = run(x.contiguous(f), c.json.at("params"));
      EXPECT_TRUE(y.is_contiguous(f)) << "output must keep the input's memory format";
      if (expect_q_within(y, c.json.at("engines").at("onednn"), 0, "onednn") == 0) ++passed;
    }
  }
  return passed;
}

TEST(FunctionalUpsampleGolden, NearestBySizeAndByScaleFactorBitExact) {
  EXPECT_EQ(run_cases("upsample_nearest_", 2), 2 * 2);
}

TEST(FunctionalUpsampleGolden, BilinearAlignCornersUpAndDownBitExact) {
  EXPECT_EQ(run_cases("upsample_bilinear_", 3), 3 * 2);
}

}  // namespace
}  // namespace qjit
