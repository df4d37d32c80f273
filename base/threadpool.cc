#include "base/threadpool.h"

#include <pthreadpool.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

#include "base/error.h"

namespace qjit {

namespace {

struct Pool {
  std::mutex run_mutex;  // one parallel region at a time (pthreadpool's rule); taken before `mutex`
  std::mutex mutex;      // guards pool and threads
  pthreadpool_t pool = nullptr;
  int threads = 0;
  ~Pool() {
    if (pool) pthreadpool_destroy(pool);
  }
};

Pool& pool() {
  static Pool p;
  return p;
}

int default_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

// Called with the pool mutex held.
pthreadpool_t ensure_pool(Pool& p) {
  if (p.threads == 0) p.threads = default_threads();
  if (!p.pool) {
    p.pool = pthreadpool_create(static_cast<size_t>(p.threads));
    if (!p.pool) throw Error("parallel_run: pthreadpool_create failed");
  }
  return p.pool;
}

// Set on pool workers and on a caller while it runs a region: a nested parallel_run then runs serially.
thread_local bool t_inside_region = false;

struct RunContext {
  FunctionRef<void(Partition)> fn;
  int shares;
  std::mutex error_mutex;
  std::exception_ptr error;
};

void run_share(void* ctx, size_t i) {
  auto* c = static_cast<RunContext*>(ctx);
  try {
    t_inside_region = true;
    c->fn(Partition{static_cast<int>(i), c->shares});
  } catch (...) {
    std::lock_guard<std::mutex> lock(c->error_mutex);
    if (!c->error) c->error = std::current_exception();
  }
}

}  // namespace

void set_num_threads(int n) {
  check_arg(n >= 1, "set_num_threads", "n", n, "must be >= 1");
  Pool& p = pool();
  std::lock_guard<std::mutex> run_lock(p.run_mutex);
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.threads == n) return;
  if (p.pool) pthreadpool_destroy(p.pool);
  p.pool = nullptr;
  p.threads = n;
}

int get_num_threads() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.threads == 0) p.threads = default_threads();
  return p.threads;
}

void parallel_run(int shares, FunctionRef<void(Partition)> fn) {
  if (shares <= 0) shares = get_num_threads();
  if (shares == 1 || t_inside_region) {
    // A nested region runs its shares in order on the calling thread rather than deadlocking the pool.
    for (int i = 0; i < shares; ++i) fn(Partition{i, shares});
    return;
  }
  RunContext ctx{fn, shares, {}, nullptr};
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> run_lock(p.run_mutex);
    pthreadpool_t tp;
    {
      std::lock_guard<std::mutex> lock(p.mutex);
      tp = ensure_pool(p);
    }
    t_inside_region = true;
    pthreadpool_parallelize_1d(tp, run_share, &ctx, static_cast<size_t>(shares), 0);
    t_inside_region = false;
  }
  if (ctx.error) std::rethrow_exception(ctx.error);
}

std::pair<size_t, size_t> partition_range(size_t n, Partition p, size_t align) {
  check_arg(p.thread_count >= 1, "partition_range", "thread_count", p.thread_count, "must be >= 1");
  check_arg(p.thread_id >= 0 && p.thread_id < p.thread_count, "partition_range", "thread_id", p.thread_id,
            "must be in [0, thread_count)");
  if (align == 0) align = 1;
  const size_t blocks = (n + align - 1) / align;
  const size_t t = static_cast<size_t>(p.thread_count), id = static_cast<size_t>(p.thread_id);
  const size_t base = blocks / t, extra = blocks % t;
  const size_t b0 = id * base + std::min(id, extra);
  const size_t b1 = b0 + base + (id < extra ? 1 : 0);
  return {std::min(n, b0 * align), std::min(n, b1 * align)};
}

}  // namespace qjit
