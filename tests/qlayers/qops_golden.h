// Test helper for the `qops` golden family: the cases of one op, and the comparison of a quantized result with a
// golden quantized tensor (dtype, shape, per-tensor parameters, then the stored integers exactly or within a
// tolerance in LSB). Shared by the pooling, upsampling and normalization golden tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "qlayers/quantize.h"
#include "tests/support/golden.h"

namespace qjit::test {

// The qops cases whose name starts with `prefix`, sorted by name.
inline std::vector<GoldenCase> qops_cases(const std::string& prefix) {
  std::vector<GoldenCase> out;
  for (auto& c : load_golden_family("qops"))
    if (c.name.rfind(prefix, 0) == 0) out.push_back(std::move(c));
  return out;
}

// Largest |got - want| over the stored integers after checking dtype, shape and qparams; reports the first few
// elements beyond `tolerance` LSB as failures. Returns -1 if the comparison could not run.
inline int64_t expect_q_within(const Tensor& got, const nlohmann::json& want, int64_t tolerance,
                               const std::string& what) {
  EXPECT_EQ(got.dtype(), golden_dtype(want.at("dtype").get<std::string>())) << what;
  EXPECT_EQ(got.sizes(), golden_shape(want)) << what;
  EXPECT_EQ(got.q_scale(), want.at("scale").get<double>()) << what;
  EXPECT_EQ(got.q_zero_point(), want.at("zero_point").get<int64_t>()) << what;
  const std::vector<int64_t> g = tensor_ints(got), w = golden_ints(want);
  if (g.size() != w.size()) {
    ADD_FAILURE() << what << ": " << g.size() << " elements, PyTorch " << w.size();
    return -1;
  }
  int64_t worst = 0, bad = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const int64_t diff = std::llabs(g[i] - w[i]);
    worst = std::max(worst, diff);
    if (diff > tolerance && ++bad <= 5)
      ADD_FAILURE() << what << "[" << i << "]: got " << g[i] << ", PyTorch " << w[i];
  }
  EXPECT_EQ(bad, 0) << what << ": elements more than " << tolerance << " LSB away";
  return worst;
}

}  // namespace qjit::test
