// qlayers quantize/dequantize beyond the golden cases: memory formats, non-contiguous inputs, ATen's corner cases
// (qint32 zero point added in float, int32 wrap in dequantize), ChooseQuantizationParams options.
#include "qlayers/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "kernels/reference/quantize_ref.h"

namespace qjit {
namespace {

Tensor wave(const std::vector<int64_t>& sizes) {  // deterministic values with ties and both signs
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(std::sin(0.37 * i) * 3.0) + 0.05f * (i % 7);
  return from_vector(v, sizes);
}

std::vector<int64_t> ints_of(const Tensor& q) {
  const Tensor r = int_repr(q).contiguous();
  std::vector<int64_t> out(static_cast<size_t>(r.numel()));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = r.dtype() == DType::uint8 ? r.data_ptr<uint8_t>()[i]
             : r.dtype() == DType::int8 ? r.data_ptr<int8_t>()[i]
                                        : r.data_ptr<int32_t>()[i];
  return out;
}

std::vector<float> floats_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

TEST(Quantize, PerTensorMatchesTheScalarOracle) {
  const Tensor x = wave({5, 37});
  for (DType d : {DType::quint8, DType::qint8, DType::qint32}) {
    const int64_t zp = d == DType::quint8 ? 100 : d == DType::qint8 ? -7 : 12345;
    const Tensor q = quantize_per_tensor(x, 0.0371, zp, d);
    const std::vector<int64_t> got = ints_of(q);
    for (size_t i = 0; i < 185; ++i) {
      const float v = x.data_ptr<float>()[i];
      ASSERT_EQ(got[i], ref::quantize_val(v, 1.0f / 0.0371f, static_cast<int32_t>(zp), qtype_of(d)))
          << dtype_name(d) << " x=" << v;
    }
  }
}

TEST(Quantize, Qint32ZeroPointIsAddedInFloatAsATenDoes) {
  // 2.1e9 is a float; + 5 in float rounds back to it (floats are 128 apart there), in int32 it would be 2100000005
  const Tensor q = quantize_per_tensor(from_vector({2.1e9f}), 1.0, 5, DType::qint32);
  EXPECT_EQ(q.data_ptr<int32_t>()[0], 2100000000);
}

TEST(Quantize, DequantizePerChannelUsesTheDoubleScaleAsATenDoes) {
  // -531 * 0.1: in double then rounded gives f32(-53.1); float math (-531 * f32(0.1)) would give the next float.
  const Tensor q = make_per_channel_quantized_tensor(from_vector(std::vector<int32_t>{-531, 7}, {2}), {0.1, 1e-5},
                                                     std::vector<int64_t>{0, -7}, 0);
  const Tensor x = dequantize(q);
  EXPECT_EQ(x.data_ptr<float>()[0], -53.1f);
  EXPECT_EQ(x.data_ptr<float>()[1], static_cast<float>(14 * 1e-5));
  EXPECT_NE(-53.1f, -531.0f * 0.1f);
}

TEST(Quantize, DequantizeWrapsQMinusZeroPointInInt32) {
  const Tensor q = make_per_tensor_quantized_tensor(from_vector(std::vector<int32_t>{INT32_MIN}, {1}), 1.0, 5);
  EXPECT_GT(dequantize(q).data_ptr<float>()[0], 0.0f);  // INT32_MIN - 5 wraps to INT32_MAX - 4
}

TEST(Quantize, ChannelsLastInputGivesChannelsLastOutputsPerTensor) {
  const Tensor x = wave({2, 3, 4, 5});
  const Tensor xl = x.contiguous(MemoryFormat::channels_last);
  const Tensor q = quantize_per_tensor(xl, 0.05, 128, DType::quint8);
  EXPECT_TRUE(q.is_contiguous(MemoryFormat::channels_last));
  EXPECT_EQ(ints_of(q), ints_of(quantize_per_tensor(x, 0.05, 128, DType::quint8)));
  EXPECT_TRUE(int_repr(q).is_contiguous(MemoryFormat::channels_last));
  const Tensor f = dequantize(q);
  EXPECT_TRUE(f.is_contiguous(MemoryFormat::channels_last));
  EXPECT_EQ(floats_of(f), floats_of(dequantize(quantize_per_tensor(x, 0.05, 128, DType::quint8))));
}

TEST(Quantize, ChannelsLastInputGivesChannelsLastOutputsPerChannelOnEveryAxis) {
  const Tensor x = wave({2, 3, 4, 5});
  const Tensor xl = x.contiguous(MemoryFormat::channels_last);
  for (int64_t axis = 0; axis < 4; ++axis) {
    SCOPED_TRACE(axis);
    std::vector<double> scales;
    std::vector<int64_t> zps;
    for (int64_t c = 0; c < x.size(axis); ++c) {
      scales.push_back(0.02 + 0.013 * c);
      zps.push_back(-3 + 2 * c);
    }
    const Tensor q = quantize_per_channel(xl, scales, zps, axis, DType::qint8);
    const Tensor ref = quantize_per_channel(x, scales, zps, axis, DType::qint8);
    EXPECT_TRUE(q.is_contiguous(MemoryFormat::channels_last));
    EXPECT_EQ(ints_of(q), ints_of(ref));
    const Tensor f = dequantize(q);
    EXPECT_TRUE(f.is_contiguous(MemoryFormat::channels_last));
    EXPECT_EQ(floats_of(f), floats_of(dequantize(ref)));
  }
}

TEST(Quantize, PerChannelMatchesPerTensorOnEachChannel) {
  const Tensor x = wave({3, 4, 6});
  const std::vector<double> scales = {0.1, 0.03, 0.5, 0.007};
  const std::vector<int64_t> zps = {0, 10, 250, 128};
  const Tensor q = quantize_per_channel(x, scales, zps, 1, DType::quint8);
  const std::vector<int64_t> got = ints_of(q);
  for (int64_t c = 0; c < 4; ++c) {
    const std::vector<int64_t> one = ints_of(quantize_per_tensor(x, scales[c], zps[c], DType::quint8));
    for (int64_t o = 0; o < 3; ++o)
      for (int64_t i = 0; i < 6; ++i) ASSERT_EQ(got[(o * 4 + c) * 6 + i], one[(o * 4 + c) * 6 + i]);
  }
}

TEST(Quantize, NonContiguousInputQuantizesItsLogicalElements) {
  const Tensor x = wave({6, 5});
  const Tensor t = x.permute({1, 0});
  EXPECT_EQ(ints_of(quantize_per_tensor(t, 0.1, 3, DType::qint8)),
            ints_of(quantize_per_tensor(t.contiguous(), 0.1, 3, DType::qint8)));
  const std::vector<double> s = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  const std::vector<int64_t> z(6, 0);
  EXPECT_EQ(ints_of(quantize_per_channel(t, s, z, 1, DType::qint8)),
            ints_of(quantize_per_channel(t.contiguous(), s, z, 1, DType::qint8)));
}

TEST(Quantize, EmptyTensorsQuantizeAndDequantize) {
  const Tensor x = empty({0, 3});
  const Tensor q = quantize_per_tensor(x, 0.1, 0, DType::quint8);
  EXPECT_EQ(q.numel(), 0);
  EXPECT_EQ(dequantize(q).numel(), 0);
  EXPECT_EQ(dequantize(quantize_per_channel(x, {1.0, 1.0, 1.0}, std::vector<int64_t>{0, 0, 0}, 1, DType::qint8)).numel(),
            0);
}

TEST(Quantize, ChooseQParamsPreserveSparsityIsSymmetric) {
  // qint8: the range widens to [-128 m, 127 m] with m = max(|min| / 128, |max| / 127) (float division, as in
  // ATen), so the scale is m up to rounding and the zero point 0.
  const QParams s8 = choose_qparams(-1.28f, 0.5f, -128, 127, /*preserve_sparsity=*/true);
  const float m = -1.28f / -128.0f;
  const float widened_max = static_cast<float>(static_cast<double>(m) * 127);
  EXPECT_EQ(s8.zero_point, 0);
  EXPECT_EQ(s8.scale, (static_cast<double>(widened_max) - -1.28f) / 255);
  EXPECT_NEAR(s8.scale, 0.01, 1e-9);
  // quint8: the middle of [0, 255] is 127.5, rounded half to even -> 128
  EXPECT_EQ(choose_qparams(-1.0f, 3.0f, 0, 255, true).zero_point, 128);
  // all-positive data keeps the affine zero point
  EXPECT_EQ(choose_qparams(0.5f, 3.0f, -128, 127, true).zero_point, -128);
}

TEST(Quantize, ChooseQParamsForcePowerOfTwoAndSmallScaleFloor) {
  EXPECT_EQ(choose_qparams(0.0f, 2.55f, 0, 255, false, /*force_power_of_2=*/true).scale, 1.0 / 64);  // 0.01 -> 2^-6
  EXPECT_EQ(choose_qparams(0.0f, 510.0f, 0, 255, false, true).scale, 2.0);
  const QParams tiny = choose_qparams(0.0f, 1e-4f, 0, 255);
  EXPECT_EQ(tiny.scale, static_cast<double>(6.1e-5f));
  EXPECT_EQ(tiny.zero_point, 0);
  EXPECT_EQ(choose_qparams(0.0f, 0.0f, 0, 255).scale, 0.1);  // a vanishing scale becomes 0.1
  EXPECT_EQ(choose_qparams(-1.0f, 1.0f, 0, 255, false, false, /*reduce_range=*/true).zero_point, 64);
}

TEST(Quantize, DynamicQint8UsesTheSignedRange) {
  const Tensor x = from_vector({-1.0f, 0.0f, 3.0f});
  const Tensor q = quantize_per_tensor_dynamic(x, DType::qint8, false);
  const QParams p = choose_qparams(-1.0f, 3.0f, -128, 127);
  EXPECT_EQ(q.dtype(), DType::qint8);
  EXPECT_EQ(q.q_scale(), p.scale);
  EXPECT_EQ(q.q_zero_point(), p.zero_point);
  EXPECT_EQ(quantize_per_tensor_dynamic(x, DType::qint8, true).q_zero_point(),
            choose_qparams(-1.0f, 3.0f, -128, 127, false, false, true).zero_point);
  EXPECT_EQ(quantize_per_tensor_dynamic(x, DType::float16, false).dtype(), DType::float16);
}

TEST(Quantize, ChooseQParamsPerTensorSkipsNaN) {
  const QParams a = choose_qparams_per_tensor(from_vector({NAN, -1.0f, 2.0f}), false);
  const QParams b = choose_qparams(-1.0f, 2.0f, 0, 255);
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.zero_point, b.zero_point);
}

}  // namespace
}  // namespace qjit
