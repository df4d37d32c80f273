// The weights of one dynamic quantized recurrent cell (one layer and direction of an LSTM / GRU, or a cell module):
// the input-side and hidden-side gate matrices, each a packed dynamic linear with its float bias inside, as PyTorch's
// QuantizedCellParamsDynamic holds them, and the recurrence over a sequence built on them.
//
// As ATen does on CPU, a sequence run computes the input side for all time steps in one dynamic linear (one set of
// activation parameters for the whole [T * B, input] block), then per step the hidden side (parameters from that
// step's h) and the gate math (qlayers/rnn_cell_math.h). Every gate GEMM quantizes its activation with
// reduce_range = true, as PyTorch's modules ask (honoured by onednn, ignored by qnnpack).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "qlayers/dynamic_linear_packed_params.h"
#include "qlayers/tensor.h"

namespace qjit {

enum class RnnMode { rnn_tanh, rnn_relu, lstm, gru };
// Gates per hidden unit: LSTM 4, GRU 3, plain RNN 1.
int64_t rnn_gate_count(RnnMode mode);
const char* rnn_mode_name(RnnMode mode);  // "LSTM", "GRU", "RNN_TANH", "RNN_RELU"

class DynamicRnnCellParams {
 public:
  // w_ih [G * hidden, input], w_hh [G * hidden, hidden]: qint8 (per tensor or per channel on axis 0) when dtype is
  // qint8, float32 (stored as halves) when dtype is float16. Biases float32 [G * hidden] or both undefined.
  // `fn` names the caller in errors.
  DynamicRnnCellParams(std::string_view fn, RnnMode mode, int64_t input_size, int64_t hidden_size, DType dtype,
                       const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh);

  RnnMode mode() const { return mode_; }
  int64_t input_size() const { return ih_.in_features(); }
  int64_t hidden_size() const { return ih_.out_features() / rnn_gate_count(mode_); }
  const DynamicLinearPackedParams& ih() const { return ih_; }
  const DynamicLinearPackedParams& hh() const { return hh_; }

  // Packed params built from blobs (deserialization); shapes are checked against mode / sizes.
  DynamicRnnCellParams(std::string_view fn, RnnMode mode, DynamicLinearPackedParams ih, DynamicLinearPackedParams hh);

 private:
  RnnMode mode_;
  DynamicLinearPackedParams ih_, hh_;
};

// Reused buffers of a recurrence.
struct RnnScratch {
  std::vector<float> gi, gh;
  DynamicLinearScratch lin;
};

// One direction over a sequence: x is T x B x input (dense), out gets h of each step at out + t * ldo_t + b * ldo_b
// (row of H floats); h (B x H) and, for LSTM, c (B x H) hold the initial state and receive the final one. reverse
// walks t from T - 1 down to 0.
void run_rnn_direction(const DynamicRnnCellParams& p, const float* x, size_t T, size_t B, float* out, size_t ldo_t,
                       size_t ldo_b, float* h, float* c, bool reverse, RequantFormula formula, RnnScratch& scratch);

// One step of a cell (the cell modules): x B x input, h B x H (and c), results into h_out (and c_out).
void run_rnn_cell(const DynamicRnnCellParams& p, const float* x, size_t B, const float* h, const float* c,
                  float* h_out, float* c_out, RequantFormula formula, RnnScratch& scratch);

}  // namespace qjit
