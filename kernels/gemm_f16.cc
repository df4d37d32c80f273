#include "kernels/gemm_f16.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/error.h"
#include "base/verbose.h"
#include "jit/code_cache.h"
#include "jit/gemm_f16_desc.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit {

namespace {
constexpr size_t kMr = 6;

void scalar_tile(const GemmF16KernelArgs& a, size_t mr, size_t nr, size_t K, size_t n_valid) {
  for (size_t m = 0; m < mr; ++m)
    for (size_t n = 0; n < n_valid; ++n) {
      float acc = 0.0f;
      const float* row = reinterpret_cast<const float*>(reinterpret_cast<const char*>(a.a) + m * a.lda);
      for (size_t k = 0; k < K; ++k) acc = std::fmaf(row[k], ref::f16_to_f32_val(a.b[k * nr + n]), acc);
      float* out = reinterpret_cast<float*>(reinterpret_cast<char*>(a.c) + m * a.ldc);
      out[n] = a.bias ? acc + a.bias[n] : acc;
    }
}
}  // namespace

void gemm_f32_f16w(const float* a, size_t lda, size_t M, const PackedWeightsF16& w, float* c, size_t ldc,
                   const Exec& exec) {
  constexpr const char* fn = "gemm_f32_f16w";
  check_isa_available(fn, exec.isa);
  if (w.isa() != exec.isa)  // (the message is only built on failure: this runs on every call)
    throw_bad_arg(fn, "isa", isa_name(exec.isa),
                  std::string("differs from the ISA the weights were packed for (") + isa_name(w.isa()) + ")");
  if (M == 0) return;
  check_not_null(fn, "a", a);
  check_not_null(fn, "c", c);
  check_at_least(fn, "lda", lda, "K", w.K());
  check_at_least(fn, "ldc", ldc, "N", w.N());
  VerboseOp verbose;
  const size_t K = w.K(), N = w.N(), nr = w.nr(), panels = w.panels();
  const bool scalar = exec.isa == Isa::scalar;
  const float* bias = w.bias().empty() ? nullptr : w.bias().data();
  auto kernel_for = [&](size_t rows, bool full_n) -> GemmF16KernelFn* {
    GemmF16Desc d;
    d.isa = exec.isa;
    d.mr = static_cast<uint8_t>(rows);
    d.full_n = full_n;
    d.has_bias = bias != nullptr;
    return CodeCache<GemmF16Desc>::instance().get(d).as<GemmF16KernelFn>();
  };
  const size_t m_tiles = (M + kMr - 1) / kMr;
  auto share = [&](Partition p) {
    const bool by_panels = panels >= static_cast<size_t>(p.thread_count) || m_tiles < static_cast<size_t>(p.thread_count);
    const auto [j0, j1] = by_panels ? partition_range(panels, p) : std::pair<size_t, size_t>{0, panels};
    const auto [i0, i1] = by_panels ? std::pair<size_t, size_t>{0, m_tiles} : partition_range(m_tiles, p);
    alignas(64) float scratch[kMr * 32];
    for (size_t j = j0; j < j1; ++j) {
      const size_t n0 = j * nr, n_valid = std::min(nr, N - n0);
      for (size_t i = i0; i < i1; ++i) {
        const size_t m0 = i * kMr, rows = std::min(kMr, M - m0);
        GemmF16KernelArgs args;
        args.a = a + m0 * lda;
        args.lda = lda * 4;
        args.b = w.panel(j);
        args.c = c + m0 * ldc + n0;
        args.ldc = ldc * 4;
        args.k = K;
        args.bias = bias ? bias + n0 : nullptr;
        args.scratch = scratch;
        args.n_valid = n_valid;
        if (scalar)
          scalar_tile(args, rows, nr, K, n_valid);
        else
          kernel_for(rows, n_valid == nr)(&args);
      }
    }
  };
  if (exec.partition) {
    share(*exec.partition);
  } else {
    int threads = exec.threads == 1 ? 1 : (exec.threads > 0 ? exec.threads : get_num_threads());
    if (2.0 * M * N * K < 2e6) threads = 1;
    if (threads == 1)
      share(Partition{0, 1});
    else
      parallel_run(threads, share);
  }
  if (verbose.on())
    verbose.done(fn, isa_name(exec.isa), scalar ? "scalar" : GemmF16Desc{exec.isa, kMr, true, bias != nullptr}.name(),
                 "m=" + std::to_string(M) + ":n=" + std::to_string(N) + ":k=" + std::to_string(K));
}

}  // namespace qjit
