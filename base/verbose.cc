#include "base/verbose.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "base/env.h"

namespace qjit {

namespace {
std::atomic<int> g_verbose{-1};
std::mutex g_print_mutex;
}  // namespace

bool verbose_enabled() {
  int v = g_verbose.load(std::memory_order_relaxed);
  if (v < 0) {
    v = env_flag("QJIT_VERBOSE") ? 1 : 0;
    g_verbose.store(v, std::memory_order_relaxed);
  }
  return v == 1;
}

void verbose_refresh() { g_verbose.store(-1, std::memory_order_relaxed); }

void verbose_print(std::string_view line) {
  std::lock_guard<std::mutex> lock(g_print_mutex);
  std::fprintf(stderr, "qjit_verbose,%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

void VerboseOp::done(std::string_view op, std::string_view isa, std::string_view kernel, std::string_view shape) {
  if (!on_) return;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  char time[32];
  std::snprintf(time, sizeof time, "%.6f", ms);
  std::string line = "exec,";
  line.append(op).append(",").append(isa).append(",").append(kernel).append(",").append(shape).append(",").append(time);
  verbose_print(line);
}

}  // namespace qjit
