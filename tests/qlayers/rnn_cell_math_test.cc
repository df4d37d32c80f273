// The recurrent gate math: every path bit-exact to the scalar one (whole vector blocks and tails, large and tiny
// gate values, aliased state buffers), and the written-out sigmoid / tanh within 2e-7 of the C library's.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "qlayers/rnn_cell_math.h"
#include "qlayers/rnn_gate_activations.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

std::vector<float> values(size_t n, float scale, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng) * scale;
  return v;
}

TEST(RnnCellMath, SigmoidAndTanhAreWithin2e7OfTheCLibrary) {
  for (float x = -30.0f; x <= 30.0f; x += 0.001953125f) {
    ASSERT_NEAR(rnn_math::sigmoid(x), 1.0 / (1.0 + std::exp(-double{x})), 2e-7) << x;
    ASSERT_NEAR(rnn_math::tanh(x), std::tanh(double{x}), 2e-7) << x;
  }
  for (float x : {1e-6f, -1e-6f, 1e-30f}) EXPECT_NEAR(rnn_math::tanh(x) / x, 1.0, 1e-6) << x;
  EXPECT_EQ(rnn_math::sigmoid(200.0f), 1.0f);
  EXPECT_LT(rnn_math::sigmoid(-200.0f), 1e-37f);
  EXPECT_EQ(rnn_math::tanh(50.0f), 1.0f);
  EXPECT_EQ(rnn_math::tanh(-50.0f), -1.0f);
}

TEST(RnnCellMath, EveryPathIsBitExactToScalarForLstmGruAndRnnGates) {
  for (size_t H : {1u, 7u, 8u, 13u, 64u}) {
    for (float scale : {0.5f, 4.0f, 60.0f}) {
      const size_t B = 3, G4 = 4 * H, ldh = 2 * H + 1;
      const auto gi = values(B * G4, scale, 1), gh = values(B * G4, scale, 2), c0 = values(B * H, scale, 3);
      const auto h0 = values(B * H, 1.0f, 4);
      std::vector<float> ref_h(B * ldh), ref_c = c0, ref_g(B * ldh), ref_r(B * ldh), ref_relu(B * ldh);
      lstm_cell_gates(gi.data(), gh.data(), G4, ref_c.data(), ref_h.data(), ldh, ref_c.data(), B, H, Isa::scalar);
      gru_cell_gates(gi.data(), gh.data(), G4, h0.data(), ref_g.data(), ldh, B, H, Isa::scalar);
      rnn_cell_gates(gi.data(), gh.data(), G4, false, ref_r.data(), ldh, B, H, Isa::scalar);
      rnn_cell_gates(gi.data(), gh.data(), G4, true, ref_relu.data(), ldh, B, H, Isa::scalar);
      testing::for_each_isa([&](Isa isa) {
        SCOPED_TRACE("H=" + std::to_string(H) + " scale=" + std::to_string(scale));
        std::vector<float> h(B * ldh), c = c0, g(B * ldh), r(B * ldh), relu(B * ldh);
        lstm_cell_gates(gi.data(), gh.data(), G4, c.data(), h.data(), ldh, c.data(), B, H, isa);
        gru_cell_gates(gi.data(), gh.data(), G4, h0.data(), g.data(), ldh, B, H, isa);
        rnn_cell_gates(gi.data(), gh.data(), G4, false, r.data(), ldh, B, H, isa);
        rnn_cell_gates(gi.data(), gh.data(), G4, true, relu.data(), ldh, B, H, isa);
        for (size_t i = 0; i < B * ldh; ++i) {
          if (i % ldh >= H) continue;  // row padding is not written
          ASSERT_EQ(h[i], ref_h[i]) << "lstm h " << i;
          ASSERT_EQ(g[i], ref_g[i]) << "gru h " << i;
          ASSERT_EQ(r[i], ref_r[i]) << "rnn tanh " << i;
          ASSERT_EQ(relu[i], ref_relu[i]) << "rnn relu " << i;
        }
        EXPECT_EQ(c, ref_c);
      });
    }
  }
}

}  // namespace
}  // namespace qjit
