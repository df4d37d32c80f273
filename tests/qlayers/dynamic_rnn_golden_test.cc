// The golden `rnn_dynamic` cases (PyTorch 1.13 quantize_dynamic of LSTM, GRU, LSTMCell, GRUCell, RNNCell with
// per-tensor qint8 weights) through the nnqd modules, per engine: within rtol 1e-5 (+ atol 1e-6) of the engine
// whose activation rule runs (onednn: reduce_range honoured; qnnpack: ignored), as the golden README recommends.
// The gate GEMMs are exact; the remaining differences are ATen's SLEEF sigmoid / tanh against the C library's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "qlayers/dynamic_rnn.h"
#include "qlayers/dynamic_rnn_cell.h"
#include "qlayers/engine.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

struct EngineCase {
  QEngine engine;
  const char* name;
};
constexpr EngineCase kEngines[] = {{QEngine::onednn, "onednn"}, {QEngine::qnnpack, "qnnpack"}};

double g_max_rel = 0;  // largest relative difference seen, printed for the record

void expect_close(const Tensor& got, const nlohmann::json& want_json, const std::string& what) {
  const Tensor want = test::golden_tensor(want_json);
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const auto g = test::tensor_floats(got), w = test::tensor_floats(want);
  for (size_t i = 0; i < g.size(); ++i) {
    const double tol = 1e-6 + 1e-5 * std::fabs(w[i]);
    ASSERT_NEAR(g[i], w[i], tol) << what << ", element " << i;
    if (std::fabs(w[i]) > 1e-3) g_max_rel = std::max(g_max_rel, std::fabs(double{g[i]} - w[i]) / std::fabs(double{w[i]}));
  }
}

Tensor opt_tensor(const nlohmann::json& j) { return j.is_null() ? Tensor() : test::golden_tensor(j); }

std::vector<nnqd::RNNLayerWeights> layer_weights(const nlohmann::json& c, int64_t layers, bool bidir) {
  const auto& qw = c["outputs"]["quantized_weights"];
  const auto& fp = c["inputs"]["float_params"];
  std::vector<nnqd::RNNLayerWeights> w;
  for (int64_t l = 0; l < layers; ++l)
    for (int d = 0; d < (bidir ? 2 : 1); ++d) {
      const std::string s = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      w.push_back({test::golden_tensor(qw["weight_ih" + s]), test::golden_tensor(qw["weight_hh" + s]),
                   test::golden_tensor(fp["bias_ih" + s]), test::golden_tensor(fp["bias_hh" + s])});
    }
  return w;
}

TEST(DynamicRnnGolden, EveryModuleMatchesEachEngineWithinRtol1e5) {
  const auto cases = test::load_golden_family("rnn_dynamic");
  ASSERT_EQ(cases.size(), 8u);
  size_t compared = 0;
  for (const auto& gc : cases) {
    SCOPED_TRACE(gc.name);
    const auto& c = gc.json;
    const std::string module = c["module"];
    const auto& kw = c["kwargs"];
    const auto& in = c["inputs"];
    const Tensor x = test::golden_tensor(in["x"]);
    const Tensor h0 = opt_tensor(in["h0"]), c0 = opt_tensor(in["c0"]);
    const int64_t I = kw["input_size"], H = kw["hidden_size"];
    for (const auto& e : kEngines) {
      EngineGuard g(e.engine);
      const auto& want = c["engines"][e.name];
      const std::string what = e.name;
      if (module == "nnqd.LSTM" || module == "nnqd.GRU") {
        const int64_t L = kw.value("num_layers", 1);
        const bool bidir = kw.value("bidirectional", false), bf = kw.value("batch_first", false);
        if (module == "nnqd.LSTM") {
          auto m = nnqd::LSTM::from_quantized(I, H, L, true, bf, 0.0, bidir, layer_weights(c, L, bidir));
          const auto [out, hc] = m->forward(x, std::make_pair(h0, c0));
          expect_close(out, want["output"], what + " output");
          expect_close(hc.first, want["h_n"], what + " h_n");
          expect_close(hc.second, want["c_n"], what + " c_n");
        } else {
          auto m = nnqd::GRU::from_quantized(I, H, L, true, bf, 0.0, bidir, layer_weights(c, L, bidir));
          const auto [out, h] = m->forward(x, h0);
          expect_close(out, want["output"], what + " output");
          expect_close(h, want["h_n"], what + " h_n");
        }
      } else {
        const auto& qw = c["outputs"]["quantized_weights"];
        const auto& fp = in["float_params"];
        const Tensor w_ih = test::golden_tensor(qw["weight_ih"]), w_hh = test::golden_tensor(qw["weight_hh"]);
        const Tensor b_ih = test::golden_tensor(fp["bias_ih"]), b_hh = test::golden_tensor(fp["bias_hh"]);
        if (module == "nnqd.LSTMCell") {
          const auto [h, cc] = nnqd::LSTMCell::from_quantized(w_ih, w_hh, b_ih, b_hh)->forward(x, std::make_pair(h0, c0));
          expect_close(h, want["h"], what + " h");
          expect_close(cc, want["c"], what + " c");
        } else if (module == "nnqd.GRUCell") {
          expect_close(nnqd::GRUCell::from_quantized(w_ih, w_hh, b_ih, b_hh)->forward(x, h0), want["h"], what + " h");
        } else {
          ASSERT_EQ(module, "nnqd.RNNCell");
          const std::string nl = kw.value("nonlinearity", "tanh");
          expect_close(nnqd::RNNCell::from_quantized(w_ih, w_hh, b_ih, b_hh, nl)->forward(x, h0), want["h"], what + " h");
        }
      }
      ++compared;
    }
  }
  EXPECT_EQ(compared, 16u);
  std::printf("rnn_dynamic: largest relative difference %.3g\n", g_max_rel);
}

}  // namespace
}  // namespace qjit
