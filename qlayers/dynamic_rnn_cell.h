// qjit::nnqd::RNNCell, LSTMCell, GRUCell: torch.ao.nn.quantized.dynamic cells. Float input [batch, input_size] (or
// unbatched [input_size]), float hidden state; each of the two gate matrices is a dynamic quantized linear with its
// float bias (reduce_range = true: honoured by the onednn engine, ignored by qnnpack), the gate math in float with
// PyTorch's gate order (qlayers/rnn_cell_math.h). Weights qint8 (per tensor or per channel) or float16.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "qlayers/dynamic_rnn_params.h"
#include "qlayers/module.h"
#include "qlayers/tensor.h"

namespace qjit::nnqd {

class RNNCellBase : public nn::Module {
 public:
  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  bool has_bias() const { return bias_; }
  DType dtype() const { return dtype_; }

  // w_ih [G * hidden, input], w_hh [G * hidden, hidden] (G: 4 LSTM, 3 GRU, 1 RNN): qint8 for a qint8 cell, float32
  // for a float16 one; biases float32 [G * hidden], both given when the cell has a bias, else both undefined.
  void set_weight_bias(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh);
  Tensor weight_ih() const { return params_->ih().weight(); }
  Tensor weight_hh() const { return params_->hh().weight(); }
  Tensor bias_ih() const { return params_->ih().bias(); }
  Tensor bias_hh() const { return params_->hh().bias(); }
  const DynamicRnnCellParams& cell_params() const { return *params_; }

  // "6, 10" (+ ", bias=False", ", nonlinearity=relu"), as PyTorch prints cells.
  std::string extra_repr() const override;

  std::vector<uint8_t> serialize() const;

 protected:
  RNNCellBase(RnnMode mode, int64_t input_size, int64_t hidden_size, bool bias, DType dtype);
  RNNCellBase(const RNNCellBase&) = default;
  // h' (and c' for LSTM) for x and the state (zeros when hx is undefined).
  std::pair<Tensor, Tensor> run(const Tensor& x, const Tensor& hx, const Tensor& cx) const;
  void load(const uint8_t* data, size_t size, std::string_view fn);

  RnnMode mode_;

 private:
  int64_t input_size_, hidden_size_;
  bool bias_;
  DType dtype_;
  std::shared_ptr<const DynamicRnnCellParams> params_;  // shared by clones: immutable once packed
};

class RNNCell : public nn::ModuleBase<RNNCell, RNNCellBase> {
 public:
  // nonlinearity: "tanh" or "relu".
  RNNCell(int64_t input_size, int64_t hidden_size, bool bias = true, const std::string& nonlinearity = "tanh",
          DType dtype = DType::qint8);
  static std::shared_ptr<RNNCell> from_quantized(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                                                 const Tensor& b_hh, const std::string& nonlinearity = "tanh");
  static std::shared_ptr<RNNCell> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "RNNCell"; }
  std::string qualified_name() const override { return "nnqd.RNNCell"; }
  std::string nonlinearity() const { return mode_ == RnnMode::rnn_relu ? "relu" : "tanh"; }
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }
  // hx: [batch, hidden] (or [hidden] for unbatched x), undefined for zeros.
  Tensor forward(const Tensor& x, const Tensor& hx);
};

class LSTMCell : public nn::ModuleBase<LSTMCell, RNNCellBase> {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, bool bias = true, DType dtype = DType::qint8);
  static std::shared_ptr<LSTMCell> from_quantized(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                                                  const Tensor& b_hh);
  static std::shared_ptr<LSTMCell> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "LSTMCell"; }
  std::string qualified_name() const override { return "nnqd.LSTMCell"; }
  // Returns (h_1, c_1); hx = (h_0, c_0), zeros when absent.
  // (Through an nn::Module reference, the one-tensor forward throws: an LSTM cell returns two tensors.)
  std::pair<Tensor, Tensor> forward(const Tensor& x, const std::optional<std::pair<Tensor, Tensor>>& hx = std::nullopt);
};

class GRUCell : public nn::ModuleBase<GRUCell, RNNCellBase> {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, bool bias = true, DType dtype = DType::qint8);
  static std::shared_ptr<GRUCell> from_quantized(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                                                 const Tensor& b_hh);
  static std::shared_ptr<GRUCell> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "GRUCell"; }
  std::string qualified_name() const override { return "nnqd.GRUCell"; }
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }
  Tensor forward(const Tensor& x, const Tensor& hx);
};

}  // namespace qjit::nnqd
