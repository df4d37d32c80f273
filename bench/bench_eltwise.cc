// Element-wise kernels: qjit's JIT path, qjit's scalar path (baseline) and oneDNN 2.6's reorder (the peer), all
// measured in this one process on the same buffers.
//
// Names read <impl>/<op>/<elements>[/threads:2]: "qjit/quantize_u8/4096" next to "onednn/quantize_u8/4096" and
// "scalar/quantize_u8/4096". Lines without a thread suffix run on one thread (qjit: Exec::threads = 1, oneDNN:
// omp_set_num_threads(1)); the /threads:2 lines use qjit's default pool of 2 (Exec defaults) and 2 OpenMP threads.
// Bytes/s counts bytes read plus bytes written once per call (per-channel parameters once, not once per row).
// Rates of 1-thread lines come from the CPU time of the calling thread, which runs all of either library's work
// then: on this shared machine, time spent descheduled by other work would otherwise halve them. The /threads:2
// lines use wall time (suffix /real_time), the only measure of a parallel call.
//
// Per-channel requantize works on rows x 256 (a GEMM output with 256 channels). oneDNN's reorder has no bias, so
// its only per-channel line is requantize_u8_pc (scales, no bias); qjit's requantize_u8_pc_bias has no peer here.
// oneDNN has no useful f32->f16 or min/max on this machine (its f32->f16 reorder is the reference "simple:any"),
// so those two ops have qjit and scalar lines only.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <dnnl.hpp>

#include "base/threadpool.h"
#include "bench/bench_support.h"
#include "jit/cpu.h"
#include "kernels/convert_f16.h"
#include "kernels/minmax.h"
#include "kernels/quantize.h"
#include "kernels/requantize.h"

namespace {

using qjit::Exec;
using qjit::Isa;
using qjit::QType;

constexpr size_t kSizes[] = {256, 4096, 65536, size_t{1} << 20, size_t{1} << 24};
constexpr size_t kTwoThreadMin = size_t{1} << 20;  // below this qjit's pool would not split the work anyway
constexpr size_t kChannels = 256;

// Quantization parameters of a typical activation (scale, zero point) and GEMM output stage.
constexpr float kScale = 0.05f;
constexpr int32_t kZeroPoint = 43;
constexpr float kRequantMult = 0.004f;
constexpr int32_t kOutZeroPoint = 5;

using qjit_bench::alloc;
using qjit_bench::Buffer;

// Inputs and outputs of every op at one size, built once and shared by all benchmarks of that size so that qjit and
// oneDNN read the same data at the same addresses.
struct Buffers {
  size_t n;
  Buffer<float> x, y;      // f32 input (quantize, min/max, f16) and f32 output (dequantize)
  Buffer<uint8_t> q, out;  // u8 input (dequantize) and u8 output (quantize, requantize)
  Buffer<int32_t> acc;     // s32 accumulators (requantize)
  Buffer<uint16_t> h;      // f16 output
  std::vector<float> mult, bias;  // per-channel multiplier and float bias, kChannels each

  explicit Buffers(size_t n_)
      : n(n_), x(alloc<float>(n)), y(alloc<float>(n)), q(alloc<uint8_t>(n)), out(alloc<uint8_t>(n)),
        acc(alloc<int32_t>(n)), h(alloc<uint16_t>(n)), mult(kChannels), bias(kChannels) {
    // A cheap generator: 16M sin() calls would dominate start-up. Values cover the clamps on both sides.
    uint32_t s = 12345;
    auto next = [&s] { return s = s * 1664525u + 1013904223u; };
    for (size_t i = 0; i < n; ++i) {
      x[i] = static_cast<float>(static_cast<int32_t>(next() >> 8) % 24000) * 0.0005f - 4.0f;  // [-16, 8)
      q[i] = static_cast<uint8_t>(next() >> 24);
      acc[i] = static_cast<int32_t>(next() >> 12) % 80000 - 40000;
    }
    for (size_t c = 0; c < kChannels; ++c) {
      mult[c] = 0.002f + 0.00002f * static_cast<float>(c);
      bias[c] = static_cast<float>(static_cast<int>(c * 37 % 1000) - 500);
    }
    // Touch the outputs so that page faults are not timed.
    for (size_t i = 0; i < n; ++i) y[i] = 0, out[i] = 0, h[i] = 0;
  }
};

Buffers& buffers(size_t n) {
  static std::map<size_t, std::unique_ptr<Buffers>> all;
  auto& b = all[n];
  if (!b) b = std::make_unique<Buffers>(n);
  return *b;
}

enum class Op { quantize_u8, dequantize_u8, requantize_u8_pt, requantize_u8_pc, requantize_u8_pc_bias, min_max, f32_to_f16 };

const char* op_name(Op op) {
  switch (op) {
    case Op::quantize_u8: return "quantize_u8";
    case Op::dequantize_u8: return "dequantize_u8";
    case Op::requantize_u8_pt: return "requantize_u8_pt";
    case Op::requantize_u8_pc: return "requantize_u8_pc";
    case Op::requantize_u8_pc_bias: return "requantize_u8_pc_bias";
    case Op::min_max: return "min_max";
    case Op::f32_to_f16: return "f32_to_f16";
  }
  return "?";
}

bool onednn_has(Op op) {
  return op == Op::quantize_u8 || op == Op::dequantize_u8 || op == Op::requantize_u8_pt || op == Op::requantize_u8_pc;
}

double bytes_moved(Op op, size_t n) {
  switch (op) {
    case Op::quantize_u8:
    case Op::dequantize_u8:
    case Op::requantize_u8_pt: return 5.0 * n;
    case Op::requantize_u8_pc: return 5.0 * n + 4.0 * kChannels;
    case Op::requantize_u8_pc_bias: return 5.0 * n + 8.0 * kChannels;
    case Op::min_max: return 4.0 * n;
    case Op::f32_to_f16: return 6.0 * n;
  }
  return 0;
}

// The params of the requantize ops: onednn formula, u8 output, full range.
qjit::RequantizeParams requant_params(Op op, const Buffers& b) {
  const bool pc = op != Op::requantize_u8_pt;
  auto p = qjit::make_requantize_params(QType::u8, qjit::RequantFormula::onednn, pc ? b.mult.data() : &kRequantMult,
                                        pc, kOutZeroPoint);
  if (op == Op::requantize_u8_pc_bias) p.bias_f = b.bias.data();
  return p;
}

// One qjit call of op on all n elements of b.
void run_qjit(Op op, Buffers& b, const qjit::RequantizeParams& rp, const Exec& e) {
  const size_t n = b.n;
  switch (op) {
    case Op::quantize_u8:
      qjit::quantize_per_tensor(b.x.get(), b.out.get(), n, QType::u8, kScale, kZeroPoint, e);
      break;
    case Op::dequantize_u8:
      qjit::dequantize_per_tensor(b.q.get(), b.y.get(), n, QType::u8, kScale, kZeroPoint, e);
      break;
    case Op::requantize_u8_pt:
      qjit::requantize(b.acc.get(), b.out.get(), 1, n, n, n, rp, e);
      break;
    case Op::requantize_u8_pc:
    case Op::requantize_u8_pc_bias:
      qjit::requantize(b.acc.get(), b.out.get(), n / kChannels, kChannels, kChannels, kChannels, rp, e);
      break;
    case Op::min_max: {
      float mn, mx;
      qjit::min_max(b.x.get(), n, &mn, &mx, e);
      benchmark::DoNotOptimize(mn);
      benchmark::DoNotOptimize(mx);
      break;
    }
    case Op::f32_to_f16:
      qjit::f32_to_f16(b.x.get(), b.h.get(), n, e);
      break;
  }
}

// One oneDNN reorder bound to caller buffers; the primitive is created before the timed loop.
class OnednnReorder {
 public:
  OnednnReorder(Op op, Buffers& b) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const auto n = static_cast<dnnl::memory::dim>(b.n);
    dnnl::primitive_attr attr;
    dnnl::memory::dims dims{n};
    dt src_dt = dt::f32, dst_dt = dt::u8;
    void *src = nullptr, *dst = b.out.get();
    switch (op) {
      case Op::quantize_u8:  // dst = saturate(rint(x / scale + zp))
        attr.set_output_scales(0, {1.0f / kScale});
        attr.set_zero_points(DNNL_ARG_DST, 0, {kZeroPoint});
        src = b.x.get();
        break;
      case Op::dequantize_u8:  // dst = scale * (q - zp)
        attr.set_output_scales(0, {kScale});
        attr.set_zero_points(DNNL_ARG_SRC, 0, {kZeroPoint});
        src_dt = dt::u8, dst_dt = dt::f32;
        src = b.q.get(), dst = b.y.get();
        break;
      case Op::requantize_u8_pt:
        attr.set_output_scales(0, {kRequantMult});
        attr.set_zero_points(DNNL_ARG_DST, 0, {kOutZeroPoint});
        src_dt = dt::s32, src = b.acc.get();
        break;
      case Op::requantize_u8_pc:  // mask bit 1: one scale per column of rows x channels
        dims = {n / static_cast<dnnl::memory::dim>(kChannels), static_cast<dnnl::memory::dim>(kChannels)};
        attr.set_output_scales(1 << 1, b.mult);
        attr.set_zero_points(DNNL_ARG_DST, 0, {kOutZeroPoint});
        src_dt = dt::s32, src = b.acc.get();
        break;
      default: std::abort();
    }
    const tag t = dims.size() == 1 ? tag::a : tag::ab;
    const dnnl::memory::desc src_md(dims, src_dt, t), dst_md(dims, dst_dt, t);
    const dnnl::reorder::primitive_desc pd(engine(), src_md, engine(), dst_md, attr);
    impl_ = pd.impl_info_str();
    prim_ = dnnl::reorder(pd);
    src_ = dnnl::memory(src_md, engine(), src);
    dst_ = dnnl::memory(dst_md, engine(), dst);
    stream_ = dnnl::stream(engine());
  }
  void operator()() {
    prim_.execute(stream_, src_, dst_);
    stream_.wait();
  }
  const std::string& impl() const { return impl_; }

 private:
  static dnnl::engine& engine() {
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
  }
  dnnl::reorder prim_;
  dnnl::memory src_, dst_;
  dnnl::stream stream_;
  std::string impl_;
};

// Largest |oneDNN - qjit| over the output, both on one thread: guards against timing a misconfigured peer. Both
// round half to even, but oneDNN adds the zero point before rounding and qjit (as ATen) after, so quantize may differ
// by 1 on exact ties when the zero point is odd; more than that is an error.
double max_diff_vs_qjit(Op op, Buffers& b, OnednnReorder& r) {
  const Exec one{qjit::max_isa(), nullptr, 1};
  r();
  double worst = 0;
  if (op == Op::dequantize_u8) {
    std::vector<float> peer(b.y.get(), b.y.get() + b.n);
    run_qjit(op, b, {}, one);
    for (size_t i = 0; i < b.n; ++i) worst = std::max(worst, std::fabs(static_cast<double>(peer[i]) - b.y[i]));
  } else {
    std::vector<uint8_t> peer(b.out.get(), b.out.get() + b.n);
    run_qjit(op, b, requant_params(op, b), one);
    for (size_t i = 0; i < b.n; ++i) worst = std::max(worst, std::fabs(static_cast<double>(peer[i]) - b.out[i]));
  }
  return worst;
}

// Both pools at the same size, so that every line of one thread count runs on the same number of cores.
void set_threads(int threads) {
  qjit::set_num_threads(threads);
  omp_set_num_threads(threads);
}

void finish(benchmark::State& st, Op op, size_t n) {
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * n));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes_moved(op, n)));
}

enum class Impl { qjit, scalar, onednn };

void bench(benchmark::State& st, Impl impl, Op op, size_t n, int threads) {
  set_threads(threads);
  Buffers& b = buffers(n);
  if (impl == Impl::onednn) {
    OnednnReorder r(op, b);
    if (const double d = max_diff_vs_qjit(op, b, r); d > (op == Op::dequantize_u8 ? 1e-6 : 1.0)) {
      st.SkipWithError(("oneDNN output differs from qjit's by " + std::to_string(d)).c_str());
      return;
    }
    st.SetLabel(r.impl());
    for (auto _ : st) r();
  } else {
    // threads 1: keep the call on this thread; otherwise Exec's default (the pool) as an application would call it.
    const Exec e{impl == Impl::scalar ? Isa::scalar : qjit::max_isa(), nullptr, threads == 1 ? 1 : 0};
    const qjit::RequantizeParams rp = requant_params(op, b);
    run_qjit(op, b, rp, e);  // generates the kernel outside the timed loop
    for (auto _ : st) run_qjit(op, b, rp, e);
    st.SetLabel(qjit::isa_name(e.isa));
  }
  finish(st, op, n);
}

void register_all() {
  const Op ops[] = {Op::quantize_u8,           Op::dequantize_u8, Op::requantize_u8_pt, Op::requantize_u8_pc,
                    Op::requantize_u8_pc_bias, Op::min_max,       Op::f32_to_f16};
  auto add = [](Impl impl, Op op, size_t n, int threads) {
    const char* prefix = impl == Impl::qjit ? "qjit" : impl == Impl::scalar ? "scalar" : "onednn";
    std::string name = std::string(prefix) + "/" + op_name(op) + "/" + std::to_string(n);
    if (threads > 1) name += "/threads:" + std::to_string(threads);
    auto* b = benchmark::RegisterBenchmark(name.c_str(), bench, impl, op, n, threads);
    b->Unit(n >= kTwoThreadMin ? benchmark::kMicrosecond : benchmark::kNanosecond);
    if (threads > 1) b->UseRealTime();
  };
  // Grouped by op and size, so that the lines to compare sit next to each other.
  for (Op op : ops)
    for (size_t n : kSizes) {
      add(Impl::qjit, op, n, 1);
      if (onednn_has(op)) add(Impl::onednn, op, n, 1);
      add(Impl::scalar, op, n, 1);
      if (n >= kTwoThreadMin) {
        add(Impl::qjit, op, n, 2);
        if (onednn_has(op)) add(Impl::onednn, op, n, 2);
      }
    }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("qjit_cpu", qjit::cpu_summary());
  const dnnl_version_t* v = dnnl_version();
  benchmark::AddCustomContext("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                            std::to_string(v->patch) + " (OpenMP)");
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
