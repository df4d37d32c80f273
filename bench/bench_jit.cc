// Code generation time: how long the JIT takes to emit one microkernel (the GEMM issue's "generating a microkernel
// < 1 ms"). Each iteration generates a fresh copy of one descriptor's code (generate() directly, bypassing the
// code cache that would return the first copy), for the GEMM tiles of every x86 ISA family (code for a path this
// CPU lacks is generated, not run), the depthwise and the groupwise kernels. The summary prints the slowest one.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "jit/depthwise_desc.h"
#include "jit/gemm_desc.h"
#include "jit/groupwise_desc.h"
#include "packing/gemm_layout.h"

namespace {

using namespace qjit;

template <class Desc>
void generate_loop(benchmark::State& state, Desc desc) {
  size_t bytes = 0;
  for (auto _ : state) {
    auto code = desc.generate();
    bytes = code->size();
    benchmark::DoNotOptimize(code.get());
  }
  state.counters["code_bytes"] = static_cast<double>(bytes);
}

GemmUkernelDesc gemm_desc(Isa isa, bool pairs_fit, int rows, OutputKind out, bool per_channel, int n_valid) {
  GemmUkernelDesc d;
  d.layout = gemm_layout(isa, pairs_fit, 1024);
  d.mr = static_cast<uint8_t>(rows > 0 ? rows : d.layout.mr);
  d.n_valid = static_cast<uint8_t>(n_valid);
  d.out = out;
  d.per_channel = per_channel;
  d.has_bias = out != OutputKind::s32;
  d.a_widened = d.layout.dot == DotKind::madd16;
  return d;
}

void register_all() {
  const Isa isas[] = {Isa::avx2, Isa::avx2_vnni, Isa::avx512, Isa::avx512_vnni};
  for (Isa isa : isas)
    for (bool pairs_fit : {true, false}) {
      if (!pairs_fit && (isa == Isa::avx2_vnni || isa == Isa::avx512_vnni)) continue;  // VNNI has one layout
      struct Variant {
        int rows;
        OutputKind out;
        bool per_channel;
        int n_valid;
      };
      for (const Variant v : {Variant{0, OutputKind::u8, true, 0}, Variant{0, OutputKind::s32, false, 0},
                              Variant{0, OutputKind::f32, true, 0}, Variant{1, OutputKind::u8, true, 5}}) {
        const GemmUkernelDesc d = gemm_desc(isa, pairs_fit, v.rows, v.out, v.per_channel, v.n_valid);
        benchmark::RegisterBenchmark(("gemm/" + d.name()).c_str(), [d](benchmark::State& s) { generate_loop(s, d); })
            ->Unit(benchmark::kMicrosecond);
      }
    }
  for (int taps : {9, 25, 49}) {
    DepthwiseDesc d;
    d.taps = static_cast<uint8_t>(taps);
    d.c_tail = 7;
    d.out = QType::u8;
    d.per_channel = true;
    d.has_bias = true;
    benchmark::RegisterBenchmark(("depthwise/" + d.name()).c_str(), [d](benchmark::State& s) { generate_loop(s, d); })
        ->Unit(benchmark::kMicrosecond);
  }
  for (int cg : {4, 16}) {
    GroupwiseDesc d;
    d.group_channels = static_cast<uint8_t>(cg);
    d.taps = 9;
    d.out = GroupwiseOut::u8;
    benchmark::RegisterBenchmark(("groupwise/" + d.name()).c_str(), [d](benchmark::State& s) { generate_loop(s, d); })
        ->Unit(benchmark::kMicrosecond);
  }
}

// Keeps the slowest generation (median over repetitions when they are run) for the summary line.
class SlowestReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      const double us = r.GetAdjustedRealTime();
      if (us > slowest_us_) {
        slowest_us_ = us;
        slowest_ = r.benchmark_name();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void print_summary() const {
    std::printf("\nslowest microkernel generation: %.1f us (%s); target < 1000 us\n", slowest_us_, slowest_.c_str());
  }

 private:
  double slowest_us_ = 0;
  std::string slowest_;
};

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  SlowestReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary();
  benchmark::Shutdown();
  return 0;
}
