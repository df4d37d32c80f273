// Requantize kernel: every available path bit-exact to kernels/reference for both formulas (onednn, qnnpack),
// u8 and s8 out, per-tensor and per-channel multipliers, with and without bias, fused ReLU / ReLU6-style clamps,
// row strides larger than the row, lengths 0..300 and large, guard bytes untouched.
#include <gtest/gtest.h>

#include <random>

#include "base/error.h"
#include "kernels/reference/quantize_ref.h"
#include "kernels/requantize.h"
#include "tests/support/buffers.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

using testing::for_each_isa;
using testing::GuardedBuffer;

struct Case {
  QType out;
  RequantFormula formula;
  bool per_channel;
  bool bias;
  int clamp;  // 0 none, 1 ReLU (qmin = zp), 2 a ReLU6-like window
};

std::vector<int32_t> accumulators(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> acc(n);
  for (size_t i = 0; i < n; ++i) {
    switch (rng() % 8) {
      case 0: acc[i] = static_cast<int32_t>(rng()); break;  // anywhere in int32, extremes included
      case 1: acc[i] = (rng() % 2) ? INT32_MAX : INT32_MIN; break;
      default: acc[i] = static_cast<int32_t>(rng() % 200001) - 100000; break;
    }
  }
  return acc;
}

template <class Q>
void check_case(const Case& k, Isa isa, size_t rows, size_t cols, size_t pad) {
  const size_t acc_stride = cols + pad, out_stride = cols + 2 * pad;
  std::mt19937 rng(static_cast<uint32_t>(rows * 1000 + cols));
  std::vector<float> mult(cols), bias_f(cols);
  std::vector<int32_t> bias_i(cols);
  for (size_t c = 0; c < cols; ++c) {
    mult[c] = 1e-4f + static_cast<float>(rng() % 10000) * 1e-6f;
    bias_f[c] = static_cast<float>(static_cast<int>(rng() % 20001) - 10000) * 0.37f;
    bias_i[c] = static_cast<int32_t>(rng() % 20001) - 10000;
  }
  if (cols == 0) mult.assign(1, 0.01f);
  const int32_t zp = k.out == QType::u8 ? 37 : -5;
  RequantizeParams p = make_requantize_params(k.out, k.formula, mult.data(), k.per_channel, zp);
  if (k.bias) {
    if (k.formula == RequantFormula::onednn)
      p.bias_f = bias_f.data();
    else
      p.bias_i = bias_i.data();
  }
  if (k.clamp == 1) p.qmin = zp;
  if (k.clamp == 2) {
    p.qmin = zp;
    p.qmax = zp + 60;
  }
  const auto acc = accumulators(rows * acc_stride, static_cast<uint32_t>(rows + cols));
  std::vector<Q> want(rows * out_stride, 0);
  ref::requantize(acc.data(), want.data(), rows, cols, acc_stride, out_stride, p);
  GuardedBuffer<Q> got(rows * out_stride, 3);
  for (size_t i = 0; i < rows * out_stride; ++i) got.set(i, 0);
  requantize(acc.data(), got.data(), rows, cols, acc_stride, out_stride, p, Exec{isa});
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(+got.get(i), +want[i]) << "rows=" << rows << " cols=" << cols << " pad=" << pad << " at " << i;
  ASSERT_TRUE(got.guards_intact()) << "rows=" << rows << " cols=" << cols;
}

template <class Q>
void sweep(QType out) {
  for_each_isa([&](Isa isa) {
    for (RequantFormula f : {RequantFormula::onednn, RequantFormula::qnnpack})
      for (bool pc : {false, true})
        for (bool bias : {false, true})
          for (int clamp : {0, 1, 2}) {
            const Case k{out, f, pc, bias, clamp};
            SCOPED_TRACE(std::string(f == RequantFormula::onednn ? "onednn" : "qnnpack") + (pc ? " per-channel" : " per-tensor") +
                         (bias ? " bias" : "") + " clamp=" + std::to_string(clamp));
            for (size_t cols = 0; cols <= 70; ++cols) check_case<Q>(k, isa, 1, cols, 0);
            for (size_t cols : {1, 7, 8, 15, 16, 17, 33, 64, 129, 300}) check_case<Q>(k, isa, 5, cols, 3);
            check_case<Q>(k, isa, 1, (1 << 18) + 3, 0);  // long enough to be split across the pool
            check_case<Q>(k, isa, 3000, 37, 0);
            if (::testing::Test::HasFailure()) return;
          }
  });
}

TEST(RequantizeKernel, U8MatchesReferenceOnEveryPathFormulaAndOutputStage) { sweep<uint8_t>(QType::u8); }
TEST(RequantizeKernel, S8MatchesReferenceOnEveryPathFormulaAndOutputStage) { sweep<int8_t>(QType::s8); }

TEST(RequantizeKernel, OnednnAddsZeroPointBeforeRoundingQnnpackAfter) {
  // acc * 0.5 = 0.5 and 1.5: onednn rounds 0.5 + 3 = 3.5 -> 4 and 1.5 + 3 = 4.5 -> 4; qnnpack rounds 0.5 -> 0 and
  // 1.5 -> 2 and then adds 3: 3 and 5.
  const int32_t acc[2] = {1, 3};
  const float m = 0.5f;
  for_each_isa([&](Isa isa) {
    uint8_t y[2];
    requantize(acc, y, 1, 2, 2, 2, make_requantize_params(QType::u8, RequantFormula::onednn, &m, false, 3), Exec{isa});
    EXPECT_EQ(y[0], 4);
    EXPECT_EQ(y[1], 4);
    requantize(acc, y, 1, 2, 2, 2, make_requantize_params(QType::u8, RequantFormula::qnnpack, &m, false, 3), Exec{isa});
    EXPECT_EQ(y[0], 3);
    EXPECT_EQ(y[1], 5);
  });
}

TEST(RequantizeKernel, BadParametersThrowErrorsNamingTheArgument) {
  const int32_t acc[4] = {};
  uint8_t y[4];
  const float bad = 0.0f, good = 1.0f;
  EXPECT_THROW(requantize(acc, y, 1, 4, 4, 4, make_requantize_params(QType::u8, RequantFormula::onednn, &bad, false, 0)),
               Error);
  EXPECT_THROW(requantize(acc, y, 1, 4, 4, 4, make_requantize_params(QType::u8, RequantFormula::onednn, &good, false, 300)),
               Error);
  EXPECT_THROW(requantize(acc, y, 1, 4, 2, 4, make_requantize_params(QType::u8, RequantFormula::onednn, &good, false, 0)),
               Error);
  auto p = make_requantize_params(QType::s8, RequantFormula::qnnpack, &good, false, 0);
  p.qmin = 10;
  p.qmax = 5;
  try {
    requantize(acc, y, 1, 4, 4, 4, p);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("qmax = 5"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qjit
