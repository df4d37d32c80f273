// Groupwise convolution with few channels per group: qjit's direct groupwise kernel (kernels/groupwise.h, what
// conv() runs for these shapes) against qjit's grouped_im2col path (conv_using; what conv() ran for them before: per block of
// output pixels and group, an im2col of C/G channels x taps and a GEMM with N = OC/G columns), in GOPS
// (2 * output pixels * OC * K per call), batch 1, NHWC, u8 out requantized per channel, one thread.
//
// Layers: gconv3x3_g32_128_56 (ResNeXt: C = OC = 128, 56x56, 3x3, pad 1, G = 32, 4 channels per group, as in
// /work/shared/bench/conv_layers.txt) and variants: G = 64 with 2 channels, G = 16 with 8, G = 8 with 16, and
// the G = 32 layer at stride 2. Names read <impl>/<layer>. Rates come from the CPU time of the calling thread
// (one-thread work; on this shared machine wall time also counts time descheduled by other work).
// The oneDNN line of these layers belongs to bench_conv (the 35-layer qjit-vs-oneDNN suite), not here.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "jit/cpu.h"
#include "kernels/conv.h"
#include "kernels/groupwise.h"

namespace {

using namespace qjit;

struct Layer {
  const char* name;
  int64_t c, hw, k, stride, groups;
};

constexpr Layer kLayers[] = {
    {"gconv3x3_g32_128_56", 128, 56, 3, 1, 32},
    {"gconv3x3_g64_128_56", 128, 56, 3, 1, 64},
    {"gconv3x3_g16_128_56", 128, 56, 3, 1, 16},
    {"gconv3x3_g8_128_56", 128, 56, 3, 1, 8},
    {"gconv3x3_g32_128_56_s2", 128, 56, 3, 2, 32},
};

struct Problem {
  ConvDesc d;
  std::vector<uint8_t> x, y;
  std::vector<float> mult;
  OutputStage out;
  PackedConvWeights w;
  double ops;

  static ConvDesc make_desc(const Layer& l) {
    ConvDesc d;
    d.in_channels = d.out_channels = l.c;
    d.groups = l.groups;
    d.input = {1, l.hw, l.hw};
    d.kernel = {1, l.k, l.k};
    d.stride = {1, l.stride, l.stride};
    d.padding = {0, l.k / 2, l.k / 2};
    d.validate("bench");
    return d;
  }
  static std::vector<int8_t> random_weights(const ConvDesc& d) {
    std::mt19937 rng(7);
    std::vector<int8_t> w(d.weight_shape().elements());
    for (auto& v : w) v = static_cast<int8_t>(rng());
    return w;
  }
  static WeightQParams qparams(size_t oc) {
    WeightQParams q;
    q.scales.assign(oc, 0.01);
    q.zero_points.assign(oc, 0);
    return q;
  }

  explicit Problem(const Layer& l)
      : d(make_desc(l)),
        w(d.weight_shape(), random_weights(d).data(), qparams(static_cast<size_t>(l.c)), nullptr, max_isa()) {
    std::mt19937 rng(3);
    x.resize(d.input_pixels() * static_cast<size_t>(l.c));
    for (auto& v : x) v = static_cast<uint8_t>(rng());
    y.resize(d.output_pixels() * static_cast<size_t>(l.c));
    mult.assign(static_cast<size_t>(l.c), 1e-3f);
    out = requantize_stage(OutputKind::u8, RequantFormula::onednn, mult.data(), true, 5);
    ops = 2.0 * static_cast<double>(d.output_pixels()) * static_cast<double>(l.c) *
          static_cast<double>(d.weight_shape().K());
  }
};

constexpr int32_t kXZeroPoint = 43;

void run(benchmark::State& state, const Layer& l, bool groupwise) {
  Problem p(l);
  const Exec exec{max_isa(), nullptr, 1};
  if (groupwise && (conv_algorithm(p.d) != ConvAlgorithm::groupwise || !p.w.groupwise())) {
    state.SkipWithError("not routed to the groupwise kernel");
    return;
  }
  for (auto _ : state) {
    if (groupwise)
      conv(p.d, p.x.data(), kXZeroPoint, p.w, p.y.data(), p.out, exec);
    else
      conv_using(ConvAlgorithm::grouped_im2col, p.d, p.x.data(), kXZeroPoint, p.w, p.y.data(), p.out, exec);
    benchmark::DoNotOptimize(p.y.data());
    benchmark::ClobberMemory();
  }
  state.counters["GOPS"] = benchmark::Counter(p.ops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

const bool registered = [] {
  for (const Layer& l : kLayers) {
    benchmark::RegisterBenchmark((std::string("qjit_groupwise/") + l.name).c_str(),
                                 [l](benchmark::State& s) { run(s, l, true); })->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string("qjit_grouped_im2col/") + l.name).c_str(),
                                 [l](benchmark::State& s) { run(s, l, false); })->Unit(benchmark::kMicrosecond);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
