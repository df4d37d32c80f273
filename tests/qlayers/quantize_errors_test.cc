// Bad input to the quantize layer: each case throws qjit::Error whose message names the function, the argument
// and the offending value.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"

namespace qjit {
namespace {

using test::expect_error;

const Tensor& x23() {
  static const Tensor x = from_vector({0.5f, -1.0f, 2.0f, 0.0f, 1.5f, -3.0f}, {2, 3});
  return x;
}
constexpr double kInf = std::numeric_limits<double>::infinity();
const std::vector<int64_t> kZp3 = {0, 0, 0};

TEST(QuantizeBadInput, PerTensorScaleZero) {
  expect_error([] { quantize_per_tensor(x23(), 0.0, 0, DType::quint8); }, {"quantize_per_tensor", "scale = 0"});
}
TEST(QuantizeBadInput, PerTensorScaleNegative) {
  expect_error([] { quantize_per_tensor(x23(), -0.5, 0, DType::quint8); }, {"quantize_per_tensor", "scale = -0.5"});
}
TEST(QuantizeBadInput, PerTensorScaleNaN) {
  expect_error([] { quantize_per_tensor(x23(), NAN, 0, DType::qint8); }, {"quantize_per_tensor", "scale = nan"});
}
TEST(QuantizeBadInput, PerTensorScaleInf) {
  expect_error([] { quantize_per_tensor(x23(), kInf, 0, DType::qint8); }, {"quantize_per_tensor", "scale = inf"});
}
TEST(QuantizeBadInput, PerTensorScaleThatIsZeroAsFloat) {
  expect_error([] { quantize_per_tensor(x23(), 1e-50, 0, DType::qint8); }, {"quantize_per_tensor", "scale = 1e-50"});
}

TEST(QuantizeBadInput, PerChannelScaleZero) {
  expect_error([] { quantize_per_channel(x23(), {0.1, 0.0, 0.1}, kZp3, 1, DType::quint8); },
               {"quantize_per_channel", "scales[1] = 0"});
}
TEST(QuantizeBadInput, PerChannelScaleNegative) {
  expect_error([] { quantize_per_channel(x23(), {0.1, 0.1, -2.0}, kZp3, 1, DType::quint8); },
               {"quantize_per_channel", "scales[2] = -2"});
}
TEST(QuantizeBadInput, PerChannelScaleNaN) {
  expect_error([] { quantize_per_channel(x23(), {NAN, 0.1, 0.1}, kZp3, 1, DType::qint8); },
               {"quantize_per_channel", "scales[0] = nan"});
}
TEST(QuantizeBadInput, PerChannelScaleInf) {
  expect_error([] { quantize_per_channel(x23(), {0.1, kInf, 0.1}, kZp3, 1, DType::qint8); },
               {"quantize_per_channel", "scales[1] = inf"});
}
TEST(QuantizeBadInput, PerChannelFloatZeroPointScaleNegative) {
  expect_error([] { quantize_per_channel(x23(), {-1.0, 1.0}, std::vector<float>{0, 0}, 0, DType::quint8); },
               {"quantize_per_channel", "scales[0] = -1"});
}

TEST(QuantizeBadInput, ZeroPointQuint8Is256) {
  expect_error([] { quantize_per_tensor(x23(), 0.1, 256, DType::quint8); },
               {"quantize_per_tensor", "zero_point = 256", "[0, 255]"});
}
TEST(QuantizeBadInput, ZeroPointQuint8IsMinus1) {
  expect_error([] { quantize_per_tensor(x23(), 0.1, -1, DType::quint8); },
               {"quantize_per_tensor", "zero_point = -1", "[0, 255]"});
}
TEST(QuantizeBadInput, ZeroPointQint8Is128) {
  expect_error([] { quantize_per_tensor(x23(), 0.1, 128, DType::qint8); },
               {"quantize_per_tensor", "zero_point = 128", "[-128, 127]"});
}
TEST(QuantizeBadInput, ZeroPointQint32OutsideInt32ButInt32RangeAccepted) {
  expect_error([] { quantize_per_tensor(x23(), 0.1, int64_t{1} << 31, DType::qint32); },
               {"quantize_per_tensor", "zero_point = 2147483648"});
  EXPECT_EQ(quantize_per_tensor(x23(), 0.1, INT32_MIN, DType::qint32).q_zero_point(), INT32_MIN);
  EXPECT_EQ(quantize_per_tensor(x23(), 0.1, INT32_MAX, DType::qint32).q_zero_point(), INT32_MAX);
}
TEST(QuantizeBadInput, PerChannelZeroPointOutOfRange) {
  expect_error([] { quantize_per_channel(x23(), {0.1, 0.1, 0.1}, std::vector<int64_t>{0, 128, 0}, 1, DType::qint8); },
               {"quantize_per_channel", "zero_points[1] = 128", "[-128, 127]"});
}
TEST(QuantizeBadInput, PerChannelFloatZeroPointNotFinite) {
  expect_error([] { quantize_per_channel(x23(), {1.0, 1.0}, std::vector<float>{0, INFINITY}, 0, DType::quint8); },
               {"quantize_per_channel", "zero_points[1] = inf"});
}

TEST(QuantizeBadInput, AxisOutOfRange) {
  expect_error([] { quantize_per_channel(x23(), {0.1, 0.1, 0.1}, kZp3, 2, DType::qint8); },
               {"quantize_per_channel", "axis = 2", "[0, 2)"});
}
TEST(QuantizeBadInput, NegativeAxisRejectedAsInPyTorch) {
  expect_error([] { quantize_per_channel(x23(), {0.1, 0.1, 0.1}, kZp3, -1, DType::qint8); },
               {"quantize_per_channel", "axis = -1"});
}

TEST(QuantizeBadInput, ScalesLengthDiffersFromSizeAlongAxis) {
  expect_error([] { quantize_per_channel(x23(), {0.1, 0.1}, std::vector<int64_t>{0, 0}, 1, DType::qint8); },
               {"quantize_per_channel", "scales.size() = 2", "(3)"});
}
TEST(QuantizeBadInput, ZeroPointsLengthDiffersFromScales) {
  expect_error([] { quantize_per_channel(x23(), {0.1, 0.1, 0.1}, std::vector<int64_t>{0, 0}, 1, DType::qint8); },
               {"quantize_per_channel", "zero_points.size() = 2"});
}

TEST(QuantizeBadInput, QuantizePerTensorToFloat32) {
  expect_error([] { quantize_per_tensor(x23(), 0.1, 0, DType::float32); },
               {"quantize_per_tensor", "dtype = float32"});
}
TEST(QuantizeBadInput, QuantizeAnIntegerTensor) {
  expect_error([] { quantize_per_tensor(from_vector(std::vector<int32_t>{1, 2}, {2}), 0.1, 0, DType::quint8); },
               {"quantize_per_tensor", "x.dtype = int32"});
}
TEST(QuantizeBadInput, PerChannelIntegerZeroPointsToQuint4x2) {
  expect_error([] { quantize_per_channel(x23(), {0.1, 0.1, 0.1}, kZp3, 1, DType::quint4x2); },
               {"quantize_per_channel", "dtype = quint4x2"});
}
TEST(QuantizeBadInput, PerChannelFloatZeroPointsToQint8) {
  expect_error([] { quantize_per_channel(x23(), {1.0, 1.0}, std::vector<float>{0, 0}, 0, DType::qint8); },
               {"quantize_per_channel", "dtype = qint8"});
}
TEST(QuantizeBadInput, DataPtrFloatOnUint8Tensor) {
  expect_error([] { zeros({2}, DType::uint8).data_ptr<float>(); }, {"data_ptr", "T = float", "uint8"});
}
TEST(QuantizeBadInput, DequantizeAFloatTensor) {
  expect_error([] { dequantize(x23()); }, {"dequantize", "dtype = float32"});
}
TEST(QuantizeBadInput, IntReprOfAFloatTensor) {
  expect_error([] { int_repr(x23()); }, {"int_repr", "dtype = float32"});
}
TEST(QuantizeBadInput, UndefinedInput) {
  expect_error([] { quantize_per_tensor(Tensor(), 0.1, 0, DType::quint8); }, {"quantize_per_tensor", "x"});
}

TEST(QuantizeBadInput, ChooseQParamsMinAboveMax) {
  expect_error([] { choose_qparams(1.0f, -1.0f, 0, 255); }, {"choose_qparams", "min = 1", "max = -1"});
}
TEST(QuantizeBadInput, ChooseQParamsNonFiniteRange) {
  expect_error([] { choose_qparams(-INFINITY, 1.0f, 0, 255); }, {"choose_qparams", "min = -inf"});
  expect_error([] { choose_qparams(0.0f, NAN, 0, 255); }, {"choose_qparams", "max = nan"});
}
TEST(QuantizeBadInput, ChooseQParamsEmptyQuantRange) {
  expect_error([] { choose_qparams(0.0f, 1.0f, 5, 5); }, {"choose_qparams", "qmin = 5", "qmax = 5"});
}
TEST(QuantizeBadInput, DynamicOnEmptyOrAllNaNTensor) {
  expect_error([] { quantize_per_tensor_dynamic(empty({0}), DType::quint8); },
               {"quantize_per_tensor_dynamic", "x.numel() = 0"});
  expect_error([] { choose_qparams_per_tensor(from_vector({NAN, NAN})); }, {"choose_qparams_per_tensor", "inf"});
  expect_error([] { quantize_per_tensor_dynamic(x23(), DType::qint32); },
               {"quantize_per_tensor_dynamic", "dtype = qint32"});
}
TEST(QuantizeBadInput, MakeQuantizedTensorFromFloat) {
  expect_error([] { make_per_tensor_quantized_tensor(x23(), 0.1, 0); },
               {"make_per_tensor_quantized_tensor", "int_repr.dtype = float32"});
}

}  // namespace
}  // namespace qjit
