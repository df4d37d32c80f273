#include "workflow/nn/rnn.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "workflow/nn/float_ops.h"
#include "workflow/nn/linear.h"

namespace qjit::nn {

using detail::py_bool;

namespace {

float sigmoid(float v) { return 1.f / (1.f + std::exp(-v)); }

// One LSTM step for B rows: gi, gh [B, 4H]; c [B, H] (may be null = zeros).
void lstm_step(const float* gi, const float* gh, const float* c, float* h_out, float* c_out, int64_t B, int64_t H) {
  for (int64_t b = 0; b < B; ++b) {
    const float* xi = gi + b * 4 * H;
    const float* hh = gh + b * 4 * H;
    for (int64_t j = 0; j < H; ++j) {
      const float i = sigmoid(xi[j] + hh[j]);
      const float f = sigmoid(xi[H + j] + hh[H + j]);
      const float g = std::tanh(xi[2 * H + j] + hh[2 * H + j]);
      const float o = sigmoid(xi[3 * H + j] + hh[3 * H + j]);
      const float cn = f * (c ? c[b * H + j] : 0.f) + i * g;
      c_out[b * H + j] = cn;
      h_out[b * H + j] = o * std::tanh(cn);
    }
  }
}

// One GRU step: gi, gh [B, 3H]; h [B, H] (may be null = zeros).
void gru_step(const float* gi, const float* gh, const float* h, float* h_out, int64_t B, int64_t H) {
  for (int64_t b = 0; b < B; ++b) {
    const float* xi = gi + b * 3 * H;
    const float* hh = gh + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const float r = sigmoid(xi[j] + hh[j]);
      const float z = sigmoid(xi[H + j] + hh[H + j]);
      const float n = std::tanh(xi[2 * H + j] + r * hh[2 * H + j]);
      h_out[b * H + j] = (1.f - z) * n + z * (h ? h[b * H + j] : 0.f);
    }
  }
}

Tensor check_state(const std::string& fn, const char* name, const Tensor& t, const std::vector<int64_t>& shape) {
  if (!t.defined()) return zeros(shape);
  check_arg(t.dtype() == DType::float32 && t.sizes() == shape, fn, name, t.to_string(),
            "must be float32 with shape " + shape_str(shape));
  return t.contiguous();
}

}  // namespace

RNNCellBase::RNNCellBase(int64_t in, int64_t hidden, bool has_bias, int64_t gates, const std::string& fn)
    : input_size(in), hidden_size(hidden), bias(has_bias) {
  check_arg(in >= 1, fn, "input_size", in, "must be >= 1");
  check_arg(hidden >= 1, fn, "hidden_size", hidden, "must be >= 1");
  weight_ih = zeros({gates * hidden, in});
  weight_hh = zeros({gates * hidden, hidden});
  if (has_bias) {
    bias_ih = zeros({gates * hidden});
    bias_hh = zeros({gates * hidden});
  }
}

std::string RNNCellBase::extra_repr() const {
  return std::to_string(input_size) + ", " + std::to_string(hidden_size) + (bias ? "" : ", bias=False");
}

std::vector<StateEntry> RNNCellBase::local_state() {
  std::vector<StateEntry> s;
  add_state(s, "weight_ih", weight_ih, StateKind::parameter);
  add_state(s, "weight_hh", weight_hh, StateKind::parameter);
  add_state(s, "bias_ih", bias_ih, StateKind::parameter);
  add_state(s, "bias_hh", bias_hh, StateKind::parameter);
  return s;
}

void RNNCellBase::gate_inputs(const std::string& fn, const Tensor& x_in, const Tensor& h, Tensor& gi,
                              Tensor& gh) const {
  const Tensor x = detail::float_input(fn, x_in, 2, 2);
  check_arg(x.size(1) == input_size, fn, "input", x.to_string(),
            "dimension 1 must equal input_size (" + std::to_string(input_size) + ")");
  const Tensor hx = check_state(fn, "hx", h, {x.size(0), hidden_size});
  gi = linear(x, weight_ih, bias_ih);
  gh = linear(hx, weight_hh, bias_hh);
}

RNNCell::RNNCell(int64_t in, int64_t hidden, bool has_bias, const std::string& nl)
    : ModuleBase(in, hidden, has_bias, 1, "nn.RNNCell"), nonlinearity(nl) {
  check_arg(nl == "tanh" || nl == "relu", "nn.RNNCell", "nonlinearity", nl, "must be 'tanh' or 'relu'");
}

std::string RNNCell::extra_repr() const {
  return RNNCellBase::extra_repr() + (nonlinearity != "tanh" ? ", nonlinearity=" + nonlinearity : "");
}

Tensor RNNCell::step(const Tensor& x, const Tensor& h) const {
  Tensor gi, gh;
  gate_inputs("nn.RNNCell.forward", x, h, gi, gh);
  float* a = gi.data_ptr<float>();
  const float* b = gh.data_ptr<float>();
  const bool relu = nonlinearity == "relu";
  for (int64_t i = 0; i < gi.numel(); ++i) {
    const float s = a[i] + b[i];
    a[i] = relu ? (s < 0.f ? 0.f : s) : std::tanh(s);
  }
  return gi;
}

LSTMCell::LSTMCell(int64_t in, int64_t hidden, bool has_bias) : ModuleBase(in, hidden, has_bias, 4, "nn.LSTMCell") {}

std::pair<Tensor, Tensor> LSTMCell::forward(const Tensor& x, const Tensor& h, const Tensor& c) {
  auto [h_out, c_out] = step(x, h, c);
  return {run_forward_hooks(x, h_out), c_out};
}

std::pair<Tensor, Tensor> LSTMCell::step(const Tensor& x, const Tensor& h, const Tensor& c) const {
  const std::string fn = "nn.LSTMCell.forward";
  Tensor gi, gh;
  gate_inputs(fn, x, h, gi, gh);
  const int64_t B = gi.size(0);
  const Tensor cx = check_state(fn, "cx", c, {B, hidden_size});
  Tensor h_out = empty({B, hidden_size}), c_out = empty({B, hidden_size});
  lstm_step(gi.data_ptr<float>(), gh.data_ptr<float>(), cx.data_ptr<float>(), h_out.data_ptr<float>(),
            c_out.data_ptr<float>(), B, hidden_size);
  return {h_out, c_out};
}

GRUCell::GRUCell(int64_t in, int64_t hidden, bool has_bias) : ModuleBase(in, hidden, has_bias, 3, "nn.GRUCell") {}

Tensor GRUCell::step(const Tensor& x, const Tensor& h) const {
  const std::string fn = "nn.GRUCell.forward";
  Tensor gi, gh;
  gate_inputs(fn, x, h, gi, gh);
  const int64_t B = gi.size(0);
  const Tensor hx = check_state(fn, "hx", h, {B, hidden_size});
  Tensor h_out = empty({B, hidden_size});
  gru_step(gi.data_ptr<float>(), gh.data_ptr<float>(), hx.data_ptr<float>(), h_out.data_ptr<float>(), B,
           hidden_size);
  return h_out;
}

RNNBase::RNNBase(const std::string& m, int64_t in, int64_t hidden, int64_t layers, bool has_bias, bool bf, double dp,
                 bool bidir, int64_t proj_size)
    : mode(m), input_size(in), hidden_size(hidden), num_layers(layers), bias(has_bias), batch_first(bf), dropout(dp),
      bidirectional(bidir) {
  const std::string fn = "nn." + m;
  check_arg(in >= 1, fn, "input_size", in, "must be >= 1");
  check_arg(hidden >= 1, fn, "hidden_size", hidden, "must be >= 1");
  check_arg(layers >= 1, fn, "num_layers", layers, "must be >= 1");
  check_arg(dp == 0.0, fn, "dropout", dp, "only 0 is supported (dropout acts in training only)");
  check_arg(proj_size == 0, fn, "proj_size", proj_size, "only 0 is supported");
  const int64_t gates = m == "LSTM" ? 4 : 3, dirs = bidir ? 2 : 1;
  for (int64_t l = 0; l < layers; ++l)
    for (int64_t d = 0; d < dirs; ++d) {
      weight_ih.push_back(zeros({gates * hidden, l == 0 ? in : dirs * hidden}));
      weight_hh.push_back(zeros({gates * hidden, hidden}));
      bias_ih.push_back(has_bias ? zeros({gates * hidden}) : Tensor());
      bias_hh.push_back(has_bias ? zeros({gates * hidden}) : Tensor());
    }
}

std::string RNNBase::extra_repr() const {
  std::string s = std::to_string(input_size) + ", " + std::to_string(hidden_size);
  if (num_layers != 1) s += ", num_layers=" + std::to_string(num_layers);
  if (!bias) s += ", bias=False";
  if (batch_first) s += ", batch_first=True";
  if (bidirectional) s += ", bidirectional=True";
  return s;
}

std::vector<StateEntry> RNNBase::local_state() {
  std::vector<StateEntry> s;
  const int64_t dirs = bidirectional ? 2 : 1;
  for (int64_t l = 0; l < num_layers; ++l)
    for (int64_t d = 0; d < dirs; ++d) {
      const std::string suffix = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      const size_t i = size_t(l * dirs + d);
      add_state(s, "weight_ih" + suffix, weight_ih[i], StateKind::parameter);
      add_state(s, "weight_hh" + suffix, weight_hh[i], StateKind::parameter);
      add_state(s, "bias_ih" + suffix, bias_ih[i], StateKind::parameter);
      add_state(s, "bias_hh" + suffix, bias_hh[i], StateKind::parameter);
    }
  return s;
}

Tensor RNNBase::run(const Tensor& x_in, const Tensor& h0_in, const Tensor& c0_in, Tensor& h_n, Tensor* c_n) const {
  const std::string fn = qualified_name() + ".forward";
  Tensor x = detail::float_input(fn, x_in, 3, 3);
  if (batch_first) x = x.permute({1, 0, 2}).contiguous();
  const int64_t T = x.size(0), B = x.size(1), H = hidden_size, dirs = bidirectional ? 2 : 1;
  check_arg(x.size(2) == input_size, fn, "input", x_in.to_string(),
            "last dimension must equal input_size (" + std::to_string(input_size) + ")");
  const bool lstm = c_n != nullptr;
  const int64_t G = lstm ? 4 : 3;
  const std::vector<int64_t> state_shape{num_layers * dirs, B, H};
  const Tensor h0 = check_state(fn, "h0", h0_in, state_shape);
  const Tensor c0 = lstm ? check_state(fn, "c0", c0_in, state_shape) : Tensor();
  h_n = empty(state_shape);
  if (lstm) *c_n = empty(state_shape);
  Tensor layer_in = x;
  for (int64_t l = 0; l < num_layers; ++l) {
    Tensor out = empty({T, B, dirs * H});
    for (int64_t d = 0; d < dirs; ++d) {
      const size_t w = size_t(l * dirs + d);
      // Input contributions of all time steps in one GEMM.
      const Tensor gi = linear(layer_in.view({T * B, layer_in.size(2)}), weight_ih[w], bias_ih[w]);
      Tensor h = from_data(h0.data_ptr<float>() + int64_t(w) * B * H, {B, H}, DType::float32);
      Tensor c = lstm ? from_data(c0.data_ptr<float>() + int64_t(w) * B * H, {B, H}, DType::float32) : Tensor();
      for (int64_t s = 0; s < T; ++s) {
        const int64_t t = d ? T - 1 - s : s;
        const Tensor gh = linear(h, weight_hh[w], bias_hh[w]);
        Tensor h_new = empty({B, H});
        if (lstm) {
          Tensor c_new = empty({B, H});
          lstm_step(gi.data_ptr<float>() + t * B * G * H, gh.data_ptr<float>(), c.data_ptr<float>(),
                    h_new.data_ptr<float>(), c_new.data_ptr<float>(), B, H);
          c = c_new;
        } else {
          gru_step(gi.data_ptr<float>() + t * B * G * H, gh.data_ptr<float>(), h.data_ptr<float>(),
                   h_new.data_ptr<float>(), B, H);
        }
        h = h_new;
        for (int64_t b = 0; b < B; ++b)
          std::copy_n(h.data_ptr<float>() + b * H, H, out.data_ptr<float>() + (t * B + b) * dirs * H + d * H);
      }
      std::copy_n(h.data_ptr<float>(), B * H, h_n.data_ptr<float>() + int64_t(w) * B * H);
      if (lstm) std::copy_n(c.data_ptr<float>(), B * H, c_n->data_ptr<float>() + int64_t(w) * B * H);
    }
    layer_in = out;
  }
  return batch_first ? layer_in.permute({1, 0, 2}).contiguous() : layer_in;
}

LSTMOutput LSTM::forward(const Tensor& x, const Tensor& h0, const Tensor& c0) {
  LSTMOutput r;
  r.output = run(x, h0, c0, r.h_n, &r.c_n);
  r.output = run_forward_hooks(x, r.output);
  return r;
}

GRUOutput GRU::forward(const Tensor& x, const Tensor& h0) {
  GRUOutput r;
  r.output = run(x, h0, Tensor(), r.h_n, nullptr);
  r.output = run_forward_hooks(x, r.output);
  return r;
}

}  // namespace qjit::nn
