// Quantized transposed convolution (kernels/conv_transpose.h) on decoder-style layers, batch 1, one thread:
// u8 NHWC input (zero point 43), s8 symmetric per-channel weights, u8 output with float bias, weights packed
// outside the timed region (the phase split of a strided layer is packed by the first, untimed call).
//
// GOPS count the useful multiply-adds only: 2 * input pixels * C * OC/G * taps (each input pixel meets each tap
// once), whatever the algorithm runs. The label is the algorithm conv_transpose() chose. Times are CPU time of the
// calling thread (the machine is shared).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/conv_transpose.h"

namespace {

using namespace qjit;

struct Layer {
  const char* name;
  int64_t c, oc, h, w, k, s, p, op;
};

// DCGAN / U-Net style upsampling layers and one stride-1 layer for comparison.
const Layer kLayers[] = {
    {"dcgan_256_128_k4s2_8", 256, 128, 8, 8, 4, 2, 1, 0},
    {"dcgan_128_64_k4s2_16", 128, 64, 16, 16, 4, 2, 1, 0},
    {"unet_64_32_k2s2_56", 64, 32, 56, 56, 2, 2, 0, 0},
    {"decoder_64_64_k3s2_28", 64, 64, 28, 28, 3, 2, 1, 1},
    {"same_64_64_k3s1_28", 64, 64, 28, 28, 3, 1, 1, 0},
};

void run(benchmark::State& state, const Layer& L) {
  ConvTransposeDesc d;
  d.spatial_dims = 2;
  d.in_channels = L.c;
  d.out_channels = L.oc;
  d.input = {1, L.h, L.w};
  d.kernel = {1, L.k, L.k};
  d.stride = {1, L.s, L.s};
  d.padding = {0, L.p, L.p};
  d.output_padding = {0, L.op, L.op};
  std::mt19937 rng(7);
  std::normal_distribution<float> gauss(0.f, 40.f);
  ConvTransposeWeightShape ws = d.weight_shape();
  std::vector<int8_t> w(ws.elements());
  for (auto& v : w) v = static_cast<int8_t>(std::clamp(gauss(rng), -127.f, 127.f));
  std::vector<double> scales(static_cast<size_t>(L.oc), 0.01);
  std::vector<float> bias(static_cast<size_t>(L.oc), 0.5f), mult(static_cast<size_t>(L.oc), 0.002f);
  const PackedConvTransposeWeights packed(ws, w.data(), WeightQParams{scales, {0}});
  std::vector<uint8_t> x(d.input_pixels() * static_cast<size_t>(L.c));
  for (auto& v : x) v = static_cast<uint8_t>(rng());
  std::vector<uint8_t> y(d.output_pixels() * static_cast<size_t>(L.oc));
  OutputStage out;
  out.kind = OutputKind::u8;
  out.per_channel = true;
  out.multiplier = mult.data();
  out.bias_f = bias.data();
  out.zero_point = 5;
  const Exec exec{max_isa(), nullptr, 1};
  conv_transpose(d, x.data(), 43, packed, y.data(), out, exec);  // packs the phases of a strided layer
  for (auto _ : state) {
    conv_transpose(d, x.data(), 43, packed, y.data(), out, exec);
    benchmark::ClobberMemory();
  }
  const double ops = 2.0 * static_cast<double>(d.input_pixels()) * static_cast<double>(L.c * L.oc * L.k * L.k);
  state.counters["GOPS"] = benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(conv_transpose_algorithm_name(conv_transpose_algorithm(d)));
}

}  // namespace

int main(int argc, char** argv) {
  for (const Layer& L : kLayers) benchmark::RegisterBenchmark(L.name, [&L](benchmark::State& s) { run(s, L); });
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
