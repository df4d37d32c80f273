// Threads: a default pool on pthreadpool, and the caller's own partition.
// Every parallel kernel in qjit is written as "do the share of thread `thread_id` out of `thread_count`", so an
// engine with its own pool calls the *_partition variant of a kernel from each of its threads, and everyone else
// lets the default pool run all the shares.
#pragma once

#include <cstddef>
#include <utility>

#include "base/function_ref.h"

namespace qjit {

struct Partition {
  int thread_id = 0;
  int thread_count = 1;
};

// Threads of the default pool (the calling thread included). Default: the number of cores. n >= 1.
void set_num_threads(int n);
int get_num_threads();

// Calls fn({i, shares}) for i in [0, shares) on the default pool and returns when all are done.
// shares <= 0 means get_num_threads(). Exceptions thrown by fn are rethrown (the first one) in the caller.
// fn is referenced, not copied: a region allocates nothing.
void parallel_run(int shares, FunctionRef<void(Partition)> fn);

// The half-open range [begin, end) of [0, n) that partition p owns; boundaries are multiples of `align`
// (except n itself), shares differ by at most one `align` block. Throws qjit::Error on a bad partition.
std::pair<size_t, size_t> partition_range(size_t n, Partition p, size_t align = 1);

}  // namespace qjit
