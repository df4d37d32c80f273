// Data cache sizes seen by one core, read once with cpuinfo (core 0), for kernels that size their blocks from the
// caches (kernels/gemm_blocking.h) rather than from constants tuned on one machine.
// Promise: l1d and l2 are the core's own; l3 is the whole last-level cache the core sits in, shared by l3_sharing
// logical processors (0 when there is none). Levels cpuinfo does not report (an unknown CPU, a VM hiding CPUID
// leaf 4 / 0x8000001D) keep the fallback 32 KiB / 256 KiB / 1 MiB, small enough not to thrash any x86 core of the
// last ten years; `found` says whether anything was read.
#pragma once

#include <cstddef>
#include <string>

namespace qjit {

struct CacheSizes {
  size_t l1d = 32 * 1024;
  size_t l2 = 256 * 1024;
  size_t l3 = 1024 * 1024;
  unsigned l3_sharing = 1;
  bool found = false;
  // The part of the L3 one core can count on when every core sharing it is busy.
  size_t l3_per_core() const { return l3_sharing ? l3 / l3_sharing : l3; }
};

// The sizes in use: the CPU's, or the test override below.
CacheSizes cache_sizes();
// Tests only: make cache_sizes() return *s (nullptr: the CPU's again), so that blocking paths that only large
// problems reach on this machine run on small ones. Not synchronized with kernel calls running meanwhile.
void set_cache_sizes_for_testing(const CacheSizes* s);
// "L1d 32 KiB, L2 512 KiB, L3 32 MiB / 2" (" (fallback, not found)" appended when cpuinfo reported nothing).
std::string cache_summary();

}  // namespace qjit
