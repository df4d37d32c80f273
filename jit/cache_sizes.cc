#include "jit/cache_sizes.h"

#include <cpuinfo.h>

#include <algorithm>
#include <atomic>

namespace qjit {

namespace {

CacheSizes detect_cache_sizes() {
  CacheSizes c;
  if (!cpuinfo_initialize()) return c;
  const cpuinfo_processor* p = cpuinfo_get_processor(0);
  if (!p) return c;
  // Each level independently: a VM may report L1 and L2 but not L3.
  if (p->cache.l1d && p->cache.l1d->size) c.l1d = p->cache.l1d->size, c.found = true;
  if (p->cache.l2 && p->cache.l2->size) c.l2 = p->cache.l2->size, c.found = true;
  if (p->cache.l3 && p->cache.l3->size) {
    c.l3 = p->cache.l3->size;
    c.l3_sharing = std::max<uint32_t>(1, p->cache.l3->processor_count);
    c.found = true;
  } else if (c.found) {
    c.l3 = 0;  // the CPU told us its caches and there is no L3
  }
  return c;
}

std::atomic<const CacheSizes*> g_cache_override{nullptr};

std::string kib(size_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
  return std::to_string(bytes / 1024) + " KiB";
}

}  // namespace

CacheSizes cache_sizes() {
  if (const CacheSizes* o = g_cache_override.load(std::memory_order_acquire)) return *o;
  static const CacheSizes detected = detect_cache_sizes();
  return detected;
}

void set_cache_sizes_for_testing(const CacheSizes* s) { g_cache_override.store(s, std::memory_order_release); }

std::string cache_summary() {
  const CacheSizes c = cache_sizes();
  std::string s = "L1d " + kib(c.l1d) + ", L2 " + kib(c.l2) + ", L3 ";
  s += c.l3 ? kib(c.l3) + " / " + std::to_string(c.l3_sharing) : std::string("none");
  if (!c.found) s += " (fallback, not found)";
  return s;
}

}  // namespace qjit
