// The pooling cases of the `qops` golden family (PyTorch 1.13.1): max_pool2d, avg_pool2d, adaptive_avg_pool2d.
// Required bit-exact against the onednn (generic ATen) output, in both memory formats of the input; PyTorch's
// QNNPACK output must be within 1 LSB except where it ignores divisor_override (README surprise 9).
#include <gtest/gtest.h>

#include <optional>

#include "qlayers/engine.h"
#include "qlayers/functional_pool.h"
#include "tests/qlayers/qops_golden.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::expect_q_within;
using test::golden_tensor;
using test::qops_cases;

std::vector<int64_t> ints_or(const json& p, const char* key, std::vector<int64_t> fallback) {
  if (!p.contains(key) || p.at(key).is_null()) return fallback;
  if (p.at(key).is_array()) return p.at(key).get<std::vector<int64_t>>();
  return {p.at(key).get<int64_t>()};
}

// Runs `op` on the case's input in both memory formats under both engines: exact against onednn, within 1 LSB of
// qnnpack unless `qnnpack_differs` (then the difference is only reported).
template <class Op>
int run_cases(const std::string& prefix, size_t expected, Op op, bool (*qnnpack_differs)(const json&) = nullptr) {
  const auto cases = qops_cases(prefix);
  EXPECT_EQ(cases.size(), expected) << "golden cases of " << prefix;
  int passed = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& p = c.json.at("params");
    const Tensor x = golden_tensor(c.json.at("inputs").at("x"));
    for (MemoryFormat f : {MemoryFormat::contiguous, MemoryFormat::channels_last}) {
      SCOPED_TRACE(memory_format_name(f));
      for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
        EngineGuard guard(e);
        const Tensor y = op(x.contiguous(f), p);
        EXPECT_TRUE(y.is_contiguous(f)) << "output must keep the input's memory format";
        if (expect_q_within(y, c.json.at("engines").at("onednn"), 0, "onednn") == 0) ++passed;
        if (qnnpack_differs && qnnpack_differs(c.json)) continue;
        expect_q_within(y, c.json.at("engines").at("qnnpack"), 1, "qnnpack");
      }
    }
  }
  return passed;
}

TEST(FunctionalPoolGolden, MaxPool2dBitExactIncludingCeilModeAndDilation) {
  const int passed = run_cases("max_pool2d_", 3, [](const Tensor& x, const json& p) {
    return max_pool2d(x, ints_or(p, "kernel", {}), ints_or(p, "stride", {}), ints_or(p, "padding", {0}),
                      ints_or(p, "dilation", {1}), p.value("ceil_mode", false));
  });
  EXPECT_EQ(passed, 3 * 4);
}

// QNNPACK divides by the window size even when divisor_override is set: its output for that case differs from
// the generic kernel by up to 16 LSB, and qjit follows the generic kernel (onednn), which honours the override.
bool has_divisor_override(const json& c) { return c.at("params").contains("divisor_override"); }

TEST(FunctionalPoolGolden, AvgPool2dBitExactWithOnednnIncludingDivisorOverride) {
  const auto cases = qops_cases("avg_pool2d_");
  int overridden = 0;
  for (const auto& c : cases) overridden += has_divisor_override(c.json);
  EXPECT_EQ(overridden, 1) << "the divisor_override case is missing";
  for (const auto& c : cases)  // the one known engine difference, recorded by the generator
    EXPECT_EQ(c.json.at("engines_agree").get<bool>(), !has_divisor_override(c.json)) << c.name;
  const int passed = run_cases(
      "avg_pool2d_", 4,
      [](const Tensor& x, const json& p) {
        std::optional<int64_t> divisor;
        if (p.contains("divisor_override")) divisor = p.at("divisor_override").get<int64_t>();
        return avg_pool2d(x, ints_or(p, "kernel", {}), ints_or(p, "stride", {}), ints_or(p, "padding", {0}),
                          p.value("ceil_mode", false), p.value("count_include_pad", true), divisor);
      },
      has_divisor_override);
  EXPECT_EQ(passed, 4 * 4);
}

TEST(FunctionalPoolGolden, AdaptiveAvgPool2dBitExact) {
  const int passed = run_cases("adaptive_avg_pool2d_", 3, [](const Tensor& x, const json& p) {
    return adaptive_avg_pool2d(x, p.at("output_size").get<std::vector<int64_t>>());
  });
  EXPECT_EQ(passed, 3 * 4);
}

}  // namespace
}  // namespace qjit
