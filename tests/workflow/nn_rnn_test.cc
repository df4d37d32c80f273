// Float RNNCell / LSTMCell / GRUCell against scalar gate math, and LSTM / GRU stacks (layers, directions,
// batch_first) against the scalar cells run step by step; PyTorch's parameter names.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/qlayers/expect_error.h"
#include "tests/workflow/nn_test_util.h"
#include "workflow/nn/rnn.h"
#include "workflow/state_dict.h"

namespace qjit::nn {
namespace {

using test::expect_close;
using test::expect_error;
using test::random_tensor;
using test::values;

double sig(double v) { return 1 / (1 + std::exp(-v)); }

// gates[b][r] = W_ih x + b_ih + W_hh h + b_hh for row r, split into the input and hidden parts.
struct Gates {
  std::vector<double> i, h;
};
Gates gates(const std::vector<float>& x, const std::vector<float>& h, const std::vector<float>& wih,
            const std::vector<float>& whh, const std::vector<float>& bih, const std::vector<float>& bhh, int64_t B,
            int64_t I, int64_t H, int64_t G) {
  Gates g{std::vector<double>(B * G * H), std::vector<double>(B * G * H)};
  for (int64_t b = 0; b < B; ++b)
    for (int64_t r = 0; r < G * H; ++r) {
      double si = bih.empty() ? 0 : bih[r], sh = bhh.empty() ? 0 : bhh[r];
      for (int64_t k = 0; k < I; ++k) si += double(x[b * I + k]) * wih[r * I + k];
      for (int64_t k = 0; k < H; ++k) sh += double(h[b * H + k]) * whh[r * H + k];
      g.i[b * G * H + r] = si;
      g.h[b * G * H + r] = sh;
    }
  return g;
}

void lstm_ref(const Gates& g, std::vector<float>& h, std::vector<float>& c, int64_t B, int64_t H) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < H; ++j) {
      auto at = [&](int k) { return g.i[b * 4 * H + k * H + j] + g.h[b * 4 * H + k * H + j]; };
      const double cn = sig(at(1)) * c[b * H + j] + sig(at(0)) * std::tanh(at(2));
      c[b * H + j] = float(cn);
      h[b * H + j] = float(sig(at(3)) * std::tanh(cn));
    }
}

void gru_ref(const Gates& g, std::vector<float>& h, int64_t B, int64_t H) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < H; ++j) {
      const int64_t o = b * 3 * H;
      const double r = sig(g.i[o + j] + g.h[o + j]), z = sig(g.i[o + H + j] + g.h[o + H + j]);
      const double n = std::tanh(g.i[o + 2 * H + j] + r * g.h[o + 2 * H + j]);
      h[b * H + j] = float((1 - z) * n + z * h[b * H + j]);
    }
}

template <class Cell>
void randomize(Cell& m, unsigned seed) {
  for (auto& [k, t] : state_dict(m)) load_state_dict(m, {{k, random_tensor(t.sizes(), seed++)}}, false);
}

TEST(NnRnnCell, CellsMatchPyTorchsGateMath) {
  const int64_t B = 3, I = 4, H = 5;
  const Tensor x = random_tensor({B, I}, 1), h = random_tensor({B, H}, 2), c = random_tensor({B, H}, 3);
  {
    RNNCell m(I, H, true, "relu");
    randomize(m, 10);
    const Gates g = gates(values(x), values(h), values(m.weight_ih), values(m.weight_hh), values(m.bias_ih),
                          values(m.bias_hh), B, I, H, 1);
    std::vector<float> ref;
    for (size_t i = 0; i < g.i.size(); ++i) ref.push_back(float(std::max(g.i[i] + g.h[i], 0.0)));
    expect_close(m.forward(x, h), {B, H}, ref);
    EXPECT_EQ(m.to_string(), "RNNCell(4, 5, nonlinearity=relu)");
  }
  {
    LSTMCell m(I, H);
    randomize(m, 20);
    const Gates g = gates(values(x), values(h), values(m.weight_ih), values(m.weight_hh), values(m.bias_ih),
                          values(m.bias_hh), B, I, H, 4);
    std::vector<float> hr = values(h), cr = values(c);
    lstm_ref(g, hr, cr, B, H);
    const auto [h1, c1] = m.forward(x, h, c);
    expect_close(h1, {B, H}, hr);
    expect_close(c1, {B, H}, cr);
  }
  {
    GRUCell m(I, H, false);
    randomize(m, 30);
    EXPECT_FALSE(m.bias_ih.defined());
    const Gates g = gates(values(x), values(h), values(m.weight_ih), values(m.weight_hh), {}, {}, B, I, H, 3);
    std::vector<float> hr = values(h);
    gru_ref(g, hr, B, H);
    expect_close(m.forward(x, h), {B, H}, hr);
    EXPECT_EQ(m.to_string(), "GRUCell(4, 5, bias=False)");
  }
}

TEST(NnLstm, StackedBidirectionalBatchFirstMatchesTheCellsStepByStep) {
  const int64_t T = 4, B = 2, I = 3, H = 2, L = 2;
  LSTM m(I, H, L, true, true, 0.0, true);
  randomize(m, 40);
  const Tensor x = random_tensor({B, T, I}, 5);  // batch_first
  const Tensor h0 = random_tensor({L * 2, B, H}, 6), c0 = random_tensor({L * 2, B, H}, 7);
  const LSTMOutput out = m.forward(x, h0, c0);
  // Reference: time-major input per batch row.
  std::vector<float> in(T * B * I);
  const auto xv = values(x);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t k = 0; k < I; ++k) in[(t * B + b) * I + k] = xv[(b * T + t) * I + k];
  int64_t width = I;
  const std::vector<float> h0v = values(h0), c0v = values(c0);
  std::vector<float> hn, cn;
  for (int64_t l = 0; l < L; ++l) {
    std::vector<float> next(T * B * 2 * H);
    for (int64_t d = 0; d < 2; ++d) {
      const size_t w = size_t(l * 2 + d);
      std::vector<float> h(h0v.begin() + w * B * H, h0v.begin() + (w + 1) * B * H);
      std::vector<float> c(c0v.begin() + w * B * H, c0v.begin() + (w + 1) * B * H);
      for (int64_t s = 0; s < T; ++s) {
        const int64_t t = d ? T - 1 - s : s;
        const std::vector<float> xt(in.begin() + t * B * width, in.begin() + (t + 1) * B * width);
        lstm_ref(gates(xt, h, values(m.weight_ih[w]), values(m.weight_hh[w]), values(m.bias_ih[w]),
                       values(m.bias_hh[w]), B, width, H, 4),
                 h, c, B, H);
        for (int64_t b = 0; b < B; ++b)
          for (int64_t j = 0; j < H; ++j) next[(t * B + b) * 2 * H + d * H + j] = h[b * H + j];
      }
      hn.insert(hn.end(), h.begin(), h.end());
      cn.insert(cn.end(), c.begin(), c.end());
    }
    in = next;
    width = 2 * H;
  }
  std::vector<float> expected(B * T * 2 * H);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < 2 * H; ++j) expected[(b * T + t) * 2 * H + j] = in[(t * B + b) * 2 * H + j];
  expect_close(out.output, {B, T, 2 * H}, expected);
  expect_close(out.h_n, {L * 2, B, H}, hn);
  expect_close(out.c_n, {L * 2, B, H}, cn);
  EXPECT_EQ(m.to_string(), "LSTM(3, 2, num_layers=2, batch_first=True, bidirectional=True)");
}

TEST(NnGru, SingleLayerMatchesTheCellStepByStepWithZeroInitialState) {
  const int64_t T = 3, B = 2, I = 2, H = 3;
  GRU m(I, H);
  randomize(m, 50);
  const Tensor x = random_tensor({T, B, I}, 8);
  const GRUOutput out = m.forward(x, Tensor());
  std::vector<float> h(B * H, 0.f), expected;
  const auto xv = values(x);
  for (int64_t t = 0; t < T; ++t) {
    const std::vector<float> xt(xv.begin() + t * B * I, xv.begin() + (t + 1) * B * I);
    gru_ref(gates(xt, h, values(m.weight_ih[0]), values(m.weight_hh[0]), values(m.bias_ih[0]), values(m.bias_hh[0]),
                  B, I, H, 3),
            h, B, H);
    expected.insert(expected.end(), h.begin(), h.end());
  }
  expect_close(out.output, {T, B, H}, expected);
  expect_close(out.h_n, {1, B, H}, h);
  expect_close(m(x), {T, B, H}, expected);
}

TEST(NnRnn, ParameterNamesArePyTorchsAndBadInputsAreErrors) {
  LSTM m(3, 2, 2, true, false, 0.0, true);
  std::vector<std::string> keys;
  for (const auto& [k, t] : named_parameters(m)) keys.push_back(k);
  ASSERT_EQ(keys.size(), 16u);
  EXPECT_EQ(keys[0], "weight_ih_l0");
  EXPECT_EQ(keys[3], "bias_hh_l0");
  EXPECT_EQ(keys[4], "weight_ih_l0_reverse");
  EXPECT_EQ(keys[15], "bias_hh_l1_reverse");
  EXPECT_EQ(m.weight_ih[2].sizes(), (std::vector<int64_t>{8, 4}));
  expect_error([&] { m.forward(zeros({2, 2, 4}), Tensor(), Tensor()); }, {"input", "input_size"});
  expect_error([&] { m.forward(zeros({2, 2, 3}), zeros({4, 2, 3}), Tensor()); }, {"h0", "[4, 2, 2]"});
  expect_error([] { LSTM(3, 2, 1, true, false, 0.5); }, {"dropout", "0.5"});
  expect_error([] { GRUCell(0, 2); }, {"input_size", "0"});
  expect_error([] { RNNCell(2, 2, true, "sigmoid"); }, {"nonlinearity", "sigmoid"});
}

}  // namespace
}  // namespace qjit::nn
