// Quantized element-wise ops on Tensors beyond the golden cases: memory formats, broadcasting, engines, scalar ops'
// output qparams, and a qjit::Error for each kind of bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/qbinary.h"
#include "qlayers/engine.h"
#include "qlayers/functional_activation.h"
#include "qlayers/functional_binary.h"
#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

using test::expect_error;
using test::tensor_ints;

Tensor ramp(const std::vector<int64_t>& sizes, float lo, float hi) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = lo + (hi - lo) * static_cast<float>((i * 7919) % n) / static_cast<float>(n);
  return from_vector(v, sizes);
}

Tensor qramp(const std::vector<int64_t>& sizes, double scale, int64_t zp, DType t = DType::quint8) {
  return quantize_per_tensor(ramp(sizes, -4.0f, 4.0f), scale, zp, t);
}

std::vector<int64_t> ints(const Tensor& q) { return tensor_ints(int_repr(q).contiguous()); }

TEST(QOps, ElementwiseOpsKeepChannelsLastAndComputeTheSameValues) {
  const Tensor a = qramp({2, 5, 3, 7}, 0.05, 120), b = qramp({2, 5, 3, 7}, 0.03, 140);
  const Tensor acl = a.contiguous(MemoryFormat::channels_last), bcl = b.contiguous(MemoryFormat::channels_last);
  // mul and the unary ops do not depend on element positions: same values in both formats.
  const Tensor m = quantized_mul(acl, bcl, 0.1, 100);
  EXPECT_TRUE(m.is_contiguous(MemoryFormat::channels_last));
  EXPECT_EQ(ints(m), ints(quantized_mul(a, b, 0.1, 100)));
  for (auto f : {+[](const Tensor& x) { return relu6(x); }, +[](const Tensor& x) { return hardswish(x, 0.03, 20); },
                 +[](const Tensor& x) { return leaky_relu(x, 0.1); }}) {
    const Tensor y = f(acl);
    EXPECT_TRUE(y.is_contiguous(MemoryFormat::channels_last));
    // Position effects apart (ATen's fma blocks follow memory order), the values match the contiguous result
    // within one step.
    const auto g = ints(y), w = ints(f(a));
    for (size_t i = 0; i < g.size(); ++i) ASSERT_LE(std::abs(g[i] - w[i]), 1) << i;
  }
  const Tensor s = quantized_add(acl, bcl, 0.08, 128);
  EXPECT_TRUE(s.is_contiguous(MemoryFormat::channels_last));
}

TEST(QOps, AddPositionEffectFollowsAtenVectorBlocksInMemoryOrder) {
  // Dense same-shape operands: elements [0, 64k) of memory take the fma dequantization, the tail the plain one.
  const Tensor a = qramp({1, 1, 1, 150}, 0.05, 120), b = qramp({1, 1, 1, 150}, 0.03, 140);
  const Tensor y = quantized_add(a, b, 0.08, 128);
  QBinaryParams p;
  p.a_scale = 0.05f;
  p.a_zero_point = 120;
  p.b_scale = 0.03f;
  p.b_zero_point = 140;
  p.out_scale = 0.08f;
  p.out_zero_point = 128;
  std::vector<uint8_t> want(150);
  qbinary_generic(p, a.data_ptr<uint8_t>(), 1, b.data_ptr<uint8_t>(), 1, want.data(), 150, aten_vector_end(150));
  const auto got = ints(y);
  for (size_t i = 0; i < 150; ++i) ASSERT_EQ(got[i], want[i]) << i;
}

TEST(QOps, AddOnChannelsLastFollowsMemoryOrderForVectorBlocks) {
  // Both operands channels_last: TensorIterator walks memory order, so the fma blocks are the first 64k bytes of
  // the NHWC buffer, whatever the logical positions.
  for (const std::vector<int64_t>& sizes : {std::vector<int64_t>{2, 5, 3, 7}, std::vector<int64_t>{1, 3, 1, 1},
                                            std::vector<int64_t>{3, 33, 2, 2}}) {
    const Tensor a = qramp(sizes, 0.05, 120).contiguous(MemoryFormat::channels_last);
    const Tensor b = qramp(sizes, 0.03, 140).contiguous(MemoryFormat::channels_last);
    for (bool relu : {false, true}) {
      const Tensor y = relu ? quantized_add_relu(a, b, 0.04, 0) : quantized_add(a, b, 0.04, 0);
      ASSERT_TRUE(y.is_contiguous(MemoryFormat::channels_last));
      QBinaryParams p;
      p.relu = relu;
      p.a_scale = 0.05f;
      p.a_zero_point = 120;
      p.b_scale = 0.03f;
      p.b_zero_point = 140;
      p.out_scale = 0.04f;
      const auto n = static_cast<size_t>(a.numel());
      std::vector<uint8_t> want(n);
      qbinary_generic(p, a.data_ptr<uint8_t>(), 1, b.data_ptr<uint8_t>(), 1, want.data(), n, aten_vector_end(n));
      const uint8_t* got = y.data_ptr<uint8_t>();  // the NHWC buffer itself
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], want[i]) << shape_str(sizes) << " relu " << relu << " " << i;
    }
  }
}

TEST(QOps, BroadcastAddMatchesExplicitlyExpandedOperand) {
  const Tensor a = qramp({2, 3, 4}, 0.05, 120), b = qramp({3, 1}, 0.03, 140);
  const Tensor y = quantized_mul(a, b, 0.1, 100);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 4}));
  const auto av = ints(a), bv = ints(b), yv = ints(y);
  for (int64_t i = 0; i < 24; ++i) {
    const int64_t c = (i / 4) % 3;
    const float da = (av[static_cast<size_t>(i)] - 120) * 0.05f, db = (bv[static_cast<size_t>(c)] - 140) * 0.03f;
    const auto want = std::clamp<int64_t>(static_cast<int64_t>(std::nearbyint(da * db * (1.0f / 0.1f))) + 100, 0, 255);
    ASSERT_EQ(yv[static_cast<size_t>(i)], want) << i;
  }
}

TEST(QOps, QnnpackAddOnlyForSameShapeQuint8ElseGeneric) {
  const Tensor a = qramp({4, 40}, 0.05, 120), b = qramp({4, 40}, 0.03, 140), b1 = qramp({40}, 0.03, 140);
  Tensor g, q, gb, qb;
  {
    EngineGuard e(QEngine::onednn);
    g = quantized_add(a, b, 0.08, 128);
    gb = quantized_add(a, b1, 0.08, 128);
  }
  {
    EngineGuard e(QEngine::qnnpack);
    q = quantized_add(a, b, 0.08, 128);
    qb = quantized_add(a, b1, 0.08, 128);
  }
  EXPECT_EQ(ints(gb), ints(qb));  // broadcasting: both engines run the generic kernel
  // same shapes: QNNPACK's fixed-point add, element for element
  const QAddQnnpackParams p = qadd_qnnpack_params(0.05f, 120, 0.03f, 140, 0.08f, 128, false);
  std::vector<uint8_t> want(160);
  qadd_qnnpack(p, a.data_ptr<uint8_t>(), b.data_ptr<uint8_t>(), want.data(), 160);
  const auto qv = ints(q), gv = ints(g);
  for (size_t i = 0; i < 160; ++i) {
    ASSERT_EQ(qv[i], want[i]) << i;
    ASSERT_LE(std::abs(gv[i] - qv[i]), 1) << i;
  }
}

TEST(QOps, AddScalarShiftsZeroPointOrRequantizesAtRangeEnds) {
  const Tensor a = qramp({10}, 0.05, 120);
  const Tensor y = quantized_add_scalar(a, 0.7);  // c_q = 14: zero point 106, same integers
  EXPECT_EQ(y.q_zero_point(), 106);
  EXPECT_EQ(y.q_scale(), 0.05);
  EXPECT_EQ(ints(y), ints(a));
  const Tensor big = quantized_add_scalar(a, 10.0);  // c_q = 200 > 120: zero point saturates at 0
  EXPECT_EQ(big.q_zero_point(), 0);
  EXPECT_DOUBLE_EQ(big.q_scale(), (255.0 - (120 - 200)) / 255.0 * 0.05);
  const auto av = test::tensor_floats(dequantize(a)), bv = test::tensor_floats(dequantize(big));
  for (size_t i = 0; i < av.size(); ++i)
    EXPECT_NEAR(bv[i], std::min(av[i] + 10.0, 255 * big.q_scale()), big.q_scale()) << i;
}

TEST(QOps, MulScalarNegativeMirrorsIntegersAndZeroGivesZeros) {
  const Tensor a = qramp({10}, 0.05, 120);
  const Tensor n = quantized_mul_scalar(a, -2.0);
  EXPECT_EQ(n.q_zero_point(), 135);
  EXPECT_DOUBLE_EQ(n.q_scale(), 0.1);
  const auto av = ints(a), nv = ints(n);
  for (size_t i = 0; i < av.size(); ++i) EXPECT_EQ(nv[i], 255 - av[i]);
  const Tensor z = quantized_mul_scalar(a, 0.0);
  EXPECT_EQ(z.q_scale(), 1.0);
  EXPECT_EQ(z.q_zero_point(), 0);
  for (int64_t v : ints(z)) EXPECT_EQ(v, 0);
}

TEST(QOps, MeanOverNonInnermostDimsAndAllDims) {
  const Tensor x = qramp({2, 3, 4}, 0.05, 100);
  const auto xv = ints(x);
  const Tensor m0 = mean(x, {0}, false);
  EXPECT_EQ(m0.sizes(), (std::vector<int64_t>{3, 4}));
  const auto mv = ints(m0);
  for (size_t j = 0; j < 12; ++j)
    EXPECT_EQ(mv[j], static_cast<int64_t>(std::nearbyint(static_cast<float>(xv[j] + xv[j + 12]) / 2.0f)));
  const Tensor all = mean(x, {}, true);
  EXPECT_EQ(all.sizes(), (std::vector<int64_t>{1, 1, 1}));
}

TEST(QOps, ClampAndHardtanhAreIntegerClampsAtQuantizedBounds) {
  const Tensor x = qramp({50}, 0.05, 128);
  const auto v = ints(clamp(x, -1.0, std::nullopt));
  for (int64_t q : v) EXPECT_GE(q, 108);
  const auto h = ints(hardtanh(x));
  for (int64_t q : h) {
    EXPECT_GE(q, 108);
    EXPECT_LE(q, 148);
  }
}

TEST(QOps, CatRequantizesEachInputAndKeepsSharedChannelsLast) {
  const Tensor a = qramp({1, 2, 3, 3}, 0.05, 128).contiguous(MemoryFormat::channels_last);
  const Tensor b = qramp({1, 3, 3, 3}, 0.05, 128).contiguous(MemoryFormat::channels_last);
  const Tensor y = cat({a, b}, 1);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 5, 3, 3}));
  EXPECT_TRUE(y.is_contiguous(MemoryFormat::channels_last));
  const auto av = ints(a), bv = ints(b), yv = ints(y);
  for (size_t i = 0; i < av.size(); ++i) EXPECT_EQ(yv[i], av[i]);
  for (size_t i = 0; i < bv.size(); ++i) EXPECT_EQ(yv[av.size() + i], bv[i]);
}

TEST(QOps, ThresholdReplacesValuesAtOrBelowThresholdAndKeepsQParams) {
  const Tensor x = qramp({40}, 0.05, 128);
  const Tensor y = threshold(x, 0.5, -1.0);
  EXPECT_EQ(y.q_scale(), 0.05);
  EXPECT_EQ(y.q_zero_point(), 128);
  const auto xv = ints(x), yv = ints(y);
  for (size_t i = 0; i < xv.size(); ++i) EXPECT_EQ(yv[i], (xv[i] - 128) * 0.05f > 0.5f ? xv[i] : 108) << i;
}

TEST(QOps, CeluWithAlphaOneEqualsElu) {
  const Tensor x = qramp({2, 3, 4, 5}, 0.05, 128);
  EXPECT_EQ(ints(celu(x, 0.04, 40, 1.0)), ints(elu(x, 0.04, 40, 1.0)));
  const auto c = ints(celu(x, 0.04, 40, 2.0)), xv = ints(x);
  for (size_t i = 0; i < xv.size(); ++i) {
    const float d = (xv[i] - 128) * 0.05f;
    const float want = std::max(d >= 0 ? d : (std::exp(d / 2.0f) - 1.0f) * 2.0f, -40 * 0.04f);  // output range
    EXPECT_NEAR((c[i] - 40) * 0.04f, want, 0.02f + 1e-6f) << i;
  }
}

// ---------------------------------------------------------------------------------------------- errors
TEST(QOpsErrors, WrongDtypeIsAnError) {
  const Tensor f = ramp({4}, -1, 1);
  const Tensor q = qramp({4}, 0.1, 128);
  expect_error([&] { quantized_add(f, q, 0.1, 0); }, {"quantized_add", "a", "float32", "quint8 or qint8"});
  expect_error([&] { quantized_mul(q, qramp({4}, 0.1, 0, DType::qint8), 0.1, 0); }, {"quantized_mul", "b.dtype", "qint8"});
  expect_error([&] { relu(f); }, {"relu", "input", "float32"});
  expect_error([&] { hardswish(quantize_per_tensor(f, 0.1, 0, DType::qint32), 0.1, 0); }, {"hardswish", "qint32"});
  expect_error([&] { cat({q, f}); }, {"cat", "tensors[1]", "float32", "quantized"});
}

TEST(QOpsErrors, PerChannelInputIsAnError) {
  const Tensor pc = quantize_per_channel(ramp({2, 3}, -1, 1), {0.1, 0.2}, std::vector<int64_t>{0, 0}, 0, DType::qint8);
  expect_error([&] { sigmoid(pc); }, {"sigmoid", "input", "per_channel_affine", "per-tensor"});
}

TEST(QOpsErrors, WrongShapeIsAnError) {
  const Tensor a = qramp({2, 3}, 0.1, 128), b = qramp({4}, 0.1, 128);
  expect_error([&] { quantized_add(a, b, 0.1, 0); }, {"quantized_add", "[2, 3]", "[4]", "broadcast"});
  expect_error([&] { quantized_cat({a, qramp({3, 3}, 0.1, 128)}, 1, 0.1, 0); }, {"quantized_cat", "tensors[1]", "[3, 3]"});
  expect_error([&] { quantized_cat({a, qramp({2, 3, 1}, 0.1, 128)}, 0, 0.1, 0); }, {"quantized_cat", "tensors[1]", "dimensions"});
  expect_error([&] { quantized_cat({}, 0, 0.1, 0); }, {"quantized_cat", "tensors.size()", "0"});
  expect_error([&] { softmax(a, 2); }, {"softmax", "dim", "2"});
  expect_error([&] { mean(a, {0, -2}); }, {"mean", "dim", "more than once"});
  expect_error([&] { quantized_cat({a, a}, 3, 0.1, 0); }, {"quantized_cat", "dim", "3"});
}

TEST(QOpsErrors, BadQParamsAreErrors) {
  const Tensor a = qramp({4}, 0.1, 128);
  expect_error([&] { quantized_add(a, a, 0.0, 0); }, {"quantized_add", "scale", "0"});
  expect_error([&] { quantized_add_relu(a, a, 0.1, 256); }, {"quantized_add_relu", "zero_point", "256"});
  expect_error([&] { hardswish(a, -1.0, 0); }, {"hardswish", "output_scale", "-1"});
  expect_error([&] { elu(a, 0.1, -1); }, {"elu", "output_zero_point", "-1"});
  expect_error([&] { softmax(a, 0, NAN, 0); }, {"softmax", "output_scale", "nan"});
  expect_error([&] { cat({a, qramp({4}, 0.2, 128)}); }, {"cat", "tensors[1]", "share"});
  expect_error([&] { quantized_add_scalar(a, INFINITY); }, {"quantized_add_scalar", "other", "inf"});
  expect_error([&] { clamp(a, 2.0, 1.0); }, {"clamp", "min", "2"});
  expect_error([&] { clamp(a, std::nullopt, std::nullopt); }, {"clamp", "at least one"});
  EngineGuard e(QEngine::qnnpack);
  expect_error([&] { quantized_add(a, a, 1000.0, 0); }, {"qadd_qnnpack_params", "2^"});
}

}  // namespace
}  // namespace qjit
