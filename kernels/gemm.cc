#include "kernels/gemm.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "jit/code_cache.h"
#include "jit/gemm_desc.h"
#include "kernels/gemm_blocking.h"
#include "kernels/gemm_widen_a.h"
#include "kernels/max_u8.h"
#include "kernels/reference/gemm_ref.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit {

namespace {

constexpr const char* kFn = "gemm";

void validate(const uint8_t* a, size_t lda, int32_t a_zp, size_t M, const PackedWeights& w, const void* c, size_t ldc,
              const OutputStage& out, const Exec& exec) {
  check_isa_available(kFn, exec.isa);
  if (w.layout().isa != exec.isa)  // (the message is only built on failure: this runs on every call)
    throw_bad_arg(kFn, "isa", isa_name(exec.isa),
                  std::string("differs from the ISA the weights were packed for (") + isa_name(w.layout().isa) + ")");
  check_zero_point(kFn, "a_zero_point", a_zp, 0, 255);
  if (M == 0) return;
  check_not_null(kFn, "a", a);
  check_not_null(kFn, "c", c);
  check_at_least(kFn, "lda", lda, "K", w.K());
  check_at_least(kFn, "ldc", ldc, "N", w.N());
  check_output_stage(kFn, out, w.N());
}

// Per-call buffers, kept per thread so that repeated calls of a shape do not allocate.
struct CallBuffers {
  std::vector<int32_t> col_offset, row_sums;
};
CallBuffers& call_buffers() {
  thread_local CallBuffers b;
  return b;
}
// The widened blocks of A (s16x2 layout): one slice per share, every share widens the rows it multiplies. Sized
// by the calling thread before the shares start, so that a pool thread running a share for the first time does
// not allocate (which thread runs which share changes from call to call).
std::vector<int16_t>& widened_a_buffer() {
  thread_local std::vector<int16_t> b;
  return b;
}

void fill_epilogue_constants(GemmKernelArgs& args, const OutputStage& out) {
  const bool onednn = out.formula == RequantFormula::onednn;
  for (int i = 0; i < 16; ++i) {
    args.mult_bcast[i] = out.multiplier ? out.multiplier[0] : 1.0f;
    args.zp_f[i] = static_cast<float>(out.zero_point);
    args.zp_i[i] = out.zero_point;
    args.lo[i] = onednn ? out.qmin : out.qmin - out.zero_point;
    args.hi[i] = onednn ? out.qmax : out.qmax - out.zero_point;
    args.clip[i] = ref::kInt32ClipF;
  }
}

// The scalar path: the microkernel's contract in C++ over the same packed panels (exact 4-way dot).
void scalar_tile(const GemmKernelArgs& args, const PackedWeights& w, size_t mr, size_t n0, size_t n_valid,
                 const OutputStage& out, size_t m0, const int32_t* row_sums) {
  const size_t nr = static_cast<size_t>(w.layout().nr), K = w.K();
  const auto* panel = static_cast<const int8_t*>(args.b);
  for (size_t m = 0; m < mr; ++m)
    for (size_t n = 0; n < n_valid; ++n) {
      uint32_t acc = 0;  // wraps like the int32 accumulators of the JIT paths
      for (size_t k = 0; k < K; ++k)
        acc += static_cast<uint32_t>(int32_t{args.a[m * args.lda + k]} * int32_t{panel[((k / 4) * nr + n) * 4 + k % 4]});
      acc += static_cast<uint32_t>(args.col_offset[n]);
      if (row_sums) acc -= static_cast<uint32_t>(row_sums[m] * w.col_zero_points()[n0 + n]);
      const auto a32 = static_cast<int32_t>(acc);
      char* row = static_cast<char*>(args.c) + m * args.ldc;
      switch (out.kind) {
        case OutputKind::s32: reinterpret_cast<int32_t*>(row)[n] = a32; break;
        case OutputKind::u8: reinterpret_cast<uint8_t*>(row)[n] = static_cast<uint8_t>(ref::output_stage_int(a32, n0 + n, out)); break;
        case OutputKind::s8: reinterpret_cast<int8_t*>(row)[n] = static_cast<int8_t>(ref::output_stage_int(a32, n0 + n, out)); break;
        case OutputKind::f32: reinterpret_cast<float*>(row)[n] = ref::output_stage_f32(a32, m0 + m, n0 + n, out); break;
      }
    }
}

// The panels a call multiplies by: the exact ones, or, for weights packed with a7 panels, the u8x4-maddubs ones
// when every byte of A is <= 127 (no pair of products can then saturate int16; packing/packed_weights.h).
struct ChosenPanels {
  const GemmLayout* layout;
  const uint8_t* data;
  size_t panel_bytes;
  int a_max;  // the max (or bound) of A the choice was made on; -1 when the weights have no a7 panels

  const void* panel(size_t j) const { return data + j * panel_bytes; }
};

ChosenPanels choose_panels(const uint8_t* a, size_t lda, size_t M, const PackedWeights& w, const Exec& exec,
                           int a_max_bound) {
  if (!w.has_a7_panels())
    return {&w.layout(), static_cast<const uint8_t*>(w.panel(0)), w.layout().panel_bytes(w.K()), -1};
  const int a_max = a_max_bound >= 0 ? a_max_bound : max_u8_rows(a, lda, M, w.K(), Exec{exec.isa, nullptr, 1});
  if (detail::a7_panels_chosen(a_max))
    return {&w.a7_layout(), static_cast<const uint8_t*>(w.a7_panel(0)), w.a7_layout().panel_bytes(w.K()), a_max};
  return {&w.layout(), static_cast<const uint8_t*>(w.panel(0)), w.layout().panel_bytes(w.K()), a_max};
}

}  // namespace

std::string detail::a7_choice_text(int a_max) {
  if (a_max < 0) return "";
  return a7_panels_chosen(a_max) ? ":a7=u8x4 (a max " + std::to_string(a_max) + " <= 127)"
                                 : ":a7=s16x2 (a max " + std::to_string(a_max) + " > 127)";
}

void gemm(const uint8_t* a, size_t lda, int32_t a_zero_point, size_t M, const PackedWeights& w, void* c, size_t ldc,
          const OutputStage& out, const Exec& exec) {
  detail::gemm_with_a_bound(a, lda, a_zero_point, M, w, c, ldc, out, exec, -1);
}

void detail::gemm_with_a_bound(const uint8_t* a, size_t lda, int32_t a_zero_point, size_t M, const PackedWeights& w,
                               void* c, size_t ldc, const OutputStage& out, const Exec& exec, int a_max_bound) {
  validate(a, lda, a_zero_point, M, w, c, ldc, out, exec);
  if (M == 0) return;
  VerboseOp verbose;
  const ChosenPanels B = choose_panels(a, lda, M, w, exec, a_max_bound);
  const GemmLayout& L = *B.layout;
  const size_t K = w.K(), N = w.N(), nr = static_cast<size_t>(L.nr), mr = static_cast<size_t>(L.mr);
  const size_t panels = w.panels(), out_size = output_kind_size(out.kind);
  const bool has_bzp = w.has_zero_points();

  CallBuffers& buf = call_buffers();
  // Activation zero point and the constant term of the weight zero point, per column.
  buf.col_offset.resize(panels * nr);
  for (size_t n = 0; n < panels * nr; ++n)
    buf.col_offset[n] = static_cast<int32_t>(
        static_cast<uint32_t>(-a_zero_point) * static_cast<uint32_t>(w.col_sums()[n]) +
        static_cast<uint32_t>(K) * static_cast<uint32_t>(a_zero_point) * static_cast<uint32_t>(w.col_zero_points()[n]));
  if (has_bzp) {
    buf.row_sums.resize(M);
    for (size_t m = 0; m < M; ++m) {
      int32_t s = 0;
      for (size_t k = 0; k < K; ++k) s += a[m * lda + k];
      buf.row_sums[m] = s;
    }
  }

  GemmKernelArgs proto;
  proto.panel_bytes = L.panel_bytes(K);
  proto.ldc = ldc * out_size;
  // s16x2 with several panels reads A widened to int16 rows zero-padded to whole pairs (kernels/gemm_widen_a.h):
  // every row then meets each panel with one load per k pair. With a single panel (tall-skinny, N <= nr) each
  // row is read once, and the widening pass would cost more than widening in the kernel's broadcast saves.
  const bool widen_a = L.dot == DotKind::madd16 && panels > 1;
  // The single panel on AVX2 widens 8 bytes of a row at a time in a register (GemmUkernelDesc::a_octets).
  const bool a_octets = L.dot == DotKind::madd16 && !widen_a && exec.isa == Isa::avx2;
  const size_t lda16 = detail::widened_row_elems(K);
  proto.lda = widen_a ? lda16 * sizeof(int16_t) : lda;
  proto.k_groups = widen_a ? (K + 1) / 2 : a_octets ? K / 8 : K / static_cast<size_t>(L.k_group);
  fill_epilogue_constants(proto, out);

  // The (at most four) kernels this call needs: full tile, last rows, last panel, both.
  const bool scalar = exec.isa == Isa::scalar;
  const size_t m_rem = M % mr, n_rem = N % nr;
  auto desc_for = [&](size_t rows, bool full_n) {
    GemmUkernelDesc d;
    d.layout = L;
    d.mr = static_cast<uint8_t>(rows);
    d.k_tail = widen_a ? 0 : static_cast<uint8_t>(K % (a_octets ? 8 : static_cast<size_t>(L.k_group)));
    d.a_widened = widen_a;
    d.a_octets = a_octets;
    d.n_valid = full_n ? 0 : static_cast<uint8_t>(n_rem);
    d.out = out.kind;
    d.formula = out.formula;
    d.per_channel = out.per_channel;
    d.has_bias = out.kind == OutputKind::u8 || out.kind == OutputKind::s8
                     ? (out.formula == RequantFormula::onednn ? out.bias_f != nullptr : out.bias_i != nullptr)
                     : out.kind == OutputKind::f32 && out.bias_f != nullptr;
    d.has_b_zp = has_bzp;
    d.has_row_scale = out.kind == OutputKind::f32 && out.row_scale != nullptr;
    d.has_post_bias = out.kind == OutputKind::f32 && out.post_bias != nullptr;
    return d;
  };
  const GemmKernelFn* kernels[2][2] = {};  // [partial rows][partial panel]
  const char* main_kernel = "scalar";
  if (!scalar) {
    auto& cache = CodeCache<GemmUkernelDesc>::instance();
    for (int pm = 0; pm < 2; ++pm)
      for (int pn = 0; pn < 2; ++pn) {
        const size_t rows = pm ? m_rem : mr;
        if (rows == 0 || (!pm && M < mr) || (pn && n_rem == 0) || (!pn && N < nr)) continue;
        kernels[pm][pn] = cache.get(desc_for(rows, !pn)).as<GemmKernelFn>();
      }
    main_kernel = nullptr;  // named below, only when verbose logging is on
  }

  const void* bias = out.formula == RequantFormula::onednn || out.kind == OutputKind::f32
                         ? static_cast<const void*>(out.bias_f)
                         : static_cast<const void*>(out.bias_i);
  const size_t m_tiles = (M + mr - 1) / mr;
  // Blocking from the caches found (kernels/gemm_blocking.h says which operand sits where). Rows of A only: K
  // blocking and N blocking were measured not to pay on the benchmark shapes (bench/RESULTS.md, "GEMM driver").
  const size_t a_row_bytes = widen_a ? lda16 * sizeof(int16_t) : K;
  const GemmBlocking blocking =
      gemm_blocking(cache_sizes(), a_row_bytes, mr, proto.panel_bytes, panels * proto.panel_bytes);
  const size_t mc_tiles = blocking.mc_tiles;

  // One call covers a run of panels times a run of tiles (whole ones, or the last partial one of each); inside,
  // the kernel walks panel by panel and, in each, tile by tile. Runs of panels are only used when the block is
  // one tile high (small M, where a call per panel would cost as much as the panel): with several tiles, a
  // partial last tile would otherwise stream every panel of B a second time.
  const size_t full_panels = N / nr;
  auto run_tiles = [&](size_t j0, size_t j1, size_t i0, size_t i1, int16_t* wide) {
    GemmKernelArgs args = proto;
    // The epilogue reads column arrays in whole vectors; for the last, partial panel they are copied into
    // zero-padded buffers so that nothing past the caller's N entries is read.
    alignas(64) float mult_pad[64], bias_pad[64], post_pad[64];
    for (size_t ib = i0; ib < i1; ib += mc_tiles) {
      const size_t ie = std::min(i1, ib + mc_tiles);
      // The kernel's A for this block: the caller's rows, or their int16 copy (row ib * mr at its start).
      const uint8_t* a_block = a + ib * mr * lda;
      size_t a_block_ld = lda;
      if (widen_a) {
        const size_t rows = std::min(M, ie * mr) - ib * mr;
        detail::widen_a_rows_avx2(a_block, lda, rows, K, wide);
        a_block = reinterpret_cast<const uint8_t*>(wide);
        a_block_ld = lda16 * sizeof(int16_t);
      }
      for (size_t j = j0; j < j1;) {
        const size_t n0 = j * nr;
        const bool partial_n = j >= full_panels;
        const size_t n_panels = partial_n || ie - ib > 1 ? 1 : std::min(j1, full_panels) - j;
        args.b = B.panel(j);
        args.col_offset = buf.col_offset.data() + n0;
        args.b_zp = w.col_zero_points() + n0;
        args.mult = out.per_channel ? out.multiplier + n0 : out.multiplier;
        args.bias = bias ? static_cast<const char*>(bias) + n0 * 4 : nullptr;
        args.post_bias = out.post_bias ? out.post_bias + n0 : nullptr;
        args.n_valid = partial_n ? N - n0 : nr;
        args.n_panels = n_panels;
        if (partial_n && !scalar) {
          const size_t valid = N - n0;
          auto pad = [&](float* dst, const void* src) -> const void* {
            if (!src) return nullptr;
            std::memset(dst, 0, sizeof(float) * 64);
            std::memcpy(dst, src, valid * 4);
            return dst;
          };
          if (out.per_channel) args.mult = static_cast<const float*>(pad(mult_pad, args.mult));
          args.bias = pad(bias_pad, args.bias);
          args.post_bias = static_cast<const float*>(pad(post_pad, args.post_bias));
        }
        for (size_t i = ib; i < ie;) {
          const size_t m0 = i * mr, rows = std::min(mr, M - m0);
          const size_t tiles = rows < mr ? 1 : std::min(ie - i, (M - m0) / mr);
          args.a = a_block + (m0 - ib * mr) * a_block_ld;
          args.c = static_cast<char*>(c) + (m0 * ldc + n0) * out_size;
          args.row_sums = has_bzp ? buf.row_sums.data() + m0 : nullptr;
          args.row_scale = out.row_scale ? out.row_scale + m0 : nullptr;
          args.m_tiles = tiles;
          if (scalar) {
            for (size_t p = 0; p < n_panels; ++p)
              for (size_t t = 0; t < tiles; ++t) {
                GemmKernelArgs one = args;
                one.b = B.panel(j + p);
                one.col_offset = args.col_offset + p * nr;
                one.a = a + (m0 + t * mr) * lda;
                one.c = static_cast<char*>(args.c) + t * mr * args.ldc + p * nr * out_size;
                one.row_sums = args.row_sums ? args.row_sums + t * mr : nullptr;
                scalar_tile(one, w, rows, n0 + p * nr, args.n_valid, out, m0 + t * mr, one.row_sums);
              }
          } else {
            kernels[rows < mr][partial_n](&args);
          }
          i += tiles;
        }
        j += n_panels;
      }
    }
  };

  const double ops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  int threads = 1;  // shares run by this call
  if (!exec.partition) {
    threads = exec.threads == 1 ? 1 : (exec.threads > 0 ? exec.threads : get_num_threads());
    if (ops < 2e6) threads = 1;  // below ~10 us of work a second thread costs more than it brings
  }
  const size_t wide_per_share = widen_a ? std::min(M, mc_tiles * mr) * lda16 : 0;
  std::vector<int16_t>& wide = widened_a_buffer();
  if (wide.size() < wide_per_share * static_cast<size_t>(threads)) wide.resize(wide_per_share * threads);

  // Threads: split panels when there are enough of them (each thread keeps its B panels), otherwise rows.
  const auto share = [&](Partition p) {
    int16_t* wide_share = wide.data() + (exec.partition ? 0 : static_cast<size_t>(p.thread_id) * wide_per_share);
    if (panels >= static_cast<size_t>(p.thread_count) || m_tiles < static_cast<size_t>(p.thread_count)) {
      const auto [j0, j1] = partition_range(panels, p);
      if (j0 < j1) run_tiles(j0, j1, 0, m_tiles, wide_share);
    } else {
      const auto [i0, i1] = partition_range(m_tiles, p);
      if (i0 < i1) run_tiles(0, panels, i0, i1, wide_share);
    }
  };
  if (exec.partition)
    share(*exec.partition);
  else if (threads == 1)
    share(Partition{0, 1});
  else
    parallel_run(threads, share);
  if (verbose.on())
    verbose.done(kFn, isa_name(exec.isa),
                 main_kernel ? std::string(main_kernel) : desc_for(M >= mr ? mr : m_rem, N >= nr || n_rem == 0).name(),
                 "m=" + std::to_string(M) + ":n=" + std::to_string(N) + ":k=" + std::to_string(K) +
                     ":layout=" + dot_kind_name(L.dot) + ":out=" + output_kind_name(out.kind) +
                     detail::a7_choice_text(B.a_max) + ":" + blocking.str());
}

}  // namespace qjit
