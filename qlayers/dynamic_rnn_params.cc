#include "qlayers/dynamic_rnn_params.h"

#include <string>

#include "base/error.h"
#include "qlayers/rnn_cell_math.h"

namespace qjit {
namespace {

// PyTorch's modules ask every gate GEMM for reduce_range = true (RNN.cpp, quantized cells and version-2 modules).
constexpr bool kReduceRange = true;

DynamicLinearPackedParams pack_gate(std::string_view fn, DType dtype, const Tensor& w, const Tensor& b) {
  if (dtype == DType::float16) return DynamicLinearPackedParams::from_float_fp16(w, b, fn);
  return DynamicLinearPackedParams::from_qweight(w, b, fn);
}

void check_shape(std::string_view fn, std::string_view name, const Tensor& t, std::vector<int64_t> want) {
  check_arg(t.defined(), fn, name, "undefined", "must be a defined tensor");
  check_arg(t.sizes() == want, fn, std::string(name) + ".shape", shape_str(t.sizes()), "must be " + shape_str(want));
}

void check_pair(std::string_view fn, RnnMode mode, const DynamicLinearPackedParams& ih,
                const DynamicLinearPackedParams& hh) {
  const int64_t G = rnn_gate_count(mode);
  check_arg(ih.out_features() % G == 0, fn, "weight_ih.shape[0]", ih.out_features(),
            "must be a multiple of the gate count " + std::to_string(G));
  const int64_t H = ih.out_features() / G;
  check_arg(hh.out_features() == G * H && hh.in_features() == H, fn, "weight_hh.shape",
            shape_str({hh.out_features(), hh.in_features()}), "must be " + shape_str({G * H, H}));
  check_arg(ih.dtype() == hh.dtype(), fn, "weight_hh.dtype", dtype_name(hh.dtype()),
            std::string("must match weight_ih.dtype (") + dtype_name(ih.dtype()) + ")");
  check_arg(ih.has_bias() == hh.has_bias(), fn, "bias_hh", hh.has_bias() ? "set" : "undefined",
            "bias_ih and bias_hh must both be given or both be undefined");
}

}  // namespace

int64_t rnn_gate_count(RnnMode mode) { return mode == RnnMode::lstm ? 4 : mode == RnnMode::gru ? 3 : 1; }

const char* rnn_mode_name(RnnMode mode) {
  switch (mode) {
    case RnnMode::lstm: return "LSTM";
    case RnnMode::gru: return "GRU";
    case RnnMode::rnn_tanh: return "RNN_TANH";
    case RnnMode::rnn_relu: return "RNN_RELU";
  }
  return "?";
}

DynamicRnnCellParams::DynamicRnnCellParams(std::string_view fn, RnnMode mode, int64_t input_size, int64_t hidden_size,
                                           DType dtype, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                                           const Tensor& b_hh)
    : mode_(mode),
      ih_([&] {
        check_arg(input_size > 0, fn, "input_size", input_size, "must be > 0");
        check_arg(hidden_size > 0, fn, "hidden_size", hidden_size, "must be > 0");
        check_arg(dtype == DType::qint8 || dtype == DType::float16, fn, "dtype", dtype_name(dtype),
                  "must be qint8 or float16");
        const int64_t G = rnn_gate_count(mode);
        check_shape(fn, "weight_ih", w_ih, {G * hidden_size, input_size});
        check_shape(fn, "weight_hh", w_hh, {G * hidden_size, hidden_size});
        check_arg(b_ih.defined() == b_hh.defined(), fn, "bias_hh", b_hh.defined() ? "set" : "undefined",
                  "bias_ih and bias_hh must both be given or both be undefined");
        return pack_gate(fn, dtype, w_ih, b_ih);
      }()),
      hh_(pack_gate(fn, dtype, w_hh, b_hh)) {}

DynamicRnnCellParams::DynamicRnnCellParams(std::string_view fn, RnnMode mode, DynamicLinearPackedParams ih,
                                           DynamicLinearPackedParams hh)
    : mode_(mode), ih_(std::move(ih)), hh_(std::move(hh)) {
  check_pair(fn, mode_, ih_, hh_);
}

namespace {

void gates(const DynamicRnnCellParams& p, const float* gi, const float* gh, size_t ldg, const float* h,
           const float* c, float* h_out, size_t ldh, float* c_out, size_t B, size_t H) {
  const Isa isa = p.ih().isa();
  switch (p.mode()) {
    case RnnMode::lstm: lstm_cell_gates(gi, gh, ldg, c, h_out, ldh, c_out, B, H, isa); break;
    case RnnMode::gru: gru_cell_gates(gi, gh, ldg, h, h_out, ldh, B, H, isa); break;
    case RnnMode::rnn_tanh: rnn_cell_gates(gi, gh, ldg, false, h_out, ldh, B, H, isa); break;
    case RnnMode::rnn_relu: rnn_cell_gates(gi, gh, ldg, true, h_out, ldh, B, H, isa); break;
  }
}

}  // namespace

void run_rnn_direction(const DynamicRnnCellParams& p, const float* x, size_t T, size_t B, float* out, size_t ldo_t,
                       size_t ldo_b, float* h, float* c, bool reverse, RequantFormula formula, RnnScratch& s) {
  const size_t H = static_cast<size_t>(p.hidden_size());
  const size_t GH = static_cast<size_t>(p.ih().out_features());
  s.gi.resize(T * B * GH);
  s.gh.resize(B * GH);
  p.ih().run(x, T * B, s.gi.data(), GH, kReduceRange, formula, s.lin);
  for (size_t step = 0; step < T; ++step) {
    const size_t t = reverse ? T - 1 - step : step;
    p.hh().run(h, B, s.gh.data(), GH, kReduceRange, formula, s.lin);
    // New h goes to the output rows first (they may be strided), then back into h for the next step.
    float* ht = out + t * ldo_t;
    gates(p, s.gi.data() + t * B * GH, s.gh.data(), GH, h, c, ht, ldo_b, c, B, H);
    for (size_t b = 0; b < B; ++b)
      for (size_t j = 0; j < H; ++j) h[b * H + j] = ht[b * ldo_b + j];
  }
}

void run_rnn_cell(const DynamicRnnCellParams& p, const float* x, size_t B, const float* h, const float* c,
                  float* h_out, float* c_out, RequantFormula formula, RnnScratch& s) {
  const size_t H = static_cast<size_t>(p.hidden_size());
  const size_t GH = static_cast<size_t>(p.ih().out_features());
  s.gi.resize(B * GH);
  s.gh.resize(B * GH);
  p.ih().run(x, B, s.gi.data(), GH, kReduceRange, formula, s.lin);
  p.hh().run(h, B, s.gh.data(), GH, kReduceRange, formula, s.lin);
  gates(p, s.gi.data(), s.gh.data(), GH, h, c, h_out, H, c_out, B, H);
}

}  // namespace qjit
