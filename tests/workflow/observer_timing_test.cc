// Forward time of HistogramObserver against MinMaxObserver on a 1M-element float tensor (the histogram forward
// should stay within about 2x of the min/max one). Prints only, asserts nothing about time: run it with
//   qjit_tests --gtest_also_run_disabled_tests --gtest_filter='ObserverTiming.*'
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "base/threadpool.h"
#include "workflow/histogram_observer.h"
#include "workflow/minmax_observer.h"

namespace qjit {
namespace {

// Fastest of `reps` timed forwards over `inputs` (cycled), after a warm-up pass: the minimum rather than the
// median, because a shared machine deschedules us at random.
double best_us(ObserverBase& obs, const std::vector<Tensor>& inputs, int reps) {
  for (const Tensor& x : inputs) obs.forward(x);
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const Tensor& x = inputs[static_cast<size_t>(r) % inputs.size()];
    const auto a = std::chrono::steady_clock::now();
    obs.forward(x);
    const auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::micro>(b - a).count());
  }
  return *std::min_element(t.begin(), t.end());
}

TEST(ObserverTiming, DISABLED_HistogramVsMinMaxForward1M) {
  constexpr int64_t n = 1 << 20;
  std::mt19937 gen(7);
  std::normal_distribution<float> dist(0.0f, 1.5f);
  // One tensor (stays in cache between calls) and 16 tensors of 4 MB each (64 MB: read from memory), on one thread
  // and on the default pool.
  const int pool_threads = get_num_threads();
  for (int threads : {1, pool_threads})
  for (int ntensors : {1, 16}) {
    set_num_threads(threads);
    std::vector<Tensor> inputs;
    for (int k = 0; k < ntensors; ++k) {
      Tensor x = empty({n});
      float* p = x.data_ptr<float>();
      for (int64_t i = 0; i < n; ++i) p[i] = dist(gen);
      inputs.push_back(x);
    }
    MinMaxObserver minmax;
    HistogramObserver hist;
    const double t_minmax = best_us(minmax, inputs, 200);
    const double t_hist = best_us(hist, inputs, 200);
    std::printf("1M floats, %d thread(s), %2d distinct input(s): MinMaxObserver %8.1f us, HistogramObserver %8.1f us "
                "(%.2fx)\n", threads, ntensors, t_minmax, t_hist, t_hist / t_minmax);
    const auto a = std::chrono::steady_clock::now();
    hist.calculate_qparams();
    const auto b = std::chrono::steady_clock::now();
    std::printf("  HistogramObserver::calculate_qparams %.1f us\n",
                std::chrono::duration<double, std::micro>(b - a).count());
  }
  set_num_threads(pool_threads);
}

}  // namespace
}  // namespace qjit
