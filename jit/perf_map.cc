#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "base/env.h"
#include "jit/jit_code.h"

namespace qjit {

void perf_map_register(const void* code, size_t size, const std::string& name) {
  static const bool enabled = env_flag("QJIT_PERF_MAP");
  if (!enabled) return;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  static FILE* f = [] {
    char path[64];
    std::snprintf(path, sizeof path, "/tmp/perf-%d.map", static_cast<int>(getpid()));
    return std::fopen(path, "a");
  }();
  if (!f) return;
  std::fprintf(f, "%lx %zx %s\n", reinterpret_cast<unsigned long>(code), size, name.c_str());
  std::fflush(f);
}

}  // namespace qjit
