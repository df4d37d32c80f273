// Float recurrent modules with PyTorch's gate math and parameter names: RNNCell, LSTMCell, GRUCell, LSTM, GRU.
//   RNNCell : h' = act(W_ih x + b_ih + W_hh h + b_hh), act tanh or relu
//   LSTMCell: gates [i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh (rows in that order); i, f, o sigmoid, g tanh;
//             c' = f * c + i * g; h' = o * tanh(c')
//   GRUCell : [r, z, n] rows; r, z = sigmoid(W_i* x + b_i* + W_h* h + b_h*); n = tanh(W_in x + b_in + r * (W_hn h +
//             b_hn)); h' = (1 - z) * n + z * h
// LSTM / GRU stack num_layers of these (layer k > 0 reads the previous layer's output, num_directions * hidden);
// parameters weight_ih_l{k}[_reverse], weight_hh_l{k}[_reverse], bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse],
// registered in that order per layer and direction, as PyTorch does. Parameters start at zero.
// Inputs: x (T, B, input) or (B, T, input) with batch_first; states (num_layers * num_directions, B, hidden),
// undefined = zeros; cells take x (B, input) and h (B, hidden). Unbatched inputs, proj_size and inter-layer dropout
// (training only) are not supported: proj_size != 0 or dropout != 0 throws.
// The multi-tensor calls are typed methods; the one-tensor forward(x) runs with zero states and returns the output
// (for the LSTM and GRU: the sequence output; for the cells: h').
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "qlayers/module.h"
#include "workflow/nn/module_state.h"

namespace qjit::nn {

class RNNCellBase : public Module, public HasState {
 public:
  std::string extra_repr() const override;
  std::vector<StateEntry> local_state() override;
  int64_t input_size, hidden_size;
  bool bias;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  RNNCellBase(int64_t input_size, int64_t hidden_size, bool bias, int64_t gates, const std::string& fn);
  // W_ih x + b_ih and W_hh h + b_hh, after checking x and h (h undefined = zeros).
  void gate_inputs(const std::string& fn, const Tensor& x, const Tensor& h, Tensor& gi, Tensor& gh) const;
};

class RNNCell : public ModuleBase<RNNCell, RNNCellBase> {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, bool bias = true, const std::string& nonlinearity = "tanh");
  std::string type_name() const override { return "RNNCell"; }
  std::string qualified_name() const override { return "nn.RNNCell"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override { return step(x, Tensor()); }
  Tensor forward(const Tensor& x, const Tensor& h) { return run_forward_hooks(x, step(x, h)); }
  std::string nonlinearity;

 private:
  Tensor step(const Tensor& x, const Tensor& h) const;
};

class LSTMCell : public ModuleBase<LSTMCell, RNNCellBase> {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, bool bias = true);
  std::string type_name() const override { return "LSTMCell"; }
  std::string qualified_name() const override { return "nn.LSTMCell"; }
  Tensor forward(const Tensor& x) override { return step(x, Tensor(), Tensor()).first; }
  // Returns (h', c'); the forward hooks see h'.
  std::pair<Tensor, Tensor> forward(const Tensor& x, const Tensor& h, const Tensor& c);

 private:
  std::pair<Tensor, Tensor> step(const Tensor& x, const Tensor& h, const Tensor& c) const;
};

class GRUCell : public ModuleBase<GRUCell, RNNCellBase> {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, bool bias = true);
  std::string type_name() const override { return "GRUCell"; }
  std::string qualified_name() const override { return "nn.GRUCell"; }
  Tensor forward(const Tensor& x) override { return step(x, Tensor()); }
  Tensor forward(const Tensor& x, const Tensor& h) { return run_forward_hooks(x, step(x, h)); }

 private:
  Tensor step(const Tensor& x, const Tensor& h) const;
};

// PyTorch's RNNBase for LSTM and GRU.
class RNNBase : public Module, public HasState {
 public:
  std::string extra_repr() const override;
  std::vector<StateEntry> local_state() override;
  std::string mode;  // "LSTM" or "GRU"
  int64_t input_size, hidden_size, num_layers;
  bool bias, batch_first;
  double dropout;
  bool bidirectional;
  // Per layer and direction (index layer * num_directions + direction): weight_ih, weight_hh, bias_ih, bias_hh.
  std::vector<Tensor> weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  RNNBase(const std::string& mode, int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
          bool batch_first, double dropout, bool bidirectional, int64_t proj_size);
  // Runs the stack; c0 / c_n only for the LSTM. Returns the output.
  Tensor run(const Tensor& x, const Tensor& h0, const Tensor& c0, Tensor& h_n, Tensor* c_n) const;
};

struct LSTMOutput {
  Tensor output, h_n, c_n;
};

class LSTM : public ModuleBase<LSTM, RNNBase> {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true, bool batch_first = false,
       double dropout = 0.0, bool bidirectional = false, int64_t proj_size = 0)
      : ModuleBase("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                   proj_size) {}
  std::string type_name() const override { return "LSTM"; }
  std::string qualified_name() const override { return "nn.LSTM"; }
  Tensor forward(const Tensor& x) override {
    Tensor h_n, c_n;
    return run(x, Tensor(), Tensor(), h_n, &c_n);
  }
  // The forward hooks see the output.
  LSTMOutput forward(const Tensor& x, const Tensor& h0, const Tensor& c0);
};

struct GRUOutput {
  Tensor output, h_n;
};

class GRU : public ModuleBase<GRU, RNNBase> {
 public:
  GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true, bool batch_first = false,
      double dropout = 0.0, bool bidirectional = false)
      : ModuleBase("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0) {}
  std::string type_name() const override { return "GRU"; }
  std::string qualified_name() const override { return "nn.GRU"; }
  Tensor forward(const Tensor& x) override {
    Tensor h_n;
    return run(x, Tensor(), Tensor(), h_n, nullptr);
  }
  GRUOutput forward(const Tensor& x, const Tensor& h0);
};

}  // namespace qjit::nn
