// Int8 GEMM: qjit against oneDNN 2.6's matmul (the int8 peer) and OpenBLAS sgemm (the fp32 line), all measured in
// this one process on the same data, plus the peak rate of the dot-product instruction sequence of qjit's path.
//
// Shapes: one "M N K" per line ('#' comments) from $QJIT_BENCH_SHAPES, or else bench/data/gemm_shapes.txt (a copy
// of ../shared/bench/gemm_shapes.txt). Configuration (that of bench/ANCHORS.md): A uint8 M x K with zero point 43;
// B int8 K x N symmetric per-channel, packed or reordered once outside the timed region; u8 output with zero point 5,
// per-channel multiplier and float bias, oneDNN 2.x formula clamp(rint((acc + bias[n]) * mult[n] + 5), 0, 255).
//
// Names read <impl>/<M>x<N>x<K>[/cold][/threads:2]:
//   qjit          weights uniform in [-128, 127]: on AVX2 qjit packs them in its exact s16x2-madd layout
//   qjit_w7       weights uniform in [-64, 63]: every pair fits VPMADDUBSW, so the u8x4-maddubs layout
//   qjit_a7       the [-128, 127] weights packed with PackOptions::a7_panels, activations uniform in [0, 127]
//                 (reduce_range): the call checks max(A) <= 127 and runs the u8x4-maddubs panels, exact
//   onednn_a7     oneDNN on the same [-128, 127] weights and the same 7-bit activations: its VPMADDUBSW cannot
//                 saturate then either, so both sides are exact (the check expects max diff 0)
//   onednn        matmul u8 x s8 -> u8 on the [-128, 127] weights (format_tag::any, reordered once)
//   openblas_f32  cblas_sgemm on float copies of the same A (minus its zero point) and B; GOPS = GFLOPS
//   qjit/pack/..., qjit_w7/pack/...   building the PackedWeights (time only)
//   peak/...      the dot-product sequence alone, register to register (see PeakKernel)
// No suffix: one thread, warm cache (the operands stay cached between calls). /cold: a 64 MiB buffer is written
// before each call (outside the timed region), so A, B and C come from DRAM. /threads:2: qjit's pool, OpenMP (oneDNN)
// and OpenBLAS all get 2 threads; qjit is called with Exec::threads = 2 (it keeps calls under 2e6 ops on one thread).
//
// Before the first timed call of a shape, the outputs are checked: qjit (both weight sets) against oneDNN on the same
// weights and against qjit's scalar reference (exact). After the run, a summary table (markdown) gives per shape and
// variant the GOPS, qjit / oneDNN, the fraction of the measured peak, the packing time and the max differences;
// medians when run with --benchmark_repetitions.
//
// Time: on one thread, the CPU time of the calling thread, where all three libraries then run (the machine is
// shared: time spent descheduled is not counted); on 2 threads, real time (the "/real_time" lines). The peak lines
// (and peak/clock_dependent_add, the clock while running) use CPU time too, so "% of peak" compares like with like.
//
// Default --benchmark_min_time is 0.2 s (pass the flag to change it); /cold lines run a fixed number of iterations.
// The 1-thread warm set only:  bench_gemm --benchmark_filter='-cold|threads'
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>
#include <unistd.h>
#include <xbyak/xbyak.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <dnnl.hpp>

#include "base/threadpool.h"
#include "bench/bench_support.h"
#include "jit/cpu.h"
#include "kernels/gemm.h"
#include "kernels/gemm_output.h"
#include "kernels/reference/gemm_ref.h"
#include "packing/packed_weights.h"

namespace {

using qjit::Exec;
using qjit::Isa;
using qjit_bench::alloc;
using qjit_bench::Buffer;
using qjit_bench::Collector;
using qjit_bench::fmt;
using qjit_bench::geomean;
using qjit_bench::onednn_engine;
using qjit_bench::run_for;

constexpr int32_t kAZeroPoint = 43;
constexpr int32_t kCZeroPoint = 5;
constexpr size_t kFlushBytes = size_t{64} << 20;

// ---------------------------------------------------------------------------------------------------------------
// Shapes

struct Shape {
  size_t M = 0, N = 0, K = 0;
  std::string name() const { return std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K); }
  double ops() const { return 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K); }
  bool operator==(const Shape& o) const { return M == o.M && N == o.N && K == o.K; }
};

std::string shapes_path() { return qjit_bench::data_file("QJIT_BENCH_SHAPES", "gemm_shapes.txt"); }

std::vector<Shape> load_shapes(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "bench_gemm: cannot read the shape list %s (set QJIT_BENCH_SHAPES)\n", path.c_str());
    std::exit(1);
  }
  std::vector<Shape> shapes;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream ss(line);
    long long m, n, k;
    if (!(ss >> m)) continue;  // blank or comment
    if (!(ss >> n >> k) || m <= 0 || n <= 0 || k <= 0) {
      std::fprintf(stderr, "bench_gemm: %s:%d: expected three positive integers M N K\n", path.c_str(), line_no);
      std::exit(1);
    }
    shapes.push_back({static_cast<size_t>(m), static_cast<size_t>(n), static_cast<size_t>(k)});
  }
  return shapes;
}

// ---------------------------------------------------------------------------------------------------------------
// Buffers and data of one shape

// Both pools at the same size, so that every line of one thread count runs on the same number of cores.
void set_threads(int threads) {
  qjit::set_num_threads(threads);
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
}

struct ShapeData {
  Shape s;
  Buffer<uint8_t> a;                       // M x K
  Buffer<uint8_t> a7;                      // M x K in [0, 127] (reduce_range activations)
  std::vector<int8_t> w_full, w_narrow;    // K x N: [-128, 127] and [-64, 63]
  std::vector<float> mult, bias;           // N each
  qjit::WeightQParams wq;
  std::unique_ptr<qjit::PackedWeights> packed_full, packed_narrow, packed_a7;
  Buffer<uint8_t> c;                       // M x N, every int8 implementation writes here
  Buffer<float> af, bf, cf;                // fp32 copies for OpenBLAS
  qjit::OutputStage out;

  explicit ShapeData(const Shape& sh) : s(sh) {
    const size_t M = s.M, N = s.N, K = s.K;
    std::mt19937 rng(static_cast<uint32_t>(M * 1000003u + N * 1009u + K));
    a = alloc<uint8_t>(M * K);
    for (size_t i = 0; i < M * K; ++i) a[i] = static_cast<uint8_t>(rng() >> 24);
    a7 = alloc<uint8_t>(M * K);
    for (size_t i = 0; i < M * K; ++i) a7[i] = static_cast<uint8_t>(a[i] >> 1);
    w_full.resize(K * N);
    w_narrow.resize(K * N);
    for (size_t i = 0; i < K * N; ++i) {
      const uint32_t r = rng();
      w_full[i] = static_cast<int8_t>(static_cast<int>(r >> 24) - 128);
      w_narrow[i] = static_cast<int8_t>(static_cast<int>((r >> 8) & 127) - 64);
    }
    // Accumulator spread for uniform u8 - 43 and uniform s8: ~74 * 74 * sqrt(K). One standard deviation becomes
    // ~40 output steps; the bias moves the centre so that both clamps are hit but most outputs are inside.
    const double sigma = 74.0 * 74.0 * std::sqrt(static_cast<double>(K));
    std::uniform_real_distribution<double> u(0.0, 1.0);
    mult.resize(N);
    bias.resize(N);
    for (size_t n = 0; n < N; ++n) {
      mult[n] = static_cast<float>((0.7 + 0.6 * u(rng)) * 40.0 / sigma);
      bias[n] = static_cast<float>(std::round((u(rng) * 5.0 - 1.0) * sigma / 2.0));
    }
    wq.scales.assign(N, 0.0);
    for (size_t n = 0; n < N; ++n) wq.scales[n] = 0.001 + 0.00001 * static_cast<double>(n % 100);
    wq.zero_points.assign(1, 0);
    packed_full = std::make_unique<qjit::PackedWeights>(w_full.data(), qjit::WeightOrder::k_by_n, K, N, wq);
    packed_narrow = std::make_unique<qjit::PackedWeights>(w_narrow.data(), qjit::WeightOrder::k_by_n, K, N, wq);
    qjit::PackOptions a7_opts;
    a7_opts.a7_panels = true;
    packed_a7 = std::make_unique<qjit::PackedWeights>(w_full.data(), qjit::WeightOrder::k_by_n, K, N, wq, nullptr,
                                                      qjit::max_isa(), a7_opts);
    c = alloc<uint8_t>(M * N);
    out = qjit::requantize_stage(qjit::OutputKind::u8, qjit::RequantFormula::onednn, mult.data(), true, kCZeroPoint);
    out.bias_f = bias.data();
  }

  void make_f32() {
    if (af) return;
    const size_t M = s.M, N = s.N, K = s.K;
    af = alloc<float>(M * K);
    bf = alloc<float>(K * N);
    cf = alloc<float>(M * N);
    for (size_t i = 0; i < M * K; ++i) af[i] = static_cast<float>(int{a[i]} - kAZeroPoint);
    for (size_t i = 0; i < K * N; ++i) bf[i] = static_cast<float>(w_full[i]);
  }
};

// ---------------------------------------------------------------------------------------------------------------
// oneDNN matmul, created and its weights reordered outside the timed region

class OnednnMatmul {
 public:
  // a: d.a (8-bit activations) or d.a7.
  OnednnMatmul(ShapeData& d, const std::vector<int8_t>& w, const uint8_t* a) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const auto M = static_cast<dnnl::memory::dim>(d.s.M), N = static_cast<dnnl::memory::dim>(d.s.N),
               K = static_cast<dnnl::memory::dim>(d.s.K);
    const dnnl::memory::desc a_md({M, K}, dt::u8, tag::ab), w_user_md({K, N}, dt::s8, tag::ab),
        w_any_md({K, N}, dt::s8, tag::any), bias_md({1, N}, dt::f32, tag::ab), c_md({M, N}, dt::u8, tag::ab);
    dnnl::primitive_attr attr;
    attr.set_output_scales(1 << 1, d.mult);  // one scale per column of C
    attr.set_zero_points(DNNL_ARG_SRC, 0, {kAZeroPoint});
    attr.set_zero_points(DNNL_ARG_DST, 0, {kCZeroPoint});
    const dnnl::matmul::desc desc(a_md, w_any_md, bias_md, c_md);
    const dnnl::matmul::primitive_desc pd(desc, attr, onednn_engine());
    // The weights format oneDNN chose: its AVX2 int8 gemm keeps them plain and packs them inside every call.
    impl_ = std::string(pd.impl_info_str()) + (pd.weights_desc() == w_user_md ? " (weights plain)" : " (weights reordered)");
    stream_ = dnnl::stream(onednn_engine());
    dnnl::memory w_user(w_user_md, onednn_engine(), const_cast<int8_t*>(w.data()));
    dnnl::memory w_packed(pd.weights_desc(), onednn_engine());
    dnnl::reorder(w_user, w_packed).execute(stream_, w_user, w_packed);
    stream_.wait();
    args_ = {{DNNL_ARG_SRC, dnnl::memory(a_md, onednn_engine(), const_cast<uint8_t*>(a))},
             {DNNL_ARG_WEIGHTS, w_packed},
             {DNNL_ARG_BIAS, dnnl::memory(bias_md, onednn_engine(), d.bias.data())},
             {DNNL_ARG_DST, dnnl::memory(c_md, onednn_engine(), d.c.get())}};
    prim_ = dnnl::matmul(pd);
  }
  void operator()() {
    prim_.execute(stream_, args_);
    stream_.wait();
  }
  const std::string& impl() const { return impl_; }

 private:
  dnnl::matmul prim_;
  dnnl::stream stream_;
  std::unordered_map<int, dnnl::memory> args_;
  std::string impl_;
};

// ---------------------------------------------------------------------------------------------------------------
// Correctness check, once per shape before any timing of it

struct Check {
  int full_vs_onednn = -1, narrow_vs_onednn = -1;  // max |qjit - oneDNN| over C (same weights on both sides)
  int full_vs_ref = -1, narrow_vs_ref = -1;        // max |qjit - qjit's scalar reference| (expected 0)
  int a7_vs_onednn = -1, a7_vs_ref = -1;           // the same for qjit_a7 vs onednn_a7 (both exact: 0) and ref
  std::string a7_kernel;                           // the verbose-free check that the u8x4 panels ran: a7 layout
  std::string onednn_impl;
};
std::map<std::string, Check>& checks() {
  static std::map<std::string, Check> c;
  return c;
}

int max_abs_diff(const uint8_t* x, const uint8_t* y, size_t n) {
  int worst = 0;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(int{x[i]} - int{y[i]}));
  return worst;
}

void check_shape(ShapeData& d) {
  const size_t M = d.s.M, N = d.s.N, K = d.s.K, MN = M * N;
  Check ck;
  std::vector<uint8_t> q(MN), r(MN);
  const Exec exec{qjit::max_isa(), nullptr, 1};
  for (int narrow = 0; narrow < 2; ++narrow) {
    const auto& w = narrow ? d.w_narrow : d.w_full;
    const auto& pw = narrow ? *d.packed_narrow : *d.packed_full;
    std::memset(d.c.get(), 0xAA, MN);
    qjit::gemm(d.a.get(), K, kAZeroPoint, M, pw, d.c.get(), N, d.out, exec);
    std::copy(d.c.get(), d.c.get() + MN, q.begin());
    qjit::ref::gemm_u8s8(d.a.get(), K, kAZeroPoint, w.data(), N, nullptr, M, N, K, r.data(), N, d.out);
    (narrow ? ck.narrow_vs_ref : ck.full_vs_ref) = max_abs_diff(q.data(), r.data(), MN);
    OnednnMatmul mm(d, w, d.a.get());
    std::memset(d.c.get(), 0x55, MN);
    mm();
    (narrow ? ck.narrow_vs_onednn : ck.full_vs_onednn) = max_abs_diff(q.data(), d.c.get(), MN);
    if (!narrow) ck.onednn_impl = mm.impl();
  }
  {  // 7-bit activations: qjit_a7 against its reference and against oneDNN on the same 7-bit A
    std::memset(d.c.get(), 0xAA, MN);
    qjit::gemm(d.a7.get(), K, kAZeroPoint, M, *d.packed_a7, d.c.get(), N, d.out, exec);
    std::copy(d.c.get(), d.c.get() + MN, q.begin());
    qjit::ref::gemm_u8s8(d.a7.get(), K, kAZeroPoint, d.w_full.data(), N, nullptr, M, N, K, r.data(), N, d.out);
    ck.a7_vs_ref = max_abs_diff(q.data(), r.data(), MN);
    OnednnMatmul mm(d, d.w_full, d.a7.get());
    std::memset(d.c.get(), 0x55, MN);
    mm();
    ck.a7_vs_onednn = max_abs_diff(q.data(), d.c.get(), MN);
  }
  if (ck.a7_vs_ref || ck.a7_vs_onednn)
    std::fprintf(stderr, "bench_gemm: check %s: a7: max |qjit - ref| = %d, max |qjit - oneDNN| = %d\n",
                 d.s.name().c_str(), ck.a7_vs_ref, ck.a7_vs_onednn);
  // oneDNN 2.6's AVX2 int8 gemm adds u8 x s8 pairs with VPMADDUBSW, which saturates to int16 on weights whose
  // pairs exceed |b0 + b1| <= 128: large differences on the full-range weights are oneDNN's, not qjit's (qjit is
  // checked exactly against its reference).
  if (ck.full_vs_ref || ck.narrow_vs_ref || ck.narrow_vs_onednn > 1)
    std::fprintf(stderr,
                 "bench_gemm: check %s: max |qjit - ref| = %d (full) %d (w7), max |qjit - oneDNN| = %d (full) %d (w7)\n",
                 d.s.name().c_str(), ck.full_vs_ref, ck.narrow_vs_ref, ck.full_vs_onednn, ck.narrow_vs_onednn);
  checks()[d.s.name()] = ck;
}

// The data of the shape being measured; benchmarks are registered grouped by shape, so one slot is enough.
ShapeData& shape_data(const Shape& s) {
  static std::unique_ptr<ShapeData> current;
  if (!current || !(current->s == s)) {
    current.reset();
    current = std::make_unique<ShapeData>(s);
    check_shape(*current);
  }
  return *current;
}

// ---------------------------------------------------------------------------------------------------------------
// Timing

// Writes (read-modify-write, one per cache line, so that the compiler cannot turn it into a non-temporal memset)
// 64 MiB: twice the L3 of this machine.
void flush_caches() {
  static Buffer<uint8_t> buf = alloc<uint8_t>(kFlushBytes);
  uint8_t* p = buf.get();
  for (size_t i = 0; i < kFlushBytes; i += 64) p[i] = static_cast<uint8_t>(p[i] + 1);
  benchmark::DoNotOptimize(p);
  benchmark::ClobberMemory();
}

// Before the timed loop: the first time a benchmark runs (Google Benchmark calls the function again for each trial
// iteration count), 150 ms of calls, so that the worker threads of the previous benchmark's library have stopped
// spinning (OpenBLAS's spin for up to 2^28 cycles after a call) and caches, TLB and the JIT are warm; on later calls
// 20 ms (warm) or one call (cold). Cold: the caches are flushed before every timed call.
template <class F>
void timed_loop(benchmark::State& st, const std::string& key, const Shape& s, bool cold, F&& call) {
  static std::string last_key;
  if (key != last_key) {
    last_key = key;
    run_for(150, call);
  } else if (!cold) {
    run_for(20, call);
  } else {
    call();
  }
  for (auto _ : st) {
    if (cold) {
      st.PauseTiming();
      flush_caches();
      st.ResumeTiming();
    }
    call();
  }
  st.counters["GOPS"] = benchmark::Counter(s.ops() * static_cast<double>(st.iterations()),
                                           benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

enum class Impl { qjit, qjit_w7, qjit_a7, onednn, onednn_a7, openblas };
const char* impl_name(Impl i) {
  switch (i) {
    case Impl::qjit: return "qjit";
    case Impl::qjit_w7: return "qjit_w7";
    case Impl::qjit_a7: return "qjit_a7";
    case Impl::onednn_a7: return "onednn_a7";
    case Impl::onednn: return "onednn";
    case Impl::openblas: return "openblas_f32";
  }
  return "?";
}

void bench_gemm(benchmark::State& st, Impl impl, Shape s, bool cold, int threads) {
  set_threads(threads);
  ShapeData& d = shape_data(s);
  const std::string key = std::string(impl_name(impl)) + s.name() + (cold ? "c" : "w") + std::to_string(threads);
  const size_t M = s.M, N = s.N, K = s.K;
  switch (impl) {
    case Impl::qjit:
    case Impl::qjit_w7:
    case Impl::qjit_a7: {
      const qjit::PackedWeights& pw = impl == Impl::qjit      ? *d.packed_full
                                      : impl == Impl::qjit_w7 ? *d.packed_narrow
                                                              : *d.packed_a7;
      const uint8_t* a = impl == Impl::qjit_a7 ? d.a7.get() : d.a.get();
      const Exec exec{qjit::max_isa(), nullptr, threads};
      st.SetLabel(pw.describe());
      timed_loop(st, key, s, cold, [&] { qjit::gemm(a, K, kAZeroPoint, M, pw, d.c.get(), N, d.out, exec); });
      break;
    }
    case Impl::onednn:
    case Impl::onednn_a7: {
      // after set_threads: oneDNN sizes its blocking by the OpenMP thread count
      OnednnMatmul mm(d, d.w_full, impl == Impl::onednn_a7 ? d.a7.get() : d.a.get());
      st.SetLabel(mm.impl());
      timed_loop(st, key, s, cold, mm);
      break;
    }
    case Impl::openblas: {
      d.make_f32();
      st.SetLabel(std::string("sgemm ") + openblas_get_corename());
      timed_loop(st, key, s, cold, [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(M), static_cast<blasint>(N),
                    static_cast<blasint>(K), 1.0f, d.af.get(), static_cast<blasint>(K), d.bf.get(),
                    static_cast<blasint>(N), 0.0f, d.cf.get(), static_cast<blasint>(N));
      });
      break;
    }
  }
}

void bench_pack(benchmark::State& st, bool narrow, Shape s) {
  set_threads(1);
  ShapeData& d = shape_data(s);
  const auto& w = narrow ? d.w_narrow : d.w_full;
  for (auto _ : st) {
    qjit::PackedWeights pw(w.data(), qjit::WeightOrder::k_by_n, s.K, s.N, d.wq);
    benchmark::DoNotOptimize(pw.panel(0));
  }
  st.SetLabel((narrow ? d.packed_narrow : d.packed_full)->describe());
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * s.K * s.N));
}

// ---------------------------------------------------------------------------------------------------------------
// Peak: the dot-product sequence of qjit's kernels alone, register to register, independent accumulators.
//   avx2_maddubs: VPMADDUBSW + VPMADDWD (ones) + VPADDD ymm = 8 lanes x 4 k x 2 ops = 64 ops per triple
//   avx2_madd16:  VPMADDWD + VPADDD ymm                     = 8 lanes x 2 k x 2 ops = 32 ops per pair
//   avx512_vnni:  VPDPBUSD zmm                              = 16 lanes x 4 k x 2 ops = 128 ops per instruction
//                 (ANCHORS.md's 256 ops/cycle is two of them per cycle); registered only on CPUs that have it.
// Operands are registers, so this is the arithmetic limit of one core, not what a kernel that loads B can reach.

enum class PeakSeq { avx2_maddubs, avx2_madd16, avx512_vnni, clock };

constexpr int kPeakUnroll = 4;

class PeakKernel : public Xbyak::CodeGenerator {
 public:
  explicit PeakKernel(PeakSeq seq) {
    using namespace Xbyak;
    const Reg64& count = rdi;  // loop iterations, first argument (System V)
    Label loop;
    if (seq == PeakSeq::clock) {
      // A chain of dependent 1-cycle adds: its rate is the core clock while the benchmark runs.
      xor_(eax, eax);
      L(loop);
      for (int u = 0; u < kClockAdds; ++u) add(rax, 1);
      dec(count);
      jnz(loop);
    } else if (seq == PeakSeq::avx512_vnni) {
      for (int i = 0; i < chains(seq); ++i) vpxord(Zmm(i), Zmm(i), Zmm(i));
      vpternlogd(zmm30, zmm30, zmm30, 0xff);
      vpternlogd(zmm31, zmm31, zmm31, 0xff);
      L(loop);
      for (int u = 0; u < kPeakUnroll; ++u)
        for (int i = 0; i < chains(seq); ++i) vpdpbusd(Zmm(i), zmm30, zmm31);
      dec(count);
      jnz(loop);
    } else {
      // ymm0-5 accumulators, ymm6-11 products, ymm12/13 operands, ymm14 ones (int16).
      for (int i = 0; i < chains(seq); ++i) vpxor(Ymm(i), Ymm(i), Ymm(i));
      vpcmpeqd(ymm12, ymm12, ymm12);
      vpcmpeqd(ymm13, ymm13, ymm13);
      vpcmpeqd(ymm14, ymm14, ymm14);
      vpsrlw(ymm14, ymm14, 15);
      L(loop);
      for (int u = 0; u < kPeakUnroll; ++u)
        for (int i = 0; i < chains(seq); ++i) {
          const Ymm acc(i), prod(6 + i);
          if (seq == PeakSeq::avx2_maddubs) {
            vpmaddubsw(prod, ymm12, ymm13);
            vpmaddwd(prod, prod, ymm14);
          } else {
            vpmaddwd(prod, ymm12, ymm13);
          }
          vpaddd(acc, acc, prod);
        }
      dec(count);
      jnz(loop);
    }
    vzeroupper();
    ret();
  }
  static constexpr int kClockAdds = 128;
  static int chains(PeakSeq seq) { return seq == PeakSeq::avx512_vnni ? 12 : 6; }
  static double ops_per_seq(PeakSeq seq) {
    return seq == PeakSeq::avx2_maddubs ? 64 : seq == PeakSeq::avx2_madd16 ? 32 : 128;
  }
  // Ops (or, for the clock, cycles) per loop iteration.
  static double per_iteration(PeakSeq seq) {
    return seq == PeakSeq::clock ? kClockAdds : ops_per_seq(seq) * chains(seq) * kPeakUnroll;
  }
};

void bench_peak(benchmark::State& st, PeakSeq seq) {
  PeakKernel k(seq);
  const auto fn = k.getCode<void (*)(size_t)>();
  constexpr size_t kLoops = size_t{1} << 16;
  fn(kLoops);
  for (auto _ : st) fn(kLoops);
  st.counters[seq == PeakSeq::clock ? "GHz" : "GOPS"] =
      benchmark::Counter(PeakKernel::per_iteration(seq) * kLoops * static_cast<double>(st.iterations()),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

const char* peak_name(PeakSeq seq) {
  return seq == PeakSeq::avx2_maddubs  ? "peak/avx2_vpmaddubsw_vpmaddwd_vpaddd_ymm"
         : seq == PeakSeq::avx2_madd16 ? "peak/avx2_vpmaddwd_vpaddd_ymm"
         : seq == PeakSeq::avx512_vnni ? "peak/avx512_vnni_vpdpbusd_zmm"
                                       : "peak/clock_dependent_add";
}

// ---------------------------------------------------------------------------------------------------------------
// Registration

struct Variant {
  bool cold;
  int threads;
  std::string suffix() const {
    return std::string(cold ? "/cold" : "") + (threads > 1 ? "/threads:" + std::to_string(threads) : "");
  }
  std::string title() const {
    return std::string(cold ? "cold cache" : "warm cache") + ", " + std::to_string(threads) +
           (threads > 1 ? " threads" : " thread");
  }
};
const Variant kVariants[] = {{false, 1}, {true, 1}, {false, 2}, {true, 2}};
const Impl kImpls[] = {Impl::qjit, Impl::qjit_w7, Impl::qjit_a7, Impl::onednn, Impl::onednn_a7, Impl::openblas};

void register_all(const std::vector<Shape>& shapes) {
  for (PeakSeq seq : {PeakSeq::clock, PeakSeq::avx2_maddubs, PeakSeq::avx2_madd16, PeakSeq::avx512_vnni}) {
    if (seq == PeakSeq::avx512_vnni ? !qjit::cpu_has(Isa::avx512_vnni)
                                    : seq != PeakSeq::clock && !qjit::cpu_has(Isa::avx2))
      continue;
    benchmark::RegisterBenchmark(peak_name(seq), bench_peak, seq)->Unit(benchmark::kMicrosecond);
  }
  // Grouped by shape (one set of buffers alive at a time), then variant, so that the lines to compare are adjacent.
  for (const Shape& s : shapes) {
    for (const Variant& v : kVariants) {
      for (Impl impl : kImpls) {
        const std::string name = std::string(impl_name(impl)) + "/" + s.name() + v.suffix();
        auto* b = benchmark::RegisterBenchmark(name.c_str(), bench_gemm, impl, s, v.cold, v.threads);
        b->Unit(benchmark::kMicrosecond);
        if (v.threads > 1) b->UseRealTime();  // see "Time" at the top
        // Cold: the flush (~5-10 ms) is not timed but is paid; a fixed count keeps M=1 shapes from taking minutes.
        if (v.cold) b->Iterations(s.ops() < 2e7 ? 40 : 20);
      }
      if (!v.cold && v.threads == 1)
        for (bool narrow : {false, true}) {
          const std::string name = std::string(narrow ? "qjit_w7" : "qjit") + "/pack/" + s.name();
          benchmark::RegisterBenchmark(name.c_str(), bench_pack, narrow, s)->Unit(benchmark::kMicrosecond);
        }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Summary: a console reporter that also keeps every result, then prints tables after the run.

void print_summary(const Collector& c, const std::vector<Shape>& shapes) {
  const double peak = c.gops(peak_name(PeakSeq::avx2_maddubs));
  const double peak16 = c.gops(peak_name(PeakSeq::avx2_madd16));
  const double peak_vnni = c.gops(peak_name(PeakSeq::avx512_vnni));
  const double ghz = c.gops(peak_name(PeakSeq::clock));
  std::printf("\n## bench_gemm summary (GOPS = 2*M*N*K / median time; ratios are qjit / oneDNN)\n\n");
  std::printf("Time: CPU time of the calling thread on 1 thread, real time on 2 threads. %% of peak: of the\n"
              "VPMADDUBSW+VPMADDWD+VPADDD line. max diff: largest |qjit - oneDNN| over C on the same weights.\n\n");
  std::printf("%s\n\n", qjit::cpu_summary().c_str());
  if (peak > 0 || peak16 > 0) {
    std::printf("Peak, 1 thread: VPMADDUBSW+VPMADDWD+VPADDD ymm %.1f GOPS; VPMADDWD+VPADDD ymm %.1f GOPS", peak,
                peak16);
    if (peak_vnni > 0) std::printf("; VPDPBUSD zmm %.1f GOPS", peak_vnni);
    if (ghz > 0)
      std::printf(" (clock %.2f GHz by a dependent-add chain: %.1f and %.1f ops/cycle)", ghz, peak / ghz, peak16 / ghz);
    std::printf("\n\n");
  }
  for (const Variant& v : kVariants) {
    bool any = false;
    for (const Shape& s : shapes)
      for (Impl impl : kImpls) any = any || c.gops(std::string(impl_name(impl)) + "/" + s.name() + v.suffix()) > 0;
    if (!any) continue;
    const bool base = !v.cold && v.threads == 1;
    std::printf("### %s\n\n", v.title().c_str());
    std::printf("| M,N,K | qjit s16x2 | qjit_w7 u8x4 | oneDNN | OpenBLAS f32 | qjit/oneDNN | qjit_w7/oneDNN |");
    if (base) std::printf(" qjit, w7 %% of peak | pack us (s16x2, u8x4) | max diff vs oneDNN (full, w7) |");
    std::printf("\n|---|---|---|---|---|---|---|%s\n", base ? "---|---|---|" : "");
    std::vector<double> r_full, r_narrow;
    for (const Shape& s : shapes) {
      std::string tail = "/";  // (built with += : GCC 12 warns falsely on "/" + std::string, PR 105329)
      tail += s.name();
      tail += v.suffix();
      const double q = c.gops("qjit" + tail), q7 = c.gops("qjit_w7" + tail), o = c.gops("onednn" + tail),
                   b = c.gops("openblas_f32" + tail);
      if (q == 0 && q7 == 0 && o == 0 && b == 0) continue;
      auto cell = [](double x) { return x > 0 ? fmt("%.1f", x) : std::string("-"); };
      auto ratio = [](double x, double y) { return x > 0 && y > 0 ? fmt("%.2f", x / y) : std::string("-"); };
      if (q > 0 && o > 0) r_full.push_back(q / o);
      if (q7 > 0 && o > 0) r_narrow.push_back(q7 / o);
      std::printf("| %zu,%zu,%zu | %s | %s | %s | %s | %s | %s |", s.M, s.N, s.K, cell(q).c_str(), cell(q7).c_str(),
                  cell(o).c_str(), cell(b).c_str(), ratio(q, o).c_str(), ratio(q7, o).c_str());
      if (base) {
        const double pk = peak > 0 ? peak : 0;
        const std::string pct = pk > 0 ? fmt("%.0f%%", 100 * q / pk) + ", " + fmt("%.0f%%", 100 * q7 / pk) : "-";
        const double p1 = c.seconds("qjit/pack/" + s.name()) * 1e6, p2 = c.seconds("qjit_w7/pack/" + s.name()) * 1e6;
        const auto ck = checks().find(s.name());
        std::string diff = "-";
        if (ck != checks().end()) {
          diff = std::to_string(ck->second.full_vs_onednn) + ", " + std::to_string(ck->second.narrow_vs_onednn);
          if (ck->second.full_vs_ref != 0 || ck->second.narrow_vs_ref != 0)
            diff += " (vs ref: " + std::to_string(ck->second.full_vs_ref) + ", " +
                    std::to_string(ck->second.narrow_vs_ref) + "!)";
        }
        std::printf(" %s | %s, %s | %s |", pct.c_str(), p1 > 0 ? fmt("%.1f", p1).c_str() : "-",
                    p2 > 0 ? fmt("%.1f", p2).c_str() : "-", diff.c_str());
      }
      std::printf("\n");
    }
    std::printf("\ngeomean qjit/oneDNN %.3f over %zu shapes; qjit_w7/oneDNN %.3f over %zu shapes\n\n",
                geomean(r_full), r_full.size(), geomean(r_narrow), r_narrow.size());
  }
  // 7-bit activations: both sides exact, same weights and activations.
  for (const Variant& v : kVariants) {
    std::vector<double> r_a7, r_gain;
    std::string rows, below;
    for (const Shape& s : shapes) {
      std::string tail = "/";
      tail += s.name();
      tail += v.suffix();
      const double q7 = c.gops("qjit_a7" + tail), o7 = c.gops("onednn_a7" + tail), q = c.gops("qjit" + tail);
      if (q7 == 0 || o7 == 0) continue;
      r_a7.push_back(q7 / o7);
      if (q > 0) r_gain.push_back(q7 / q);
      if (q7 / o7 < 0.9) below += (below.empty() ? "" : ", ") + s.name() + fmt(" (%.2f)", q7 / o7);
      const auto ck = checks().find(s.name());
      const std::string diff = ck == checks().end() ? "-"
                               : std::to_string(ck->second.a7_vs_onednn) +
                                     (ck->second.a7_vs_ref ? " (vs ref: " + std::to_string(ck->second.a7_vs_ref) + "!)" : "");
      char line[160];
      std::snprintf(line, sizeof line, "| %zu,%zu,%zu | %.1f | %.1f | %.2f | ", s.M, s.N, s.K, q7, o7, q7 / o7);
      rows += line + (q > 0 ? fmt("%.2f", q7 / q) : std::string("-")) + " | " + diff + " |\n";
    }
    if (r_a7.empty()) continue;
    std::printf("### 7-bit activations (reduce_range), full-range weights: %s\n\n", v.title().c_str());
    std::printf("| M,N,K | qjit_a7 | oneDNN a7 | qjit_a7/oneDNN_a7 | qjit_a7/qjit (s16x2, 8-bit A) | max diff vs oneDNN |\n"
                "|---|---|---|---|---|---|\n%s\n", rows.c_str());
    std::printf("geomean qjit_a7/oneDNN_a7 %.3f over %zu shapes; qjit_a7/qjit %.3f; below 0.9x: %s\n\n", geomean(r_a7),
                r_a7.size(), geomean(r_gain), below.empty() ? "none" : below.c_str());
  }
  std::string impl;
  for (const auto& [name, ck] : checks())
    if (!ck.onednn_impl.empty() && impl.find(ck.onednn_impl) == std::string::npos)
      impl += (impl.empty() ? "" : ", ") + ck.onednn_impl;
  if (!impl.empty()) std::printf("oneDNN implementations (1-thread check): %s\n", impl.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  // Default minimum time 0.2 s (the 156800-row shapes and the large ones would make the suite long otherwise);
  // a --benchmark_min_time given on the command line comes later and wins.
  std::vector<char*> args(argv, argv + argc);
  static char min_time[] = "--benchmark_min_time=0.2";
  args.insert(args.begin() + 1, min_time);
  int args_n = static_cast<int>(args.size());
  benchmark::Initialize(&args_n, args.data());
  if (benchmark::ReportUnrecognizedArguments(args_n, args.data())) return 1;

  const std::string path = shapes_path();
  const std::vector<Shape> shapes = load_shapes(path);
  benchmark::AddCustomContext("qjit_cpu", qjit::cpu_summary());
  benchmark::AddCustomContext("shapes", path);
  benchmark::AddCustomContext("onednn", qjit_bench::onednn_version());
  benchmark::AddCustomContext("openblas", openblas_get_config());
  register_all(shapes);
  Collector reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Color
                                           : benchmark::ConsoleReporter::OO_None);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter, shapes);
  benchmark::Shutdown();
  return 0;
}
