// Depthwise convolution: qjit's direct JIT kernel (kernels/depthwise.h, what conv() chooses) against qjit's
// general grouped path (grouped_im2col, through conv_using) on the same data, one thread, GOPS.
//
// Layers: the MobileNet-V2 depthwise layers of ../shared/bench/conv_layers.txt (mv2_dw_*, copied below), two small
// layers whose data stays in L1 (the kernel's own rate, plus the per-call overhead), layers with channel multiplier
// 2, and a few 3-d and 1-d depthwise layers. Configuration (that of bench/ANCHORS.md): batch
// 1, NHWC, u8 activations with zero point 43, s8 symmetric per-channel weights packed outside the timed region,
// float bias, u8 output with zero point 5 (onednn formula). GOPS = 2 * OC * output pixels * taps / time.
//
// Names read <impl>/<layer>: impl is depthwise (direct kernel) or grouped_im2col. Before the first timed call of
// each layer the two outputs are compared (both are exact, so they must be equal).
// Time: CPU time of the calling thread (the machine is shared: time spent descheduled is not counted).
//   nice ./build/bench/bench_depthwise --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "jit/cpu.h"
#include "kernels/conv.h"
#include "kernels/gemm_output.h"
#include "packing/packed_conv_weights.h"

namespace {

using namespace qjit;

struct Layer {
  const char* name;
  int dims;
  int64_t c, oc, d, h, w, k_d, k_h, k_w, stride, pad;
};

// name ic oc h w kh kw stride pad groups (conv_layers.txt): groups == ic.
const Layer kLayers[] = {
    {"mv2_dw_32_112", 2, 32, 32, 1, 112, 112, 1, 3, 3, 1, 1},
    {"mv2_dw_96_112_s2", 2, 96, 96, 1, 112, 112, 1, 3, 3, 2, 1},
    {"mv2_dw_144_56", 2, 144, 144, 1, 56, 56, 1, 3, 3, 1, 1},
    {"mv2_dw_144_56_s2", 2, 144, 144, 1, 56, 56, 1, 3, 3, 2, 1},
    {"mv2_dw_192_28", 2, 192, 192, 1, 28, 28, 1, 3, 3, 1, 1},
    {"mv2_dw_384_14", 2, 384, 384, 1, 14, 14, 1, 3, 3, 1, 1},
    {"mv2_dw_576_14", 2, 576, 576, 1, 14, 14, 1, 3, 3, 1, 1},
    {"mv2_dw_960_7", 2, 960, 960, 1, 7, 7, 1, 3, 3, 1, 1},
    // Small enough to stay in L1: the kernel's own rate.
    {"dw_l1_32_16", 2, 32, 32, 1, 16, 16, 1, 3, 3, 1, 1},
    {"dw_l1_64_16_5x5", 2, 64, 64, 1, 16, 16, 1, 5, 5, 1, 2},
    // Channel multiplier 2 (OC = 2 * C).
    {"dw_m2_32_112", 2, 32, 64, 1, 112, 112, 1, 3, 3, 1, 1},
    {"dw_m2_144_56", 2, 144, 288, 1, 56, 56, 1, 3, 3, 1, 1},
    {"dw_m2_384_14_5x5", 2, 384, 768, 1, 14, 14, 1, 5, 5, 1, 2},
    // 3-d (video) and 1-d (audio / sequence) depthwise.
    {"dw3d_64_8x28x28", 3, 64, 64, 8, 28, 28, 3, 3, 3, 1, 1},
    {"dw3d_128_4x14x14_s2", 3, 128, 128, 4, 14, 14, 3, 3, 3, 2, 1},
    {"dw1d_256_1000_k7", 1, 256, 256, 1, 1, 1000, 1, 1, 7, 1, 3},
};

ConvDesc desc_of(const Layer& l) {
  ConvDesc d;
  d.spatial_dims = l.dims;
  d.in_channels = d.groups = l.c;
  d.out_channels = l.oc;
  d.input = {l.d, l.h, l.w};
  d.kernel = {l.k_d, l.k_h, l.k_w};
  const int first = 3 - l.dims;
  for (int i = first; i < 3; ++i) {
    d.stride[static_cast<size_t>(i)] = l.stride;
    d.padding[static_cast<size_t>(i)] = l.pad;
  }
  d.validate("bench");
  return d;
}

struct Problem {
  ConvDesc d;
  std::vector<uint8_t> x, y;
  std::vector<float> mult, bias;
  PackedConvWeights w;
  OutputStage stage;

  static PackedConvWeights pack(const ConvDesc& d, std::mt19937& rng) {
    const ConvWeightShape s = d.weight_shape();
    std::vector<int8_t> w(s.elements());
    for (auto& v : w) v = static_cast<int8_t>(rng());
    WeightQParams q;
    q.scales.assign(s.out_channels, 0.01);
    q.zero_points.assign(s.out_channels, 0);
    return PackedConvWeights(s, w.data(), q, nullptr, max_isa());
  }

  explicit Problem(const Layer& l, std::mt19937 rng = std::mt19937(7))
      : d(desc_of(l)), w(pack(d, rng)) {
    const size_t OC = static_cast<size_t>(d.out_channels);
    x.resize(d.input_pixels() * static_cast<size_t>(d.in_channels));
    for (auto& v : x) v = static_cast<uint8_t>(rng());
    y.resize(d.output_pixels() * OC);
    mult.resize(OC);
    bias.resize(OC);
    for (size_t c = 0; c < OC; ++c) {
      mult[c] = 2e-4f + static_cast<float>(rng() % 100) * 1e-6f;
      bias[c] = static_cast<float>(static_cast<int>(rng() % 2001) - 1000);
    }
    stage = requantize_stage(OutputKind::u8, RequantFormula::onednn, mult.data(), true, 5);
    stage.bias_f = bias.data();
  }
  double ops() const {
    return 2.0 * static_cast<double>(d.output_pixels()) * static_cast<double>(d.out_channels) *
           static_cast<double>(d.kernel[0] * d.kernel[1] * d.kernel[2]);
  }
  void run(ConvAlgorithm a) { conv_using(a, d, x.data(), 43, w, y.data(), stage, Exec{max_isa(), nullptr, 1}); }
};

Problem& problem(const Layer& l) {
  static std::vector<std::unique_ptr<Problem>> cache(std::size(kLayers));
  const size_t i = static_cast<size_t>(&l - kLayers);
  if (!cache[i]) {
    cache[i] = std::make_unique<Problem>(l);
    Problem& p = *cache[i];
    p.run(ConvAlgorithm::grouped_im2col);
    const std::vector<uint8_t> want = p.y;
    p.run(ConvAlgorithm::depthwise);
    if (p.y != want) {
      std::fprintf(stderr, "%s: depthwise and grouped_im2col outputs differ\n", l.name);
      std::exit(1);
    }
  }
  return *cache[i];
}

void bench(benchmark::State& st, const Layer* l, ConvAlgorithm a) {
  Problem& p = problem(*l);
  for (auto _ : st) {
    p.run(a);
    benchmark::DoNotOptimize(p.y.data());
    benchmark::ClobberMemory();
  }
  st.counters["GOPS"] = benchmark::Counter(p.ops() * 1e-9 * static_cast<double>(st.iterations()),
                                           benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  for (const Layer& l : kLayers)
    for (ConvAlgorithm a : {ConvAlgorithm::depthwise, ConvAlgorithm::grouped_im2col})
      benchmark::RegisterBenchmark((std::string(conv_algorithm_name(a)) + "/" + l.name).c_str(), bench, &l, a)
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.2);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
