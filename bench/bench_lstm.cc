// Dynamic quantized LSTM (nnqd.LSTM, qint8 weights per tensor, activations quantized per gate GEMM) against a float
// LSTM on OpenBLAS sgemm in the same process, on the anchor shape of ../shared/bench/ANCHORS.md: 2 layers, input and
// hidden 512, sequence 64, batch 1, one thread. PyTorch 1.13 (onednn engine) took 12.8-46.5 ms int8, 27.8-90.5 ms fp32.
//
// The float LSTM does what ATen's CPU LSTM does: per layer one sgemm for the input side of every step, then per step
// an sgemv for the hidden side and the same gate math (qlayers/rnn_cell_math.h), so the comparison isolates the
// int8 GEMMs and their on-the-fly activation quantization.
//
// Names: lstm/<impl>/L2_H512_T64_B1 with impl qjit_int8_onednn, qjit_int8_qnnpack (the engine's formulas),
// qjit_fp16 (fp16 weights), openblas_f32. Time: CPU time of the calling thread (the machine is shared).
// Before timing, the int8 output is checked against the float LSTM on the same (dequantized) weights.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "base/threadpool.h"
#include "qlayers/dynamic_rnn.h"
#include "qlayers/engine.h"
#include "qlayers/quantize.h"
#include "qlayers/rnn_cell_math.h"
#include "qlayers/tensor.h"

namespace {

using namespace qjit;

constexpr int64_t kLayers = 2, kInput = 512, kHidden = 512, kSeq = 64, kBatch = 1;

struct Model {
  std::vector<nnqd::RNNLayerWeights> q;  // qint8 weights, float biases
  std::vector<std::vector<float>> w_ih, w_hh, b_ih, b_hh;  // dequantized, for the float LSTM
  Tensor x;
};

const Model& model() {
  static const Model m = [] {
    Model m;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    auto rnd = [&](int64_t n, float scale) {
      std::vector<float> v(static_cast<size_t>(n));
      for (auto& e : v) e = u(rng) * scale;
      return v;
    };
    const float ws = 1.0f / std::sqrt(static_cast<float>(kHidden));
    for (int64_t l = 0; l < kLayers; ++l) {
      const int64_t in = l == 0 ? kInput : kHidden;
      const Tensor wih = from_vector(rnd(4 * kHidden * in, ws), {4 * kHidden, in});
      const Tensor whh = from_vector(rnd(4 * kHidden * kHidden, ws), {4 * kHidden, kHidden});
      const Tensor bih = from_vector(rnd(4 * kHidden, ws)), bhh = from_vector(rnd(4 * kHidden, ws));
      const Tensor qih = quantize_per_tensor(wih, ws / 127.0, 0, DType::qint8);
      const Tensor qhh = quantize_per_tensor(whh, ws / 127.0, 0, DType::qint8);
      m.q.push_back({qih, qhh, bih, bhh});
      auto vec = [](const Tensor& t) {
        const float* p = t.data_ptr<float>();
        return std::vector<float>(p, p + t.numel());
      };
      m.w_ih.push_back(vec(dequantize(qih)));
      m.w_hh.push_back(vec(dequantize(qhh)));
      m.b_ih.push_back(vec(bih));
      m.b_hh.push_back(vec(bhh));
    }
    m.x = from_vector(rnd(kSeq * kBatch * kInput, 1.0f), {kSeq, kBatch, kInput});
    return m;
  }();
  return m;
}

// The float LSTM on OpenBLAS: returns the last layer's output [T, B, H].
struct FloatLstm {
  std::vector<float> gi, gh, h, c, out, in;
  std::vector<float> run(const Model& m) {
    const size_t T = kSeq, B = kBatch, H = kHidden, G = 4 * H;
    in.assign(m.x.data_ptr<float>(), m.x.data_ptr<float>() + m.x.numel());
    for (int64_t l = 0; l < kLayers; ++l) {
      const size_t I = l == 0 ? kInput : kHidden;
      gi.resize(T * B * G);
      gh.resize(B * G);
      h.assign(B * H, 0.0f);
      c.assign(B * H, 0.0f);
      out.resize(T * B * H);
      for (size_t r = 0; r < T * B; ++r) std::copy(m.b_ih[l].begin(), m.b_ih[l].end(), gi.begin() + r * G);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(T * B), static_cast<int>(G),
                  static_cast<int>(I), 1.0f, in.data(), static_cast<int>(I), m.w_ih[l].data(), static_cast<int>(I), 1.0f,
                  gi.data(), static_cast<int>(G));
      for (size_t t = 0; t < T; ++t) {
        for (size_t b = 0; b < B; ++b) std::copy(m.b_hh[l].begin(), m.b_hh[l].end(), gh.begin() + b * G);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(B), static_cast<int>(G),
                    static_cast<int>(H), 1.0f, h.data(), static_cast<int>(H), m.w_hh[l].data(), static_cast<int>(H),
                    1.0f, gh.data(), static_cast<int>(G));
        lstm_cell_gates(gi.data() + t * B * G, gh.data(), G, c.data(), out.data() + t * B * H, H, c.data(), B, H);
        std::copy(out.begin() + t * B * H, out.begin() + (t + 1) * B * H, h.begin());
      }
      in = out;
    }
    return out;
  }
};

std::shared_ptr<nnqd::LSTM> int8_lstm() {
  static auto m = nnqd::LSTM::from_quantized(kInput, kHidden, kLayers, true, false, 0.0, false, model().q);
  return m;
}

std::shared_ptr<nnqd::LSTM> fp16_lstm() {
  static auto m = [] {
    auto f = std::make_shared<nnqd::LSTM>(kInput, kHidden, kLayers, true, false, 0.0, false, DType::float16);
    const Model& md = model();
    for (int64_t l = 0; l < kLayers; ++l) {
      const int64_t in = l == 0 ? kInput : kHidden;
      f->set_weight_bias(l, false, {from_vector(md.w_ih[l], {4 * kHidden, in}), from_vector(md.w_hh[l], {4 * kHidden, kHidden}),
                                    md.q[l].b_ih, md.q[l].b_hh});
    }
    return f;
  }();
  return m;
}

double max_abs_diff(const Tensor& a, const std::vector<float>& b) {
  const float* p = a.data_ptr<float>();
  double d = 0;
  for (size_t i = 0; i < b.size(); ++i) d = std::max(d, std::fabs(double{p[i]} - b[i]));
  return d;
}

void BM_qjit(benchmark::State& state, QEngine engine, bool fp16) {
  set_num_threads(1);
  EngineGuard g(engine);
  auto m = fp16 ? fp16_lstm() : int8_lstm();
  const Tensor& x = model().x;
  {
    FloatLstm ref;
    const double d = max_abs_diff(m->forward(x).first, ref.run(model()));
    state.counters["max_abs_diff_vs_f32"] = d;
    if (d > 0.1) state.SkipWithError("output differs from the float LSTM by more than 0.1");
  }
  for (auto _ : state) benchmark::DoNotOptimize(m->forward(x).first.data_ptr<float>());
}

void BM_openblas(benchmark::State& state) {
  openblas_set_num_threads(1);
  FloatLstm f;
  for (auto _ : state) benchmark::DoNotOptimize(f.run(model()).data());
}

}  // namespace

int main(int argc, char** argv) {
  const char* shape = "/L2_H512_T64_B1";
  benchmark::RegisterBenchmark((std::string("lstm/qjit_int8_onednn") + shape).c_str(), BM_qjit, QEngine::onednn, false)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((std::string("lstm/qjit_int8_qnnpack") + shape).c_str(), BM_qjit, QEngine::qnnpack, false)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((std::string("lstm/qjit_fp16") + shape).c_str(), BM_qjit, QEngine::onednn, true)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((std::string("lstm/openblas_f32") + shape).c_str(), BM_openblas)
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
