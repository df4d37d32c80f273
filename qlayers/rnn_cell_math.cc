#include "qlayers/rnn_cell_math.h"

#include <cmath>

namespace qjit {
namespace {

// ATen's float sigmoid: 1 / (1 + exp(-x)).
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

void lstm_cell_gates(const float* gi, const float* gh, size_t ldg, const float* c, float* h_out, size_t ldh,
                     float* c_out, size_t B, size_t H) {
  for (size_t b = 0; b < B; ++b) {
    const float* xi = gi + b * ldg;
    const float* hi = gh + b * ldg;
    for (size_t j = 0; j < H; ++j) {
      const float ig = sigmoid(hi[j] + xi[j]);
      const float fg = sigmoid(hi[H + j] + xi[H + j]);
      const float gg = std::tanh(hi[2 * H + j] + xi[2 * H + j]);
      const float og = sigmoid(hi[3 * H + j] + xi[3 * H + j]);
      // Two rounded products, then the sum, as ATen's (f * cx).add_(i * g) (a baseline x86-64 build has no FMA
      // to contract them into).
      const float fc = fg * c[b * H + j];
      const float ic = ig * gg;
      const float cy = fc + ic;
      c_out[b * H + j] = cy;
      h_out[b * ldh + j] = og * std::tanh(cy);
    }
  }
}

void gru_cell_gates(const float* gi, const float* gh, size_t ldg, const float* h, float* h_out, size_t ldh, size_t B,
                    size_t H) {
  for (size_t b = 0; b < B; ++b) {
    const float* xi = gi + b * ldg;
    const float* hi = gh + b * ldg;
    for (size_t j = 0; j < H; ++j) {
      const float r = sigmoid(hi[j] + xi[j]);
      const float z = sigmoid(hi[H + j] + xi[H + j]);
      const float hn = hi[2 * H + j] * r;
      const float n = std::tanh(xi[2 * H + j] + hn);
      const float hv = h[b * H + j];
      const float d = (hv - n) * z;
      h_out[b * ldh + j] = d + n;
    }
  }
}

void rnn_cell_gates(const float* gi, const float* gh, size_t ldg, bool relu, float* h_out, size_t ldh, size_t B,
                    size_t H) {
  for (size_t b = 0; b < B; ++b) {
    const float* xi = gi + b * ldg;
    const float* hi = gh + b * ldg;
    for (size_t j = 0; j < H; ++j) {
      const float v = hi[j] + xi[j];
      h_out[b * ldh + j] = relu ? (v > 0.0f ? v : (std::isnan(v) ? v : 0.0f)) : std::tanh(v);
    }
  }
}

}  // namespace qjit
