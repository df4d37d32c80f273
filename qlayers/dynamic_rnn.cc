#include "qlayers/dynamic_rnn.h"

#include <sstream>
#include <tuple>

#include "base/error.h"
#include "qlayers/byte_stream.h"
#include "qlayers/engine.h"

namespace qjit::nnqd {
namespace {

constexpr uint32_t kMagic = 0x4e524451;  // "QDRN"
constexpr uint32_t kVersion = 1;

Tensor initial_weight(int64_t rows, int64_t cols, DType dtype) {
  if (dtype == DType::float16) return zeros({rows, cols});
  return make_per_tensor_quantized_tensor(zeros({rows, cols}, DType::int8), 1.0, 0);
}

std::string module_name(RnnMode mode) { return mode == RnnMode::lstm ? "nnqd.LSTM" : "nnqd.GRU"; }

}  // namespace

RNNBase::RNNBase(RnnMode mode, int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
                 bool batch_first, double dropout, bool bidirectional, DType dtype)
    : mode_(mode),
      input_size_(input_size),
      hidden_size_(hidden_size),
      num_layers_(num_layers),
      bias_(bias),
      batch_first_(batch_first),
      dropout_(dropout),
      bidirectional_(bidirectional),
      dtype_(dtype) {
  const std::string fn = module_name(mode);
  check_arg(input_size > 0, fn, "input_size", input_size, "must be > 0");
  check_arg(hidden_size > 0, fn, "hidden_size", hidden_size, "must be > 0");
  check_arg(num_layers >= 1, fn, "num_layers", num_layers, "must be >= 1");
  check_arg(dropout >= 0.0 && dropout <= 1.0, fn, "dropout", dropout, "must be a probability in [0, 1]");
  check_arg(dtype == DType::qint8 || dtype == DType::float16, fn, "dtype", dtype_name(dtype), "must be qint8 or float16");
  const int64_t G = rnn_gate_count(mode), D = num_directions();
  std::vector<RNNLayerWeights> w;
  for (int64_t l = 0; l < num_layers; ++l)
    for (int64_t d = 0; d < D; ++d) {
      const int64_t in = l == 0 ? input_size : hidden_size * D;
      const Tensor b = bias ? zeros({G * hidden_size}) : Tensor();
      w.push_back({initial_weight(G * hidden_size, in, dtype), initial_weight(G * hidden_size, hidden_size, dtype), b, b});
    }
  set_all(fn, w);
}

void RNNBase::set_all(std::string_view fn, const std::vector<RNNLayerWeights>& weights) {
  const int64_t D = num_directions();
  check_arg(static_cast<int64_t>(weights.size()) == num_layers_ * D, fn, "weights.size", weights.size(),
            "must be num_layers * num_directions = " + std::to_string(num_layers_ * D));
  std::vector<std::shared_ptr<const DynamicRnnCellParams>> cells;
  for (int64_t l = 0; l < num_layers_; ++l)
    for (int64_t d = 0; d < D; ++d) {
      const RNNLayerWeights& w = weights[static_cast<size_t>(l * D + d)];
      check_arg(w.b_ih.defined() == bias_, fn, "bias_ih", w.b_ih.defined() ? "set" : "undefined",
                bias_ ? "the module was built with bias=true" : "the module was built with bias=false");
      const int64_t in = l == 0 ? input_size_ : hidden_size_ * D;
      cells.push_back(std::make_shared<const DynamicRnnCellParams>(fn, mode_, in, hidden_size_, dtype_, w.w_ih, w.w_hh,
                                                                   w.b_ih, w.b_hh));
    }
  cells_ = std::move(cells);
}

void RNNBase::set_weight_bias(int64_t layer, bool reverse, const RNNLayerWeights& w) {
  const std::string fn = qualified_name() + ".set_weight_bias";
  check_arg(layer >= 0 && layer < num_layers_, fn, "layer", layer, "must be in [0, num_layers)");
  check_arg(!reverse || bidirectional_, fn, "reverse", "true", "the module is not bidirectional");
  check_arg(w.b_ih.defined() == bias_, fn, "bias_ih", w.b_ih.defined() ? "set" : "undefined",
            bias_ ? "the module was built with bias=true" : "the module was built with bias=false");
  const int64_t in = layer == 0 ? input_size_ : hidden_size_ * num_directions();
  cells_[static_cast<size_t>(layer * num_directions() + (reverse ? 1 : 0))] =
      std::make_shared<const DynamicRnnCellParams>(fn, mode_, in, hidden_size_, dtype_, w.w_ih, w.w_hh, w.b_ih, w.b_hh);
}

const DynamicRnnCellParams& RNNBase::cell_params(int64_t layer, bool reverse) const {
  const std::string fn = qualified_name() + ".cell_params";
  check_arg(layer >= 0 && layer < num_layers_, fn, "layer", layer, "must be in [0, num_layers)");
  check_arg(!reverse || bidirectional_, fn, "reverse", "true", "the module is not bidirectional");
  return *cells_[static_cast<size_t>(layer * num_directions() + (reverse ? 1 : 0))];
}

std::vector<std::pair<std::string, Tensor>> RNNBase::get_weight() const {
  std::vector<std::pair<std::string, Tensor>> r;
  for (int64_t l = 0; l < num_layers_; ++l)
    for (int64_t d = 0; d < num_directions(); ++d) {
      const std::string suffix = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      const auto& c = *cells_[static_cast<size_t>(l * num_directions() + d)];
      r.emplace_back("weight_ih" + suffix, c.ih().weight());
      r.emplace_back("weight_hh" + suffix, c.hh().weight());
    }
  return r;
}

std::vector<std::pair<std::string, Tensor>> RNNBase::get_bias() const {
  std::vector<std::pair<std::string, Tensor>> r;
  if (!bias_) return r;
  for (int64_t l = 0; l < num_layers_; ++l)
    for (int64_t d = 0; d < num_directions(); ++d) {
      const std::string suffix = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      const auto& c = *cells_[static_cast<size_t>(l * num_directions() + d)];
      r.emplace_back("bias_ih" + suffix, c.ih().bias());
      r.emplace_back("bias_hh" + suffix, c.hh().bias());
    }
  return r;
}

std::string RNNBase::extra_repr() const {
  std::ostringstream os;
  os << input_size_ << ", " << hidden_size_;
  if (num_layers_ != 1) os << ", num_layers=" << num_layers_;
  if (!bias_) os << ", bias=False";
  if (batch_first_) os << ", batch_first=True";
  if (dropout_ != 0) os << ", dropout=" << dropout_;
  if (bidirectional_) os << ", bidirectional=True";
  return os.str();
}

std::tuple<Tensor, Tensor, Tensor> RNNBase::run(const Tensor& x, const Tensor& h0, const Tensor& c0) const {
  const std::string fn = qualified_name() + ".forward";
  check_arg(x.defined(), fn, "input", "undefined", "must be a defined tensor");
  check_arg(x.dtype() == DType::float32, fn, "input.dtype", dtype_name(x.dtype()), "must be float32");
  check_arg(x.dim() == 2 || x.dim() == 3, fn, "input.dim", x.dim(),
            "must be 3 (batched) or 2 (unbatched [seq, input_size])");
  check_arg(x.size(-1) == input_size_, fn, "input.shape", shape_str(x.sizes()),
            "last dimension must be input_size = " + std::to_string(input_size_));
  const bool batched = x.dim() == 3;
  const Tensor xs = batched && batch_first_ ? x.permute({1, 0, 2}).contiguous() : x.contiguous();  // [T, B, I]
  const int64_t T = xs.size(0), B = batched ? xs.size(1) : 1;
  check_arg(T > 0, fn, "input.shape", shape_str(x.sizes()), "the sequence length must be > 0");
  const int64_t D = num_directions(), H = hidden_size_, LD = num_layers_ * D;
  const std::vector<int64_t> state_shape = batched ? std::vector<int64_t>{LD, B, H} : std::vector<int64_t>{LD, H};
  auto state = [&](const Tensor& s, const char* name) {
    if (!s.defined()) return zeros(state_shape);
    check_arg(s.dtype() == DType::float32, fn, std::string(name) + ".dtype", dtype_name(s.dtype()), "must be float32");
    check_arg(s.sizes() == state_shape, fn, std::string(name) + ".shape", shape_str(s.sizes()),
              "must be " + shape_str(state_shape) + " (num_layers * num_directions, batch, hidden_size)");
    return s.clone().contiguous();
  };
  const bool lstm = mode_ == RnnMode::lstm;
  Tensor h_n = state(h0, "h_0");
  Tensor c_n = lstm ? state(c0, "c_0") : Tensor();
  const RequantFormula formula = requant_formula();
  // Per thread, kept between calls: after the first call with a shape a forward allocates only tensors (its
  // outputs and the sequence between layers), not its GEMM and gate buffers.
  thread_local RnnScratch scratch;
  Tensor layer_in = xs;
  for (int64_t l = 0; l < num_layers_; ++l) {
    Tensor layer_out = empty({T, B, D * H});
    for (int64_t d = 0; d < D; ++d) {
      const size_t idx = static_cast<size_t>(l * D + d);
      float* h = h_n.data_ptr<float>() + idx * static_cast<size_t>(B * H);
      float* c = lstm ? c_n.data_ptr<float>() + idx * static_cast<size_t>(B * H) : nullptr;
      run_rnn_direction(*cells_[idx], layer_in.data_ptr<float>(), static_cast<size_t>(T), static_cast<size_t>(B),
                        layer_out.data_ptr<float>() + d * H, static_cast<size_t>(B * D * H),
                        static_cast<size_t>(D * H), h, c, d == 1, formula, scratch);
    }
    layer_in = layer_out;
  }
  Tensor out = layer_in;
  if (!batched) out = out.view({T, D * H});
  else if (batch_first_) out = out.permute({1, 0, 2}).contiguous();
  return {out, h_n, c_n};
}

std::vector<uint8_t> RNNBase::serialize() const {
  ByteWriter w;
  w.put(kMagic);
  w.put(kVersion);
  w.put(static_cast<uint8_t>(mode_));
  w.put(static_cast<uint8_t>(dtype_));
  w.put(static_cast<uint8_t>(bias_));
  w.put(static_cast<uint8_t>(batch_first_));
  w.put(static_cast<uint8_t>(bidirectional_));
  w.put(dropout_);
  w.put(input_size_);
  w.put(hidden_size_);
  w.put(num_layers_);
  for (const auto& c : cells_) {
    w.put_bytes(c->ih().serialize());
    w.put_bytes(c->hh().serialize());
  }
  return w.seal();
}

void RNNBase::load(const uint8_t* data, size_t size, std::string_view fn) {
  ByteReader r(fn, data, size);
  const uint32_t magic = r.get<uint32_t>("magic");
  check_arg(magic == kMagic, fn, "magic", magic, "not a dynamic LSTM / GRU blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const auto mode = static_cast<RnnMode>(r.get<uint8_t>("mode"));
  check_arg(mode == mode_, fn, "mode", static_cast<int>(mode), std::string("must be a ") + type_name() + " blob");
  const auto dtype = static_cast<DType>(r.get<uint8_t>("dtype"));
  check_arg(dtype == DType::qint8 || dtype == DType::float16, fn, "dtype", static_cast<int>(dtype),
            "must be qint8 or float16");
  const bool bias = r.get<uint8_t>("bias") != 0, batch_first = r.get<uint8_t>("batch_first") != 0,
             bidirectional = r.get<uint8_t>("bidirectional") != 0;
  const double dropout = r.get<double>("dropout");
  const int64_t input_size = r.get<int64_t>("input_size"), hidden_size = r.get<int64_t>("hidden_size"),
                num_layers = r.get<int64_t>("num_layers");
  check_arg(num_layers >= 1 && num_layers < 4096, fn, "num_layers", num_layers, "out of range");
  const int64_t D = bidirectional ? 2 : 1;
  std::vector<std::shared_ptr<const DynamicRnnCellParams>> cells;
  for (int64_t i = 0; i < num_layers * D; ++i) {
    const auto [ih_bytes, ih_n] = r.get_bytes("weight_ih");
    const auto [hh_bytes, hh_n] = r.get_bytes("weight_hh");
    auto c = std::make_shared<const DynamicRnnCellParams>(fn, mode, DynamicLinearPackedParams::deserialize(ih_bytes, ih_n),
                                                          DynamicLinearPackedParams::deserialize(hh_bytes, hh_n));
    const int64_t in = i < D ? input_size : hidden_size * D;
    check_arg(c->input_size() == in && c->hidden_size() == hidden_size && c->ih().dtype() == dtype &&
                  c->ih().has_bias() == bias,
              fn, "cell", i, "weights do not match the stored sizes / dtype / bias");
    cells.push_back(std::move(c));
  }
  r.expect_end();
  input_size_ = input_size;
  hidden_size_ = hidden_size;
  num_layers_ = num_layers;
  bias_ = bias;
  batch_first_ = batch_first;
  dropout_ = dropout;
  bidirectional_ = bidirectional;
  dtype_ = dtype;
  cells_ = std::move(cells);
}

// ---------------------------------------------------------------------------------------------------- LSTM / GRU
LSTM::LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first, double dropout,
           bool bidirectional, DType dtype)
    : ModuleBase(RnnMode::lstm, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype) {}

std::shared_ptr<LSTM> LSTM::from_quantized(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
                                           bool batch_first, double dropout, bool bidirectional,
                                           const std::vector<RNNLayerWeights>& weights) {
  auto m = std::make_shared<LSTM>(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional);
  m->set_all("nnqd.LSTM.from_quantized", weights);
  return m;
}

std::shared_ptr<LSTM> LSTM::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<LSTM>(1, 1);
  m->load(data, size, "nnqd.LSTM.deserialize");
  return m;
}

std::pair<Tensor, std::pair<Tensor, Tensor>> LSTM::forward(const Tensor& x,
                                                           const std::optional<std::pair<Tensor, Tensor>>& hx) {
  if (hx)
    check_arg(hx->first.defined() == hx->second.defined(), "nnqd.LSTM.forward", "hx", "one of (h_0, c_0) undefined",
              "give both or neither");
  auto [out, h, c] = hx ? run(x, hx->first, hx->second) : run(x, Tensor(), Tensor());
  return {out, {h, c}};
}

GRU::GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first, double dropout,
         bool bidirectional, DType dtype)
    : ModuleBase(RnnMode::gru, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype) {}

std::shared_ptr<GRU> GRU::from_quantized(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
                                         bool batch_first, double dropout, bool bidirectional,
                                         const std::vector<RNNLayerWeights>& weights) {
  auto m = std::make_shared<GRU>(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional);
  m->set_all("nnqd.GRU.from_quantized", weights);
  return m;
}

std::shared_ptr<GRU> GRU::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<GRU>(1, 1);
  m->load(data, size, "nnqd.GRU.deserialize");
  return m;
}

std::pair<Tensor, Tensor> GRU::forward(const Tensor& x, const Tensor& h0) {
  auto [out, h, c] = run(x, h0, Tensor());
  return {out, h};
}

}  // namespace qjit::nnqd
