#include "kernels/minmax.h"

#include <limits>
#include <mutex>
#include <string>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/eltwise_run.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit {

void min_max(const float* x, size_t n, float* min_out, float* max_out, const Exec& exec) {
  constexpr const char* fn = "min_max";
  check_isa_available(fn, exec.isa);
  check_not_null(fn, "min_out", min_out);
  check_not_null(fn, "max_out", max_out);
  if (n > 0) check_not_null(fn, "x", x);
  VerboseOp v;
  float mn = std::numeric_limits<float>::infinity(), mx = -mn;
  std::mutex fold_mutex;
  const JitCode* code = nullptr;
  if (exec.isa != Isa::scalar) {
    EltwiseDesc d;
    d.isa = exec.isa;
    d.op = EltwiseOp::minmax;
    code = &detail::eltwise_code(d);
  }
  detail::for_each_share(exec, n, detail::kEltwiseMinPerShare, 64, [&](size_t b, size_t e) {
    float share[2];
    if (code) {
      share[0] = std::numeric_limits<float>::infinity();
      share[1] = -share[0];
      EltwiseArgs a;
      a.src = x;
      a.dst = share;
      detail::run_eltwise(*code, EltwiseDesc::block(exec.isa), a, b, e, detail::EltwiseLayout{4, 0, false, false, false, true});
    } else {
      ref::min_max(x + b, e - b, &share[0], &share[1]);
    }
    std::lock_guard<std::mutex> lock(fold_mutex);
    if (share[0] < mn) mn = share[0];
    if (share[1] > mx) mx = share[1];
  });
  *min_out = mn;
  *max_out = mx;
  if (v.on()) v.done(fn, isa_name(exec.isa), code ? code->name() : "reference", "n=" + std::to_string(n));
}

}  // namespace qjit
