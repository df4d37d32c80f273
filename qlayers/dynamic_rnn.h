// qjit::nnqd::LSTM and GRU: torch.ao.nn.quantized.dynamic.LSTM / GRU. Float input [seq, batch, input_size]
// ([batch, seq, input_size] with batch_first, or unbatched [seq, input_size]), float states
// [num_layers * num_directions, batch, hidden_size]. Per layer and direction, the input-side gate matrix runs once
// over the whole sequence and the hidden-side one per step, each a dynamic quantized linear (reduce_range = true:
// honoured by the onednn engine, ignored by qnnpack), as ATen's quantized_lstm / quantized_gru do; gate math in float
// in PyTorch's order (LSTM i, f, g, o; GRU r, z, n). dropout is kept as an attribute only (inference: no dropout).
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

// The weights of one layer and direction, as PyTorch names them: weight_ih_l{k}[_reverse] etc.
struct RNNLayerWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
};

class RNNBase : public nn::Module {
 public:
  RnnMode mode() const { return mode_; }
  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  int64_t num_layers() const { return num_layers_; }
  bool has_bias() const { return bias_; }
  bool batch_first() const { return batch_first_; }
  double dropout() const { return dropout_; }
  bool bidirectional() const { return bidirectional_; }
  DType dtype() const { return dtype_; }
  int64_t num_directions() const { return bidirectional_ ? 2 : 1; }

  // Replaces the weights of one layer / direction (reverse = the backward direction of a bidirectional module).
  // qint8 weights for a qint8 module, float32 for a float16 one; shapes as PyTorch's weight_ih_l{k} etc.
  void set_weight_bias(int64_t layer, bool reverse, const RNNLayerWeights& w);
  // PyTorch's get_weight() / get_bias(): {"weight_ih_l0", ...} and {"bias_ih_l0", ...} in PyTorch's order.
  std::vector<std::pair<std::string, Tensor>> get_weight() const;
  std::vector<std::pair<std::string, Tensor>> get_bias() const;
  const DynamicRnnCellParams& cell_params(int64_t layer, bool reverse) const;

  // "6, 10, num_layers=2, batch_first=True, bidirectional=True" (PyTorch's RNNBase.extra_repr).
  std::string extra_repr() const override;

  std::vector<uint8_t> serialize() const;

 protected:
  RNNBase(RnnMode mode, int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first,
          double dropout, bool bidirectional, DType dtype);
  RNNBase(const RNNBase&) = default;
  // (output, h_n, c_n); c_n undefined unless LSTM.
  std::tuple<Tensor, Tensor, Tensor> run(const Tensor& x, const Tensor& h0, const Tensor& c0) const;
  void load(const uint8_t* data, size_t size, std::string_view fn);
  // Checks `weights` (one per layer and direction, layer-major) and installs them.
  void set_all(std::string_view fn, const std::vector<RNNLayerWeights>& weights);

 private:
  RnnMode mode_;
  int64_t input_size_, hidden_size_, num_layers_;
  bool bias_, batch_first_;
  double dropout_;
  bool bidirectional_;
  DType dtype_;
  std::vector<std::shared_ptr<const DynamicRnnCellParams>> cells_;  // layer-major, then direction
};

class LSTM : public nn::ModuleBase<LSTM, RNNBase> {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true, bool batch_first = false,
       double dropout = 0.0, bool bidirectional = false, DType dtype = DType::qint8);
  // weights: one per layer and direction, in PyTorch's order (l0, l0_reverse, l1, ...); qint8 weight tensors.
  static std::shared_ptr<LSTM> from_quantized(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
                                              bool batch_first, double dropout, bool bidirectional,
                                              const std::vector<RNNLayerWeights>& weights);
  static std::shared_ptr<LSTM> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "LSTM"; }
  std::string qualified_name() const override { return "nnqd.LSTM"; }
  // Returns (output, (h_n, c_n)); hx = (h_0, c_0), zeros when absent. (Through an nn::Module reference, the
  // one-tensor forward throws: an LSTM returns several tensors.)
  std::pair<Tensor, std::pair<Tensor, Tensor>> forward(
      const Tensor& x, const std::optional<std::pair<Tensor, Tensor>>& hx = std::nullopt);
};

class GRU : public nn::ModuleBase<GRU, RNNBase> {
 public:
  GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true, bool batch_first = false,
      double dropout = 0.0, bool bidirectional = false, DType dtype = DType::qint8);
  static std::shared_ptr<GRU> from_quantized(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
                                             bool batch_first, double dropout, bool bidirectional,
                                             const std::vector<RNNLayerWeights>& weights);
  static std::shared_ptr<GRU> deserialize(const uint8_t* data, size_t size);
  std::string type_name() const override { return "GRU"; }
  std::string qualified_name() const override { return "nnqd.GRU"; }
  // Returns (output, h_n); h_0 zeros when undefined.
  std::pair<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0 = Tensor());
};

}  // namespace qjit::nnqd
