// Observer forward time: HistogramObserver (default arguments: 2048 bins, upsample_rate 128) against
// MinMaxObserver on 1M-element float32 tensors drawn from N(0, 1.5) with a fixed seed. The target of the issue is
// HistogramObserver <= 2x MinMaxObserver per forward; the `ratio` lines give that quotient directly.
//
// Names read <observer>/<case>/threads:<n>, where n = 1 pins qjit's default pool to one thread and n = 2 is the
// default pool of this 2-core machine. Cases:
//  - first:   the first forward of a fresh observer (reset() outside the timed region). MinMaxObserver has no
//             separate first-call path; HistogramObserver reads the input twice (min/max first: histc's range
//             int(min)..int(max) is unknown before it).
//  - grow:    later forwards whose range grows a little on every call (each tensor is the one before scaled by
//             1.01), so every call runs _combine_histograms' upsample / shift / downsample path, as PyTorch's
//             observer does while calibration data widens the range. Each cycle of kSequence calls starts from a
//             reset observer fed the first tensor outside the timed region.
//  - steady:  forwards over the same kSequence tensors cycled after a warm-up cycle: the range has stopped
//             growing (the combine path runs only when float32 rounding of _adjust_min_max moves the max).
//  - hot:     one tensor observed again and again: it stays in the 32 MiB L3 (the 8 tensors of the other cases,
//             32 MiB together, come mostly from DRAM). MinMaxObserver is at its fastest here, so this is the
//             ratio's worst case.
// Counter `combine` is the fraction of timed calls that changed the histogram's range (combine path taken).
// Times are wall clock (UseRealTime), the only measure of a call that may run on the pool.
//
// The `ratio` benchmarks time the same calls for both observers, interleaved per iteration (MinMax then
// Histogram, same tensor), and report counter ratio = histogram time / minmax time of the iteration's sums: both
// observers see the same machine load, which on this shared machine moves more than the ratio does.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/threadpool.h"
#include "qlayers/tensor.h"
#include "workflow/histogram_observer.h"
#include "workflow/minmax_observer.h"

namespace {

using qjit::HistogramObserver;
using qjit::MinMaxObserver;
using qjit::ObserverBase;
using qjit::Tensor;

constexpr int64_t kElements = int64_t{1} << 20;
constexpr int kSequence = 8;
constexpr float kGrowth = 1.01f;

// kSequence tensors: one draw of N(0, 1.5) (seed 7) scaled by kGrowth^k in tensor k, so that both ends of the
// range grow on every step of the sequence; separate buffers, so each call reads its own 4 MiB.
const std::vector<Tensor>& inputs() {
  static const std::vector<Tensor> xs = [] {
    std::mt19937 gen(7);
    std::normal_distribution<float> dist(0.0f, 1.5f);
    std::vector<Tensor> v;
    float scale = 1.0f;
    std::vector<float> base(static_cast<size_t>(kElements));
    for (float& b : base) b = dist(gen);
    for (int k = 0; k < kSequence; ++k, scale *= kGrowth) {
      Tensor x = qjit::empty({kElements});
      float* p = x.data_ptr<float>();
      for (int64_t i = 0; i < kElements; ++i) p[i] = scale * base[static_cast<size_t>(i)];
      v.push_back(x);
    }
    return v;
  }();
  return xs;
}

enum class Case { first, grow, steady, hot };

std::unique_ptr<ObserverBase> make(bool histogram) {
  if (histogram) return std::make_unique<HistogramObserver>();
  return std::make_unique<MinMaxObserver>();
}

// The range of a histogram observer (a MinMaxObserver has no combine path: 0 / 0 never counts).
std::pair<float, float> range_of(const ObserverBase& o) {
  if (const auto* h = dynamic_cast<const HistogramObserver*>(&o)) return {h->min_val(), h->max_val()};
  return {0.0f, 0.0f};
}

// Brings `obs` to the state before the timed call of iteration `it` and returns the tensor that call observes.
const Tensor& prepare(ObserverBase& obs, Case c, int64_t it) {
  const auto& xs = inputs();
  switch (c) {
    case Case::first:
      obs.reset();
      return xs[static_cast<size_t>(it % kSequence)];
    case Case::grow: {
      // Timed calls see tensors 1 .. kSequence-1 of a cycle; tensor 0 starts it untimed.
      const int64_t k = 1 + it % (kSequence - 1);
      if (k == 1) {
        obs.reset();
        obs.forward(xs[0]);
      }
      return xs[static_cast<size_t>(k)];
    }
    case Case::steady:
      return xs[static_cast<size_t>(it % kSequence)];
    case Case::hot:
      return xs[0];
  }
  return xs[0];
}

void warm_up(ObserverBase& obs, Case c) {
  if (c == Case::steady || c == Case::hot)
    for (const Tensor& x : inputs()) obs.forward(c == Case::hot ? inputs()[0] : x);
}

// Untimed set-up that google benchmark cannot pause around cheaply is done with PauseTiming: the set-up is a
// reset() or one forward, the timed call ~0.1-1 ms, so the pause's own cost (~1 us) stays small.
void observer_forward(benchmark::State& state, bool histogram, Case c) {
  const int threads = static_cast<int>(state.range(0));
  const int pool = qjit::get_num_threads();
  qjit::set_num_threads(threads);
  auto obs = make(histogram);
  warm_up(*obs, c);
  int64_t it = 0, changed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const Tensor& x = prepare(*obs, c, it++);
    const auto before = range_of(*obs);
    state.ResumeTiming();
    benchmark::DoNotOptimize(obs->forward(x));
    state.PauseTiming();
    if (c != Case::first && range_of(*obs) != before) ++changed;
    state.ResumeTiming();
  }
  state.counters["combine"] = it ? static_cast<double>(changed) / static_cast<double>(it) : 0.0;
  state.SetItemsProcessed(state.iterations() * kElements);
  qjit::set_num_threads(pool);
}

// Both observers on the same tensor in one iteration; manual time = the histogram's call, counter ratio =
// sum(histogram) / sum(minmax) over the run.
void observer_ratio(benchmark::State& state, Case c) {
  using clock = std::chrono::steady_clock;
  const int threads = static_cast<int>(state.range(0));
  const int pool = qjit::get_num_threads();
  qjit::set_num_threads(threads);
  auto mm = make(false), hist = make(true);
  warm_up(*mm, c);
  warm_up(*hist, c);
  int64_t it = 0;
  double t_mm = 0, t_hist = 0;
  for (auto _ : state) {
    const int64_t k = it++;
    const Tensor& xm = prepare(*mm, c, k);
    const Tensor& xh = prepare(*hist, c, k);
    const auto a = clock::now();
    benchmark::DoNotOptimize(mm->forward(xm));
    const auto b = clock::now();
    benchmark::DoNotOptimize(hist->forward(xh));
    const auto d = clock::now();
    const double m = std::chrono::duration<double>(b - a).count(), h = std::chrono::duration<double>(d - b).count();
    t_mm += m;
    t_hist += h;
    state.SetIterationTime(h);
  }
  state.counters["minmax_us"] = it ? 1e6 * t_mm / static_cast<double>(it) : 0.0;
  state.counters["ratio"] = t_mm > 0 ? t_hist / t_mm : 0.0;
  qjit::set_num_threads(pool);
}

void thread_args(benchmark::internal::Benchmark* b) {
  b->ArgName("threads")->Arg(1);
  if (qjit::get_num_threads() > 1) b->Arg(qjit::get_num_threads());
  b->Unit(benchmark::kMicrosecond);
}

void register_all() {
  const std::pair<const char*, Case> cases[] = {
      {"first", Case::first}, {"grow", Case::grow}, {"steady", Case::steady}, {"hot", Case::hot}};
  for (const auto& [name, c] : cases) {
    const std::string n = name;
    benchmark::RegisterBenchmark(("MinMaxObserver/" + n).c_str(), observer_forward, false, c)
        ->Apply(thread_args)->UseRealTime();
    benchmark::RegisterBenchmark(("HistogramObserver/" + n).c_str(), observer_forward, true, c)
        ->Apply(thread_args)->UseRealTime();
    benchmark::RegisterBenchmark(("ratio/" + n).c_str(), observer_ratio, c)->Apply(thread_args)->UseManualTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
