// Bad input to the dynamic quantized modules is a qjit::Error naming the function, the argument and the value:
// input dtype / shape, weight dtype / shape / qscheme, bias shape, hidden-state shapes, weight lists, blobs.
#include <gtest/gtest.h>

#include <limits>

#include "qlayers/dynamic_linear.h"
#include "qlayers/dynamic_rnn.h"
#include "qlayers/dynamic_rnn_cell.h"
#include "qlayers/functional_linear_dynamic.h"
#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"

namespace qjit {
namespace {

using test::expect_error;

Tensor qweight(int64_t rows, int64_t cols) {
  return quantize_per_tensor(full({rows, cols}, 0.05), 0.01, 0, DType::qint8);
}

TEST(DynamicErrors, LinearRejectsNonFloatInput) {
  nnqd::Linear m(4, 3);
  const Tensor xq = quantize_per_tensor(full({2, 4}, 1.0), 0.1, 0, DType::quint8);
  expect_error([&] { m(xq); }, {"quantized_linear_dynamic", "input.dtype", "quint8", "float32"});
  expect_error([&] { m(Tensor()); }, {"quantized_linear_dynamic", "input", "undefined"});
}

TEST(DynamicErrors, LinearRejectsWrongLastDimensionAndScalars) {
  nnqd::Linear m(4, 3);
  expect_error([&] { m(zeros({2, 5})); }, {"quantized_linear_dynamic", "input.shape", "[2, 5]", "in_features = 4"});
  expect_error([&] { m(zeros({})); }, {"quantized_linear_dynamic", "input.dim", "0"});
}

TEST(DynamicErrors, LinearRejectsNonFiniteInput) {
  nnqd::Linear m(2, 1);
  const float inf = std::numeric_limits<float>::infinity();
  expect_error([&] { m(from_vector({1.0f, inf}, {1, 2})); }, {"linear_dynamic", "input range", "finite"});
}

TEST(DynamicErrors, LinearRejectsBadWeightDtypeShapeAndQscheme) {
  nnqd::Linear m(4, 3);
  expect_error([&] { m.set_weight_bias(zeros({3, 4}), Tensor()); },
               {"nnqd.Linear.set_weight_bias", "weight.dtype", "float32", "qint8"});
  expect_error([&] { m.set_weight_bias(quantize_per_tensor(zeros({3, 4}), 0.1, 0, DType::quint8), Tensor()); },
               {"weight.dtype", "quint8"});
  expect_error([&] { m.set_weight_bias(quantize_per_tensor(zeros({12}), 0.1, 0, DType::qint8), Tensor()); },
               {"weight.shape", "[12]", "2-D"});
  const Tensor axis1 = quantize_per_channel(zeros({3, 4}), std::vector<double>(4, 0.1), std::vector<int64_t>(4, 0), 1, DType::qint8);
  expect_error([&] { m.set_weight_bias(axis1, Tensor()); }, {"weight.axis", "1", "axis 0"});
}

TEST(DynamicErrors, LinearRejectsBiasOfWrongShapeOrDtype) {
  nnqd::Linear m(4, 3);
  expect_error([&] { m.set_weight_bias(qweight(3, 4), zeros({4})); }, {"bias.shape", "[4]", "[3]"});
  expect_error([&] { m.set_weight_bias(qweight(3, 4), zeros({3}, DType::int32)); }, {"bias.dtype", "int32"});
}

TEST(DynamicErrors, LinearRejectsBadConstructorArguments) {
  expect_error([] { nnqd::Linear(0, 3); }, {"nnqd.Linear", "in_features", "0"});
  expect_error([] { nnqd::Linear(4, 3, true, DType::quint8); }, {"nnqd.Linear", "dtype", "quint8"});
}

TEST(DynamicErrors, FunctionalRejectsPackedParamsOfTheOtherDtype) {
  const auto fp16 = linear_prepack_fp16(zeros({3, 4}));
  const auto int8 = linear_dynamic_prepack(qweight(3, 4));
  expect_error([&] { quantized_linear_dynamic(zeros({1, 4}), fp16); }, {"quantized_linear_dynamic", "packed.dtype", "float16"});
  expect_error([&] { linear_dynamic_fp16(zeros({1, 4}), int8); }, {"linear_dynamic_fp16", "packed.dtype", "qint8"});
}

TEST(DynamicErrors, TruncatedOrCorruptBlobsAreErrors) {
  auto m = nnqd::Linear::from_quantized(qweight(3, 4), zeros({3}));
  std::vector<uint8_t> blob = m->serialize();
  expect_error([&] { nnqd::Linear::deserialize(blob.data(), blob.size() - 1); }, {"nnqd.Linear.deserialize", "checksum"});
  expect_error([&] { nnqd::Linear::deserialize(blob.data(), 3); }, {"nnqd.Linear.deserialize", "size", "truncated"});
  blob[blob.size() / 2] ^= 0x40;
  expect_error([&] { nnqd::Linear::deserialize(blob.data(), blob.size()); }, {"nnqd.Linear.deserialize", "checksum"});
  auto lstm = std::make_shared<nnqd::LSTM>(3, 2);
  const std::vector<uint8_t> lb = lstm->serialize();
  expect_error([&] { nnqd::GRU::deserialize(lb.data(), lb.size()); }, {"nnqd.GRU.deserialize", "mode"});
  expect_error([&] { nnqd::Linear::deserialize(lb.data(), lb.size()); }, {"nnqd.Linear.deserialize", "magic"});
}

TEST(DynamicErrors, LstmRejectsWrongInputDtypeRankAndSize) {
  nnqd::LSTM m(3, 2);
  expect_error([&] { m.forward(zeros({4, 1, 3}, DType::int32)); }, {"nnqd.LSTM.forward", "input.dtype", "int32"});
  expect_error([&] { m.forward(zeros({4, 1, 1, 3})); }, {"nnqd.LSTM.forward", "input.dim", "4"});
  expect_error([&] { m.forward(zeros({4, 1, 5})); }, {"nnqd.LSTM.forward", "input.shape", "[4, 1, 5]", "input_size = 3"});
  expect_error([&] { m.forward(zeros({0, 1, 3})); }, {"nnqd.LSTM.forward", "sequence length"});
}

TEST(DynamicErrors, LstmRejectsHiddenStatesOfWrongShape) {
  nnqd::LSTM m(3, 2, 2);
  const Tensor x = zeros({4, 5, 3});
  expect_error([&] { m.forward(x, std::make_pair(zeros({1, 5, 2}), zeros({2, 5, 2}))); },
               {"nnqd.LSTM.forward", "h_0.shape", "[1, 5, 2]", "[2, 5, 2]"});
  expect_error([&] { m.forward(x, std::make_pair(zeros({2, 5, 2}), zeros({2, 4, 2}))); },
               {"nnqd.LSTM.forward", "c_0.shape", "[2, 4, 2]"});
  expect_error([&] { m.forward(x, std::make_pair(zeros({2, 5, 2}), Tensor())); }, {"nnqd.LSTM.forward", "hx"});
  nnqd::GRU g(3, 2, 1, true, false, 0.0, true);
  expect_error([&] { g.forward(x, zeros({1, 5, 2})); }, {"nnqd.GRU.forward", "h_0.shape", "[1, 5, 2]", "[2, 5, 2]"});
}

TEST(DynamicErrors, RnnRejectsWeightShapeMismatchAndWrongWeightCount) {
  nnqd::LSTM m(3, 2);
  const Tensor b = zeros({8});
  expect_error([&] { m.set_weight_bias(0, false, {qweight(8, 4), qweight(8, 2), b, b}); },
               {"nnqd.LSTM.set_weight_bias", "weight_ih.shape", "[8, 4]", "[8, 3]"});
  expect_error([&] { m.set_weight_bias(0, false, {qweight(8, 3), qweight(6, 2), b, b}); },
               {"weight_hh.shape", "[6, 2]", "[8, 2]"});
  expect_error([&] { m.set_weight_bias(0, false, {qweight(8, 3), qweight(8, 2), b, Tensor()}); }, {"bias_hh"});
  expect_error([&] { m.set_weight_bias(0, true, {qweight(8, 3), qweight(8, 2), b, b}); }, {"reverse", "bidirectional"});
  expect_error([&] { m.set_weight_bias(1, false, {qweight(8, 3), qweight(8, 2), b, b}); }, {"layer", "1"});
  expect_error([&] { nnqd::LSTM::from_quantized(3, 2, 2, true, false, 0.0, false, {{qweight(8, 3), qweight(8, 2), b, b}}); },
               {"nnqd.LSTM.from_quantized", "weights.size", "1", "2"});
  expect_error([] { nnqd::GRU(3, 2, 0); }, {"nnqd.GRU", "num_layers", "0"});
  expect_error([] { nnqd::LSTM(3, 2, 1, true, false, 1.5); }, {"nnqd.LSTM", "dropout", "1.5"});
}

TEST(DynamicErrors, CellsRejectWrongInputAndHiddenShapes) {
  nnqd::GRUCell g(3, 2);
  expect_error([&] { g.forward(zeros({4, 5})); }, {"nnqd.GRUCell.forward", "input.shape", "[4, 5]", "input_size = 3"});
  expect_error([&] { g.forward(zeros({4, 3}), zeros({3, 2})); }, {"nnqd.GRUCell.forward", "hx.shape", "[3, 2]", "[4, 2]"});
  expect_error([&] { g.forward(zeros({4, 3}, DType::int64)); }, {"nnqd.GRUCell.forward", "input.dtype", "int64"});
  nnqd::LSTMCell l(3, 2);
  expect_error([&] { l.forward(zeros({4, 3}), std::make_pair(zeros({4, 2}), zeros({4, 3}))); },
               {"nnqd.LSTMCell.forward", "cx.shape", "[4, 3]"});
  expect_error([] { nnqd::RNNCell(3, 2, true, "sigmoid"); }, {"nnqd.RNNCell", "nonlinearity", "sigmoid"});
  nnqd::RNNCell r(3, 2);
  expect_error([&] { r.set_weight_bias(qweight(2, 3), qweight(2, 3), zeros({2}), zeros({2})); },
               {"nnqd.RNNCell.set_weight_bias", "weight_hh.shape", "[2, 3]", "[2, 2]"});
  expect_error([&] { r.set_weight_bias(qweight(2, 3), qweight(2, 2), Tensor(), Tensor()); }, {"bias_ih", "bias=true"});
}

TEST(DynamicErrors, OneTensorForwardOfMultiOutputModulesThrowsNamingTheModule) {
  nnqd::LSTM lstm(3, 2);
  nnqd::LSTMCell cell(3, 2);
  nn::Module& a = lstm;
  nn::Module& b = cell;
  expect_error([&] { a(zeros({4, 1, 3})); }, {"LSTM"});
  expect_error([&] { b(zeros({1, 3})); }, {"LSTMCell"});
}

}  // namespace
}  // namespace qjit
