// The element-wise gate math of PyTorch's recurrent cells (ATen RNN.cpp SimpleCell / LSTMCell / GRUCell), in float,
// over B rows of H hidden units. Gate pre-activations come as two GEMM outputs, `gi` (input side, W_ih x + b_ih)
// and `gh` (hidden side, W_hh h + b_hh), each row holding the gates in PyTorch's order:
//   LSTM [i | f | g | o] (4H):  c' = sigmoid(f) * c + sigmoid(i) * tanh(g),  h' = sigmoid(o) * tanh(c')
//   GRU  [r | z | n] (3H):      r = sigmoid(gh_r + gi_r), z = sigmoid(gh_z + gi_z), n = tanh(gi_n + gh_n * r),
//                               h' = (h - n) * z + n
//   RNN  (H):                   h' = tanh(gh + gi) or relu(gh + gi)
// with each gate sum formed as ATen forms it (gh + gi) and no fused multiply-add, so results follow ATen's float
// operations one by one; sigmoid and tanh are qlayers/rnn_gate_activations.h (within about 1e-7 of ATen's SLEEF
// versions). The AVX2 path (isa >= avx2) computes the same operations eight units at a time: bit-exact to the
// scalar one.
// Rows of gi / gh have stride ldg; h, c and the outputs are dense B x H, except h_out, which has row stride ldh
// (so a step can write straight into a sequence output). h_out may alias h, c_out may alias c.
#pragma once

#include <cstddef>

#include "jit/cpu.h"

namespace qjit {

void lstm_cell_gates(const float* gi, const float* gh, size_t ldg, const float* c, float* h_out, size_t ldh,
                     float* c_out, size_t B, size_t H, Isa isa = max_isa());
void gru_cell_gates(const float* gi, const float* gh, size_t ldg, const float* h, float* h_out, size_t ldh, size_t B,
                    size_t H, Isa isa = max_isa());
void rnn_cell_gates(const float* gi, const float* gh, size_t ldg, bool relu, float* h_out, size_t ldh, size_t B,
                    size_t H, Isa isa = max_isa());

}  // namespace qjit
