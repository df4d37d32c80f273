#include "qlayers/dynamic_rnn_cell.h"

#include <cstring>
#include <sstream>

#include "base/error.h"
#include "qlayers/byte_stream.h"
#include "qlayers/engine.h"

namespace qjit::nnqd {
namespace {

constexpr uint32_t kMagic = 0x43524451;  // "QDRC"
constexpr uint32_t kVersion = 1;

// The zero weight a new module starts with (PyTorch's modules start from placeholders too; weights come from
// set_weight_bias or from_quantized).
Tensor initial_weight(int64_t rows, int64_t cols, DType dtype) {
  if (dtype == DType::float16) return zeros({rows, cols});
  return make_per_tensor_quantized_tensor(zeros({rows, cols}, DType::int8), 1.0, 0);
}

RnnMode rnn_mode(const std::string& nonlinearity) {
  check_arg(nonlinearity == "tanh" || nonlinearity == "relu", "nnqd.RNNCell", "nonlinearity", nonlinearity,
            "must be \"tanh\" or \"relu\"");
  return nonlinearity == "relu" ? RnnMode::rnn_relu : RnnMode::rnn_tanh;
}

// Cell sizes from quantized weights: w_ih [G * H, I], w_hh [G * H, H].
std::pair<int64_t, int64_t> sizes_of(std::string_view fn, const Tensor& w_ih, const Tensor& w_hh) {
  check_arg(w_ih.defined() && w_ih.dim() == 2, fn, "weight_ih.shape", w_ih.defined() ? shape_str(w_ih.sizes()) : "undefined",
            "must be 2-D [gates * hidden_size, input_size]");
  check_arg(w_hh.defined() && w_hh.dim() == 2, fn, "weight_hh.shape", w_hh.defined() ? shape_str(w_hh.sizes()) : "undefined",
            "must be 2-D [gates * hidden_size, hidden_size]");
  return {w_ih.size(1), w_hh.size(1)};
}

template <class Cell, class... Extra>
std::shared_ptr<Cell> cell_from_quantized(std::string_view fn, const Tensor& w_ih, const Tensor& w_hh,
                                          const Tensor& b_ih, const Tensor& b_hh, Extra... extra) {
  const auto [input_size, hidden_size] = sizes_of(fn, w_ih, w_hh);
  check_arg(w_ih.dtype() == DType::qint8, fn, "weight_ih.dtype", dtype_name(w_ih.dtype()), "must be qint8");
  auto m = std::make_shared<Cell>(input_size, hidden_size, b_ih.defined(), extra..., DType::qint8);
  m->set_weight_bias(w_ih, w_hh, b_ih, b_hh);
  return m;
}

}  // namespace

RNNCellBase::RNNCellBase(RnnMode mode, int64_t input_size, int64_t hidden_size, bool bias, DType dtype)
    : mode_(mode), input_size_(input_size), hidden_size_(hidden_size), bias_(bias), dtype_(dtype) {
  const std::string fn = std::string("nnqd.") + (mode == RnnMode::lstm ? "LSTMCell" : mode == RnnMode::gru ? "GRUCell" : "RNNCell");
  check_arg(input_size > 0, fn, "input_size", input_size, "must be > 0");
  check_arg(hidden_size > 0, fn, "hidden_size", hidden_size, "must be > 0");
  check_arg(dtype == DType::qint8 || dtype == DType::float16, fn, "dtype", dtype_name(dtype), "must be qint8 or float16");
  const int64_t G = rnn_gate_count(mode);
  const Tensor b = bias ? zeros({G * hidden_size}) : Tensor();
  params_ = std::make_shared<const DynamicRnnCellParams>(fn, mode, input_size, hidden_size, dtype,
                                                         initial_weight(G * hidden_size, input_size, dtype),
                                                         initial_weight(G * hidden_size, hidden_size, dtype), b, b);
}

void RNNCellBase::set_weight_bias(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  const std::string fn = qualified_name() + ".set_weight_bias";
  check_arg(b_ih.defined() == bias_, fn, "bias_ih", b_ih.defined() ? "set" : "undefined",
            bias_ ? "the cell was built with bias=true" : "the cell was built with bias=false");
  params_ = std::make_shared<const DynamicRnnCellParams>(fn, mode_, input_size_, hidden_size_, dtype_, w_ih, w_hh,
                                                         b_ih, b_hh);
}

std::string RNNCellBase::extra_repr() const {
  std::ostringstream os;
  os << input_size_ << ", " << hidden_size_;
  if (!bias_) os << ", bias=False";
  if (mode_ == RnnMode::rnn_relu) os << ", nonlinearity=relu";
  if (dtype_ != DType::qint8) os << ", dtype=torch." << dtype_name(dtype_);
  return os.str();
}

std::pair<Tensor, Tensor> RNNCellBase::run(const Tensor& x, const Tensor& hx, const Tensor& cx) const {
  const std::string fn = qualified_name() + ".forward";
  check_arg(x.defined(), fn, "input", "undefined", "must be a defined tensor");
  check_arg(x.dtype() == DType::float32, fn, "input.dtype", dtype_name(x.dtype()), "must be float32");
  check_arg(x.dim() == 1 || x.dim() == 2, fn, "input.dim", x.dim(), "must be 1 (unbatched) or 2 [batch, input_size]");
  check_arg(x.size(-1) == input_size_, fn, "input.shape", shape_str(x.sizes()),
            "last dimension must be input_size = " + std::to_string(input_size_));
  const bool batched = x.dim() == 2;
  const int64_t B = batched ? x.size(0) : 1;
  const std::vector<int64_t> state_shape = batched ? std::vector<int64_t>{B, hidden_size_} : std::vector<int64_t>{hidden_size_};
  auto state = [&](const Tensor& s, const char* name) {
    if (!s.defined()) return zeros(state_shape);
    check_arg(s.dtype() == DType::float32, fn, std::string(name) + ".dtype", dtype_name(s.dtype()), "must be float32");
    check_arg(s.sizes() == state_shape, fn, std::string(name) + ".shape", shape_str(s.sizes()),
              "must be " + shape_str(state_shape) + " (batch, hidden_size)");
    return s.contiguous();
  };
  const Tensor h = state(hx, "hx");
  const bool lstm = mode_ == RnnMode::lstm;
  const Tensor c = lstm ? state(cx, "cx") : Tensor();
  const Tensor xc = x.contiguous();
  Tensor h_out = empty(state_shape);
  Tensor c_out = lstm ? empty(state_shape) : Tensor();
  // Per thread, kept between calls: after the first call with a shape a forward allocates only its outputs.
  thread_local RnnScratch scratch;
  run_rnn_cell(*params_, xc.data_ptr<float>(), static_cast<size_t>(B), h.data_ptr<float>(),
               lstm ? c.data_ptr<float>() : nullptr, h_out.data_ptr<float>(), lstm ? c_out.data_ptr<float>() : nullptr,
               requant_formula(), scratch);
  return {h_out, c_out};
}

std::vector<uint8_t> RNNCellBase::serialize() const {
  ByteWriter w;
  w.put(kMagic);
  w.put(kVersion);
  w.put(static_cast<uint8_t>(mode_));
  w.put(static_cast<uint8_t>(dtype_));
  w.put(static_cast<uint8_t>(bias_));
  w.put(input_size_);
  w.put(hidden_size_);
  w.put_bytes(params_->ih().serialize());
  w.put_bytes(params_->hh().serialize());
  return w.seal();
}

void RNNCellBase::load(const uint8_t* data, size_t size, std::string_view fn) {
  ByteReader r(fn, data, size);
  const uint32_t magic = r.get<uint32_t>("magic");
  check_arg(magic == kMagic, fn, "magic", magic, "not a dynamic RNN cell blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const auto mode = static_cast<RnnMode>(r.get<uint8_t>("mode"));
  const bool mode_ok = mode == mode_ || (mode_ != RnnMode::lstm && mode_ != RnnMode::gru &&
                                         (mode == RnnMode::rnn_tanh || mode == RnnMode::rnn_relu));
  check_arg(mode_ok, fn, "mode", static_cast<int>(mode), std::string("must be a ") + type_name() + " blob");
  const auto dtype = static_cast<DType>(r.get<uint8_t>("dtype"));
  const bool bias = r.get<uint8_t>("bias") != 0;
  const int64_t input_size = r.get<int64_t>("input_size"), hidden_size = r.get<int64_t>("hidden_size");
  const auto [ih_bytes, ih_n] = r.get_bytes("weight_ih");
  const auto [hh_bytes, hh_n] = r.get_bytes("weight_hh");
  r.expect_end();
  auto params = std::make_shared<const DynamicRnnCellParams>(fn, mode, DynamicLinearPackedParams::deserialize(ih_bytes, ih_n),
                                                             DynamicLinearPackedParams::deserialize(hh_bytes, hh_n));
  check_arg(params->input_size() == input_size && params->hidden_size() == hidden_size, fn, "sizes",
            shape_str({input_size, hidden_size}), "do not match the stored weights");
  check_arg(params->ih().dtype() == dtype && params->ih().has_bias() == bias, fn, "dtype / bias", dtype_name(dtype),
            "do not match the stored weights");
  mode_ = mode;
  input_size_ = input_size;
  hidden_size_ = hidden_size;
  bias_ = bias;
  dtype_ = dtype;
  params_ = std::move(params);
}

// ---------------------------------------------------------------------------------------------------- cells
RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, bool bias, const std::string& nonlinearity, DType dtype)
    : ModuleBase(rnn_mode(nonlinearity), input_size, hidden_size, bias, dtype) {}

std::shared_ptr<RNNCell> RNNCell::from_quantized(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                                                 const Tensor& b_hh, const std::string& nonlinearity) {
  return cell_from_quantized<RNNCell>("nnqd.RNNCell.from_quantized", w_ih, w_hh, b_ih, b_hh, nonlinearity);
}

std::shared_ptr<RNNCell> RNNCell::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<RNNCell>(1, 1);
  m->load(data, size, "nnqd.RNNCell.deserialize");
  return m;
}

Tensor RNNCell::forward(const Tensor& x, const Tensor& hx) { return run_forward_hooks(x, run(x, hx, Tensor()).first); }

LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, bool bias, DType dtype)
    : ModuleBase(RnnMode::lstm, input_size, hidden_size, bias, dtype) {}

std::shared_ptr<LSTMCell> LSTMCell::from_quantized(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                                                   const Tensor& b_hh) {
  return cell_from_quantized<LSTMCell>("nnqd.LSTMCell.from_quantized", w_ih, w_hh, b_ih, b_hh);
}

std::shared_ptr<LSTMCell> LSTMCell::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<LSTMCell>(1, 1);
  m->load(data, size, "nnqd.LSTMCell.deserialize");
  return m;
}

std::pair<Tensor, Tensor> LSTMCell::forward(const Tensor& x, const std::optional<std::pair<Tensor, Tensor>>& hx) {
  if (hx) {
    check_arg(hx->first.defined() == hx->second.defined(), "nnqd.LSTMCell.forward", "hx",
              "one of (h_0, c_0) undefined", "give both or neither");
    return run(x, hx->first, hx->second);
  }
  return run(x, Tensor(), Tensor());
}

GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, bool bias, DType dtype)
    : ModuleBase(RnnMode::gru, input_size, hidden_size, bias, dtype) {}

std::shared_ptr<GRUCell> GRUCell::from_quantized(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                                                 const Tensor& b_hh) {
  return cell_from_quantized<GRUCell>("nnqd.GRUCell.from_quantized", w_ih, w_hh, b_ih, b_hh);
}

std::shared_ptr<GRUCell> GRUCell::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<GRUCell>(1, 1);
  m->load(data, size, "nnqd.GRUCell.deserialize");
  return m;
}

Tensor GRUCell::forward(const Tensor& x, const Tensor& hx) { return run_forward_hooks(x, run(x, hx, Tensor()).first); }

}  // namespace qjit::nnqd
