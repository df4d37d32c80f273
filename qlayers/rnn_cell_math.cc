#include "qlayers/rnn_cell_math.h"

#include <cmath>

#include "jit/isa_has_avx2.h"
#include "qlayers/rnn_gate_activations.h"

namespace qjit {
namespace detail {
// qlayers/rnn_cell_math_avx2.cc: units [0, H & ~7) of every row; the callers below do the rest.
void lstm_cell_gates_avx2(const float* gi, const float* gh, size_t ldg, const float* c, float* h_out, size_t ldh,
                          float* c_out, size_t B, size_t H);
void gru_cell_gates_avx2(const float* gi, const float* gh, size_t ldg, const float* h, float* h_out, size_t ldh,
                         size_t B, size_t H);
void rnn_cell_gates_avx2(const float* gi, const float* gh, size_t ldg, bool relu, float* h_out, size_t ldh, size_t B,
                         size_t H);
}  // namespace detail

namespace {

// The first unit the scalar loops start at: after the AVX2 kernel's whole blocks of 8, or 0.
size_t vector_units(Isa isa, size_t H) { return isa_has_avx2(isa) ? H & ~size_t{7} : 0; }

}  // namespace

void lstm_cell_gates(const float* gi, const float* gh, size_t ldg, const float* c, float* h_out, size_t ldh,
                     float* c_out, size_t B, size_t H, Isa isa) {
  const size_t j0 = vector_units(isa, H);
#if defined(__x86_64__)
  if (j0) detail::lstm_cell_gates_avx2(gi, gh, ldg, c, h_out, ldh, c_out, B, H);
#endif
  for (size_t b = 0; b < B; ++b) {
    const float* xi = gi + b * ldg;
    const float* hi = gh + b * ldg;
    for (size_t j = j0; j < H; ++j) {
      const float ig = rnn_math::sigmoid(hi[j] + xi[j]);
      const float fg = rnn_math::sigmoid(hi[H + j] + xi[H + j]);
      const float gg = rnn_math::tanh(hi[2 * H + j] + xi[2 * H + j]);
      const float og = rnn_math::sigmoid(hi[3 * H + j] + xi[3 * H + j]);
      // Two rounded products, then the sum, as ATen's (f * cx).add_(i * g) (a baseline x86-64 build has no FMA
      // to contract them into).
      const float fc = fg * c[b * H + j];
      const float ic = ig * gg;
      const float cy = fc + ic;
      c_out[b * H + j] = cy;
      h_out[b * ldh + j] = og * rnn_math::tanh(cy);
    }
  }
}

void gru_cell_gates(const float* gi, const float* gh, size_t ldg, const float* h, float* h_out, size_t ldh, size_t B,
                    size_t H, Isa isa) {
  const size_t j0 = vector_units(isa, H);
#if defined(__x86_64__)
  if (j0) detail::gru_cell_gates_avx2(gi, gh, ldg, h, h_out, ldh, B, H);
#endif
  for (size_t b = 0; b < B; ++b) {
    const float* xi = gi + b * ldg;
    const float* hi = gh + b * ldg;
    for (size_t j = j0; j < H; ++j) {
      const float r = rnn_math::sigmoid(hi[j] + xi[j]);
      const float z = rnn_math::sigmoid(hi[H + j] + xi[H + j]);
      const float hn = hi[2 * H + j] * r;
      const float n = rnn_math::tanh(xi[2 * H + j] + hn);
      const float d = (h[b * H + j] - n) * z;
      h_out[b * ldh + j] = d + n;
    }
  }
}

void rnn_cell_gates(const float* gi, const float* gh, size_t ldg, bool relu, float* h_out, size_t ldh, size_t B,
                    size_t H, Isa isa) {
  const size_t j0 = vector_units(isa, H);
#if defined(__x86_64__)
  if (j0) detail::rnn_cell_gates_avx2(gi, gh, ldg, relu, h_out, ldh, B, H);
#endif
  for (size_t b = 0; b < B; ++b) {
    const float* xi = gi + b * ldg;
    const float* hi = gh + b * ldg;
    for (size_t j = j0; j < H; ++j) {
      const float v = hi[j] + xi[j];
      // relu as max_ps(v, 0) lane-wise: v > 0 ? v : 0 (ATen's relu keeps NaN; gate sums of finite GEMMs are finite).
      h_out[b * ldh + j] = relu ? (v > 0.0f ? v : 0.0f) : rnn_math::tanh(v);
    }
  }
}

}  // namespace qjit
