// What the Google Benchmark suites of bench/ share: aligned buffers, the oneDNN engine, the warm-up before a timed
// loop, and a console reporter that keeps each benchmark's rate so that a suite can print a summary table of
// medians after the run. Header-only: each bench_<family>.cc is its own executable.
//
// Promises: buffers are 64-byte aligned and touched (no side of a comparison pays page faults the other avoids);
// the Collector's figures are medians over repetitions of the counter named by the suite ("GOPS" or "GHz").
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <dnnl.hpp>

#ifndef QJIT_BENCH_DATA_DIR
#define QJIT_BENCH_DATA_DIR "bench/data"
#endif

namespace qjit_bench {

template <class T>
struct FreeDeleter {
  void operator()(T* p) const { std::free(p); }
};
template <class T>
using Buffer = std::unique_ptr<T[], FreeDeleter<T>>;

template <class T>
Buffer<T> alloc(size_t n) {
  const size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
  Buffer<T> b(static_cast<T*>(std::aligned_alloc(64, bytes ? bytes : 64)));
  if (!b) {
    std::fprintf(stderr, "bench: out of memory (%zu bytes)\n", bytes);
    std::exit(1);
  }
  std::memset(b.get(), 0, bytes);
  return b;
}

// A data file of the suite: $env when set, else bench/data/<file> of the source tree.
inline std::string data_file(const char* env, const char* file) {
  const char* v = std::getenv(env);
  return v && *v ? std::string(v) : std::string(QJIT_BENCH_DATA_DIR "/") + file;
}

inline dnnl::engine& onednn_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

inline std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) + " (OpenMP)";
}

// Calls `call` for at least `ms` milliseconds (and 3 times).
template <class F>
void run_for(int ms, F&& call) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3 || std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(ms); ++i) call();
}

// Before a timed loop: 150 ms of calls the first time a benchmark (`key`) runs, since Google Benchmark calls the
// function again for each trial iteration count: the previous benchmark's library threads have stopped spinning
// and caches, TLB and the JIT are warm by then. 20 ms on the later calls.
template <class F>
void warm_up(const std::string& key, F&& call) {
  static std::string last_key;
  if (key != last_key) {
    last_key = key;
    run_for(150, call);
  } else {
    run_for(20, call);
  }
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline double geomean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += std::log(x);
  return std::exp(s / static_cast<double>(v.size()));
}

inline std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

// A console reporter that also keeps, per benchmark, the rate counter ("GOPS", else "GHz") and the time per
// iteration of every repetition.
class Collector : public benchmark::ConsoleReporter {
 public:
  explicit Collector(OutputOptions o) : ConsoleReporter(o) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      Result& res = results_[r.run_name.function_name];
      auto it = r.counters.find("GOPS");
      if (it == r.counters.end()) it = r.counters.find("GHz");
      const double gops = it == r.counters.end() ? 0 : it->second.value / 1e9;
      // The time the benchmark's rates use: real time where it asked for it, else the CPU time of this thread.
      const double total = r.run_name.time_type == "real_time" ? r.real_accumulated_time : r.cpu_accumulated_time;
      const double secs = r.iterations ? total / static_cast<double>(r.iterations) : 0;
      if (r.run_type == Run::RT_Iteration) {
        res.gops.push_back(gops);
        res.seconds.push_back(secs);
      } else if (r.aggregate_name == "median") {
        res.median_gops = gops, res.median_seconds = secs;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // Median over repetitions; 0 when the benchmark did not run.
  double gops(const std::string& name) const {
    const auto it = results_.find(name);
    if (it == results_.end()) return 0;
    return it->second.gops.empty() ? it->second.median_gops : median(it->second.gops);
  }
  double seconds(const std::string& name) const {
    const auto it = results_.find(name);
    if (it == results_.end()) return 0;
    return it->second.seconds.empty() ? it->second.median_seconds : median(it->second.seconds);
  }

 private:
  struct Result {
    std::vector<double> gops, seconds;           // per repetition
    double median_gops = 0, median_seconds = 0;  // from the "median" aggregate when only aggregates were shown
  };
  std::map<std::string, Result> results_;
};

}  // namespace qjit_bench
