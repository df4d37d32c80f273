// nnqd modules beyond the golden numbers: PyTorch's names and printing, weight() / bias() giving back what was set,
// float16 weights, any input rank, save / load giving the same outputs, and the RNN layouts (unbatched,
// batch_first, default zero states, bidirectional halves) agreeing with each other.
#include <gtest/gtest.h>

#include <cmath>

#include "qlayers/dynamic_linear.h"
#include "qlayers/dynamic_rnn.h"
#include "qlayers/dynamic_rnn_cell.h"
#include "qlayers/engine.h"
#include "qlayers/quantize.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

using test::tensor_floats;
using test::tensor_ints;

// Deterministic values in [-1, 1).
Tensor ramp(const std::vector<int64_t>& sizes, int seed = 1) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<float> v(static_cast<size_t>(n));
  uint32_t r = 2463534242u + static_cast<uint32_t>(seed);
  for (auto& x : v) {
    r ^= r << 13, r ^= r >> 17, r ^= r << 5;
    x = static_cast<float>(r % 2000) / 1000.0f - 1.0f;
  }
  return from_vector(v, sizes);
}

Tensor qw(int64_t rows, int64_t cols, int seed) { return quantize_per_tensor(ramp({rows, cols}, seed), 0.008, 0, DType::qint8); }

TEST(DynamicLinearModule, NamesAndReprFollowPyTorch) {
  nnqd::Linear m(4, 2);
  EXPECT_EQ(m.type_name(), "Linear");
  EXPECT_EQ(m.qualified_name(), "nnqd.Linear");
  EXPECT_EQ(m.extra_repr(), "in_features=4, out_features=2, dtype=torch.qint8, qscheme=torch.per_tensor_affine");
  EXPECT_EQ(nnqd::Linear(4, 2, false, DType::float16).extra_repr(), "in_features=4, out_features=2, dtype=torch.float16");
}

TEST(DynamicLinearModule, NewModuleHasZeroWeightScaleOneAndZeroBias) {
  nnqd::Linear m(3, 2);
  EXPECT_EQ(m.weight().q_scale(), 1.0);
  EXPECT_EQ(m.weight().q_zero_point(), 0);
  EXPECT_EQ(tensor_ints(m.weight()), std::vector<int64_t>(6, 0));
  EXPECT_EQ(tensor_floats(m.bias()), std::vector<float>(2, 0.0f));
  EXPECT_EQ(tensor_floats(m(ramp({5, 3}))), std::vector<float>(10, 0.0f));
  EXPECT_FALSE(nnqd::Linear(3, 2, false).bias().defined());
}

TEST(DynamicLinearModule, WeightAndBiasGiveBackWhatWasSet) {
  const Tensor w = quantize_per_channel(ramp({3, 5}), std::vector<double>{0.01, 0.02, 0.03}, std::vector<int64_t>{0, 0, 0}, 0, DType::qint8);
  const Tensor b = ramp({3}, 7);
  auto m = nnqd::Linear::from_quantized(w, b, 0.5, 3);
  EXPECT_EQ(m->scale, 0.5);
  EXPECT_EQ(m->zero_point, 3);
  EXPECT_EQ(m->weight().qscheme(), QScheme::per_channel_affine);
  EXPECT_EQ(m->weight().q_per_channel_scales(), w.q_per_channel_scales());
  EXPECT_EQ(tensor_ints(m->weight()), tensor_ints(w));
  EXPECT_EQ(tensor_floats(m->bias()), tensor_floats(b));
  EXPECT_EQ(m->extra_repr(), "in_features=5, out_features=3, dtype=torch.qint8, qscheme=torch.per_channel_affine");
}

TEST(DynamicLinearModule, AnyInputRankGivesTheSameRowsAs2D) {
  auto m = nnqd::Linear::from_quantized(qw(3, 4, 2), ramp({3}, 3));
  const Tensor x = ramp({2, 3, 4});
  const Tensor y = (*m)(x);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 3}));
  EXPECT_EQ(tensor_floats(y), tensor_floats((*m)(x.reshape({6, 4}))));
  // A non-contiguous input (a transposed view) gives the same as its contiguous copy.
  const Tensor xt = ramp({4, 6}, 5).permute({1, 0});
  EXPECT_EQ(tensor_floats((*m)(xt)), tensor_floats((*m)(xt.contiguous())));
  const Tensor row = ramp({4}, 9);
  EXPECT_EQ((*m)(row).sizes(), (std::vector<int64_t>{3}));
}

TEST(DynamicLinearModule, Float16WeightsComputeInFloatWithHalfRoundedWeights) {
  const Tensor w = ramp({3, 4}, 4), b = ramp({3}, 5);
  auto m = nnqd::Linear::from_float_weight_fp16(w, b);
  EXPECT_EQ(m->dtype(), DType::float16);
  const Tensor x = ramp({2, 4}, 6);
  const auto y = tensor_floats((*m)(x));
  const auto wh = tensor_floats(w.to(DType::float16).to(DType::float32));
  EXPECT_EQ(tensor_floats(m->weight()), wh);
  const auto xv = tensor_floats(x), bv = tensor_floats(b);
  for (int r = 0; r < 2; ++r)
    for (int n = 0; n < 3; ++n) {
      double acc = bv[n];
      for (int k = 0; k < 4; ++k) acc += double{xv[r * 4 + k]} * wh[n * 4 + k];
      EXPECT_NEAR(y[r * 3 + n], acc, 1e-5);
    }
}

TEST(DynamicLinearModule, SaveAndLoadGiveIdenticalOutputs) {
  const Tensor x = ramp({4, 6}, 8);
  for (bool fp16 : {false, true}) {
    auto m = fp16 ? nnqd::Linear::from_float_weight_fp16(ramp({5, 6}, 1), ramp({5}, 2))
                  : nnqd::Linear::from_quantized(qw(5, 6, 1), ramp({5}, 2), 0.25, 7);
    const auto blob = m->serialize();
    auto back = nnqd::Linear::deserialize(blob.data(), blob.size());
    EXPECT_EQ(back->dtype(), m->dtype());
    EXPECT_EQ(back->scale, m->scale);
    EXPECT_EQ(back->zero_point, m->zero_point);
    EXPECT_EQ(tensor_floats((*back)(x)), tensor_floats((*m)(x)));
  }
}

TEST(DynamicLinearModule, DeepCloneSharesNothingMutable) {
  auto m = nnqd::Linear::from_quantized(qw(2, 3, 1), Tensor());
  auto c = std::dynamic_pointer_cast<nnqd::Linear>(m->deep_clone());
  ASSERT_TRUE(c);
  m->set_weight_bias(qw(2, 3, 5), Tensor());
  EXPECT_NE(tensor_ints(c->weight()), tensor_ints(m->weight()));
}

std::vector<nnqd::RNNLayerWeights> lstm_weights(int64_t I, int64_t H, int64_t L, bool bidir, int64_t G = 4) {
  std::vector<nnqd::RNNLayerWeights> w;
  int seed = 10;
  for (int64_t l = 0; l < L; ++l)
    for (int d = 0; d < (bidir ? 2 : 1); ++d) {
      const int64_t in = l == 0 ? I : H * (bidir ? 2 : 1);
      w.push_back({qw(G * H, in, seed), qw(G * H, H, seed + 1), ramp({G * H}, seed + 2), ramp({G * H}, seed + 3)});
      seed += 4;
    }
  return w;
}

TEST(DynamicRnnModule, NamesReprAndWeightNamesFollowPyTorch) {
  auto m = nnqd::LSTM::from_quantized(3, 2, 2, true, true, 0.0, true, lstm_weights(3, 2, 2, true));
  EXPECT_EQ(m->qualified_name(), "nnqd.LSTM");
  EXPECT_EQ(m->extra_repr(), "3, 2, num_layers=2, batch_first=True, bidirectional=True");
  const auto w = m->get_weight();
  ASSERT_EQ(w.size(), 8u);
  EXPECT_EQ(w[0].first, "weight_ih_l0");
  EXPECT_EQ(w[3].first, "weight_hh_l0_reverse");
  EXPECT_EQ(w[4].first, "weight_ih_l1");
  EXPECT_EQ(w[4].second.sizes(), (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(m->get_bias()[1].first, "bias_hh_l0");
  EXPECT_EQ(nnqd::GRUCell(3, 2).qualified_name(), "nnqd.GRUCell");
  EXPECT_EQ(nnqd::RNNCell(3, 2, false, "relu").extra_repr(), "3, 2, bias=False, nonlinearity=relu");
}

TEST(DynamicRnnModule, BatchFirstUnbatchedAndZeroStatesAgreeWithTheSeqFirstForm) {
  const auto w = lstm_weights(3, 4, 2, true);
  auto seq_first = nnqd::LSTM::from_quantized(3, 4, 2, true, false, 0.0, true, w);
  auto batch_first = nnqd::LSTM::from_quantized(3, 4, 2, true, true, 0.0, true, w);
  const Tensor x = ramp({5, 2, 3});  // [T, B, I]
  const auto [y, hc] = seq_first->forward(x);
  const auto [y0, hc0] = seq_first->forward(x, std::make_pair(zeros({4, 2, 4}), zeros({4, 2, 4})));
  EXPECT_EQ(tensor_floats(y), tensor_floats(y0));
  EXPECT_EQ(tensor_floats(hc.second), tensor_floats(hc0.second));
  const auto [yb, hcb] = batch_first->forward(x.permute({1, 0, 2}).contiguous());
  EXPECT_EQ(tensor_floats(yb.permute({1, 0, 2}).contiguous()), tensor_floats(y));
  EXPECT_EQ(tensor_floats(hcb.first), tensor_floats(hc.first));
  // Unbatched: the same as batch 1.
  const Tensor x1 = ramp({5, 3}, 4);
  const auto [yu, hu] = seq_first->forward(x1);
  const auto [y1, h1] = seq_first->forward(x1.view({5, 1, 3}));
  EXPECT_EQ(yu.sizes(), (std::vector<int64_t>{5, 8}));
  EXPECT_EQ(hu.first.sizes(), (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(tensor_floats(yu), tensor_floats(y1));
}

TEST(DynamicRnnModule, LastStepOfEachDirectionIsItsFinalHiddenState) {
  auto m = nnqd::GRU::from_quantized(3, 4, 1, true, false, 0.0, true, lstm_weights(3, 4, 1, true, 3));
  const auto [y, h] = m->forward(ramp({6, 2, 3}));
  const auto yv = tensor_floats(y), hv = tensor_floats(h);
  for (int b = 0; b < 2; ++b)
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(yv[(5 * 2 + b) * 8 + j], hv[b * 4 + j]);          // forward: last time step
      EXPECT_EQ(yv[(0 * 2 + b) * 8 + 4 + j], hv[8 + b * 4 + j]);  // reverse: first time step
    }
}

TEST(DynamicRnnModule, SequenceOfOneStepEqualsTheCell) {
  const auto w = lstm_weights(3, 4, 1, false);
  auto lstm = nnqd::LSTM::from_quantized(3, 4, 1, true, false, 0.0, false, w);
  auto cell = nnqd::LSTMCell::from_quantized(w[0].w_ih, w[0].w_hh, w[0].b_ih, w[0].b_hh);
  const Tensor x = ramp({1, 2, 3}), h0 = ramp({1, 2, 4}, 3), c0 = ramp({1, 2, 4}, 5);
  for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
    EngineGuard g(e);
    const auto [y, hc] = lstm->forward(x, std::make_pair(h0, c0));
    const auto [h, c] = cell->forward(x.view({2, 3}), std::make_pair(h0.view({2, 4}), c0.view({2, 4})));
    EXPECT_EQ(tensor_floats(hc.first), tensor_floats(h));
    EXPECT_EQ(tensor_floats(hc.second), tensor_floats(c));
  }
}

TEST(DynamicRnnModule, SaveAndLoadGiveIdenticalOutputs) {
  auto m = nnqd::LSTM::from_quantized(3, 4, 2, true, false, 0.0, true, lstm_weights(3, 4, 2, true));
  const auto blob = m->serialize();
  auto back = nnqd::LSTM::deserialize(blob.data(), blob.size());
  const Tensor x = ramp({3, 2, 3});
  EXPECT_EQ(back->extra_repr(), m->extra_repr());
  EXPECT_EQ(tensor_floats(back->forward(x).first), tensor_floats(m->forward(x).first));
  auto cell = nnqd::RNNCell::from_quantized(qw(4, 3, 1), qw(4, 4, 2), ramp({4}), ramp({4}, 2), "relu");
  const auto cb = cell->serialize();
  auto cell_back = nnqd::RNNCell::deserialize(cb.data(), cb.size());
  EXPECT_EQ(cell_back->nonlinearity(), "relu");
  EXPECT_EQ(tensor_floats(cell_back->forward(ramp({2, 3}))), tensor_floats(cell->forward(ramp({2, 3}))));
}

TEST(DynamicRnnModule, Float16LstmRunsAndIsCloseToTheQint8One) {
  nnqd::LSTM f16(3, 4, 1, true, false, 0.0, false, DType::float16);
  const auto w = lstm_weights(3, 4, 1, false);
  f16.set_weight_bias(0, false, {dequantize(w[0].w_ih), dequantize(w[0].w_hh), w[0].b_ih, w[0].b_hh});
  auto q = nnqd::LSTM::from_quantized(3, 4, 1, true, false, 0.0, false, w);
  const Tensor x = ramp({4, 2, 3});
  const auto a = tensor_floats(f16.forward(x).first), b = tensor_floats(q->forward(x).first);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 0.05);
}

}  // namespace
}  // namespace qjit
