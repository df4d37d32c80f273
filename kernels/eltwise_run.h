// Internal to kernels/: runs a generated element-wise kernel over a range of elements, and splits work into
// shares for the default pool or the caller's partition.
#pragma once

#include <cstddef>

#include "base/threadpool.h"
#include "jit/code_cache.h"
#include "jit/eltwise_desc.h"
#include "kernels/exec.h"

namespace qjit::detail {

// Which EltwiseArgs pointers are indexed like the data, and element sizes.
struct EltwiseLayout {
  size_t src_bytes = 4;
  size_t dst_bytes = 4;  // 0: dst is not indexed (min/max accumulates into dst[0..1])
  bool scale_indexed = false;
  bool zp_indexed = false;
  bool bias_indexed = false;
  bool pad_src_with_nan = false;  // min/max: padding lanes must not change the result
};

// The code for d from the process-wide cache (generated on first use).
const JitCode& eltwise_code(const EltwiseDesc& d);

// Runs `code` on elements [begin, end) of args: whole blocks directly, the remainder through padded copies on the
// stack, so the kernel never touches memory outside the caller's buffers.
void run_eltwise(const JitCode& code, size_t block, const EltwiseArgs& args, size_t begin, size_t end,
                 const EltwiseLayout& layout);

// Minimum elements per share before the default pool is used for an element-wise op.
inline constexpr size_t kEltwiseMinPerShare = size_t{1} << 16;

// Calls fn(begin, end) on the shares of [0, n): the caller's partition if exec has one, otherwise the default pool
// when there is enough work (each share >= min_per_share), otherwise once on this thread. Boundaries are
// multiples of `align` elements.
template <class Fn>
void for_each_share(const Exec& exec, size_t n, size_t min_per_share, size_t align, Fn&& fn) {
  if (exec.partition) {
    const auto [b, e] = partition_range(n, *exec.partition, align);
    if (b < e) fn(b, e);
    return;
  }
  size_t shares = exec.threads == 1 ? 1 : static_cast<size_t>(exec.threads > 0 ? exec.threads : get_num_threads());
  if (min_per_share > 0) shares = std::min(shares, std::max<size_t>(1, n / min_per_share));
  if (shares <= 1) {
    if (n > 0) fn(size_t{0}, n);
    return;
  }
  parallel_run(static_cast<int>(shares), [&](Partition p) {
    const auto [b, e] = partition_range(n, p, align);
    if (b < e) fn(b, e);
  });
}

}  // namespace qjit::detail
