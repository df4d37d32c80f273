// Helpers of the workflow/nn tests: seeded random float tensors and an element-wise closeness check.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit::test {

inline Tensor random_tensor(const std::vector<int64_t>& sizes, unsigned seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t = empty(sizes);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_ptr<float>()[i] = dist(rng);
  return t;
}

inline std::vector<float> values(const Tensor& t) {
  const Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Same shape, and every element within atol + rtol * |expected|.
inline void expect_close(const Tensor& actual, const std::vector<int64_t>& shape, const std::vector<float>& expected,
                         float rtol = 1e-5f, float atol = 1e-5f) {
  ASSERT_EQ(actual.sizes(), shape);
  ASSERT_EQ(actual.dtype(), DType::float32);
  const std::vector<float> a = values(actual);
  ASSERT_EQ(a.size(), expected.size());
  int bad = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::fabs(a[i] - expected[i]) <= atol + rtol * std::fabs(expected[i])) && ++bad <= 5)
      ADD_FAILURE() << "element " << i << ": " << a[i] << " vs expected " << expected[i];
  EXPECT_EQ(bad, 0) << "elements out of tolerance";
}

}  // namespace qjit::test
