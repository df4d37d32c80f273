// How a kernel call runs: which code path, and on which threads.
//  - isa: the path (default: the best available, QJIT_MAX_ISA respected). Tests pass each available one.
//  - partition: set by an engine that runs the kernel on its own pool: the call does only this share.
//  - threads: without a partition, 0 lets the default pool take large problems, 1 keeps the call on this thread.
#pragma once

#include "base/threadpool.h"
#include "jit/cpu.h"

namespace qjit {

struct Exec {
  Isa isa = max_isa();
  const Partition* partition = nullptr;
  int threads = 0;
};

}  // namespace qjit
