// qjit-bench: the main-job table. qjit's element-wise kernels against oneDNN 2.6's reorder (the peer that has
// these ops), measured now on this machine in one process, on the same buffers.
//
//   qjit-bench --quick   256 and 1M elements, 1 thread (well under 20 s)
//   qjit-bench           256 .. 16M elements, 1 thread, and 2 threads from 1M up
//
// Each cell is the median of several timed batches of calls (a batch lasts a few milliseconds), so a burst of
// noise from other work on the machine moves one batch, not the figure.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <dnnl.hpp>

#include "base/threadpool.h"
#include "jit/cpu.h"
#include "kernels/convert_f16.h"
#include "kernels/minmax.h"
#include "kernels/quantize.h"
#include "kernels/requantize.h"

namespace {

using qjit::Exec;
using qjit::QType;

constexpr size_t kChannels = 256;  // per-channel requantize: rows x 256, a GEMM output with 256 channels
constexpr float kScale = 0.05f;
constexpr int32_t kZeroPoint = 43;
constexpr float kRequantMult = 0.004f;
constexpr int32_t kOutZeroPoint = 5;

// Quoted from ../shared/bench/ANCHORS.md ("Elementwise"), measured there on a Zen 5 AVX-512 machine: not measured
// by this program.
constexpr const char* kFbgemmAnchorPt = "5-6";
constexpr const char* kFbgemmAnchorPc = "3.8";

// ---------------------------------------------------------------------------------------------------- buffers

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// 64-byte aligned so that neither library pays for split cache lines the other avoids.
template <class T>
std::unique_ptr<T[], FreeDeleter> alloc(size_t n) {
  return std::unique_ptr<T[], FreeDeleter>(static_cast<T*>(std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64)));
}

struct Buffers {
  size_t n;
  std::unique_ptr<float[], FreeDeleter> x, y;
  std::unique_ptr<uint8_t[], FreeDeleter> q, out;
  std::unique_ptr<int32_t[], FreeDeleter> acc;
  std::unique_ptr<uint16_t[], FreeDeleter> h;
  std::vector<float> mult, bias;

  explicit Buffers(size_t n_)
      : n(n_), x(alloc<float>(n)), y(alloc<float>(n)), q(alloc<uint8_t>(n)), out(alloc<uint8_t>(n)),
        acc(alloc<int32_t>(n)), h(alloc<uint16_t>(n)), mult(kChannels), bias(kChannels) {
    uint32_t s = 12345;  // an LCG: sin() over 16M elements would dominate the run
    auto next = [&s] { return s = s * 1664525u + 1013904223u; };
    for (size_t i = 0; i < n; ++i) {
      x[i] = static_cast<float>(static_cast<int32_t>(next() >> 8) % 24000) * 0.0005f - 4.0f;  // hits both clamps
      q[i] = static_cast<uint8_t>(next() >> 24);
      acc[i] = static_cast<int32_t>(next() >> 12) % 80000 - 40000;
      y[i] = 0, out[i] = 0, h[i] = 0;  // first touch outside the timing
    }
    for (size_t c = 0; c < kChannels; ++c) {
      mult[c] = 0.002f + 0.00002f * static_cast<float>(c);
      bias[c] = static_cast<float>(static_cast<int>(c * 37 % 1000) - 500);
    }
  }
};

// ---------------------------------------------------------------------------------------------------- ops

enum class Op { quantize, dequantize, requantize_pt, requantize_pc_bias, min_max, f32_to_f16 };
constexpr Op kOps[] = {Op::quantize, Op::dequantize, Op::requantize_pt, Op::requantize_pc_bias, Op::min_max,
                       Op::f32_to_f16};

const char* op_label(Op op) {
  switch (op) {
    case Op::quantize: return "quantize f32->u8";
    case Op::dequantize: return "dequantize u8->f32";
    case Op::requantize_pt: return "requantize s32->u8 per-tensor";
    case Op::requantize_pc_bias: return "requantize s32->u8 per-channel+bias [a]";
    case Op::min_max: return "min_max f32";
    case Op::f32_to_f16: return "f32->f16";
  }
  return "?";
}

double bytes_moved(Op op, size_t n) {
  switch (op) {
    case Op::quantize:
    case Op::dequantize:
    case Op::requantize_pt: return 5.0 * n;
    case Op::requantize_pc_bias: return 5.0 * n + 8.0 * kChannels;
    case Op::min_max: return 4.0 * n;
    case Op::f32_to_f16: return 6.0 * n;
  }
  return 0;
}

qjit::RequantizeParams requant_params(Op op, const Buffers& b) {
  const bool pc = op == Op::requantize_pc_bias;
  auto p = qjit::make_requantize_params(QType::u8, qjit::RequantFormula::onednn, pc ? b.mult.data() : &kRequantMult,
                                        pc, kOutZeroPoint);
  if (pc) p.bias_f = b.bias.data();
  return p;
}

void run_qjit(Op op, Buffers& b, const qjit::RequantizeParams& rp, const Exec& e) {
  const size_t n = b.n;
  switch (op) {
    case Op::quantize: qjit::quantize_per_tensor(b.x.get(), b.out.get(), n, QType::u8, kScale, kZeroPoint, e); break;
    case Op::dequantize: qjit::dequantize_per_tensor(b.q.get(), b.y.get(), n, QType::u8, kScale, kZeroPoint, e); break;
    case Op::requantize_pt: qjit::requantize(b.acc.get(), b.out.get(), 1, n, n, n, rp, e); break;
    case Op::requantize_pc_bias:
      qjit::requantize(b.acc.get(), b.out.get(), n / kChannels, kChannels, kChannels, kChannels, rp, e);
      break;
    case Op::min_max: {
      float mn, mx;
      qjit::min_max(b.x.get(), n, &mn, &mx, e);
      b.y[0] = mn + mx;  // a visible result, so the call cannot be dropped
      break;
    }
    case Op::f32_to_f16: qjit::f32_to_f16(b.x.get(), b.h.get(), n, e); break;
  }
}

// One oneDNN reorder bound to caller buffers, created before any timing.
class OnednnReorder {
 public:
  using dt = dnnl::memory::data_type;

  static bool has(Op op) { return op == Op::quantize || op == Op::dequantize || op == Op::requantize_pt ||
                                  op == Op::requantize_pc_bias; }

  // requantize_pc_bias: per-channel scales only, oneDNN's reorder has no bias.
  OnednnReorder(Op op, Buffers& b, float scale = kScale, int32_t zero_point = kZeroPoint) {
    const auto n = static_cast<dnnl::memory::dim>(b.n);
    dnnl::primitive_attr attr;
    dnnl::memory::dims dims{n};
    switch (op) {
      case Op::quantize:  // dst = saturate(rint(x * (1/scale) + zp))
        attr.set_output_scales(0, {1.0f / scale});
        attr.set_zero_points(DNNL_ARG_DST, 0, {zero_point});
        init(attr, dims, dt::f32, b.x.get(), dt::u8, b.out.get());
        break;
      case Op::dequantize:  // dst = scale * (q - zp)
        attr.set_output_scales(0, {scale});
        attr.set_zero_points(DNNL_ARG_SRC, 0, {zero_point});
        init(attr, dims, dt::u8, b.q.get(), dt::f32, b.y.get());
        break;
      case Op::requantize_pt:
        attr.set_output_scales(0, {kRequantMult});
        attr.set_zero_points(DNNL_ARG_DST, 0, {kOutZeroPoint});
        init(attr, dims, dt::s32, b.acc.get(), dt::u8, b.out.get());
        break;
      case Op::requantize_pc_bias:  // mask bit 1: one scale per column of rows x channels
        attr.set_output_scales(1 << 1, b.mult);
        attr.set_zero_points(DNNL_ARG_DST, 0, {kOutZeroPoint});
        dims = {n / static_cast<dnnl::memory::dim>(kChannels), static_cast<dnnl::memory::dim>(kChannels)};
        init(attr, dims, dt::s32, b.acc.get(), dt::u8, b.out.get());
        break;
      default: std::abort();
    }
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
  void init(const dnnl::primitive_attr& attr, const dnnl::memory::dims& dims, dt src_dt, void* src, dt dst_dt,
            void* dst) {
    const auto tag = dims.size() == 1 ? dnnl::memory::format_tag::a : dnnl::memory::format_tag::ab;
    const dnnl::memory::desc src_md(dims, src_dt, tag), dst_md(dims, dst_dt, tag);
    const dnnl::reorder::primitive_desc pd(engine(), src_md, engine(), dst_md, attr);
    impl_ = pd.impl_info_str();
    prim_ = dnnl::reorder(pd);
    src_ = dnnl::memory(src_md, engine(), src);
    dst_ = dnnl::memory(dst_md, engine(), dst);
    stream_ = dnnl::stream(engine());
  }
  dnnl::reorder prim_;
  dnnl::memory src_, dst_;
  dnnl::stream stream_;
  std::string impl_;
};

// ---------------------------------------------------------------------------------------------------- timing

struct Timing {
  int repeats;
  double batch_seconds;
};

// Times batches of calls of one function, by the wall clock and by the CPU time of the calling thread. The batch
// size is calibrated so that a batch lasts about batch_seconds: short enough that a descheduling spoils one batch,
// long enough that the clocks' resolution does not matter.
template <class Fn>
class BatchTimer {
 public:
  BatchTimer(Fn& fn, double batch_seconds) : fn_(fn) {
    fn_();  // JIT generation, page faults, oneDNN's first-execution set-up
    for (double s = batch().wall; s < batch_seconds && calls_ < (size_t{1} << 30); s = batch().wall)
      calls_ = s > 0 ? std::max(calls_ * 2, static_cast<size_t>(calls_ * batch_seconds / s * 1.1)) : calls_ * 2;
  }
  void record() {
    const Seconds s = batch();
    wall_.push_back(s.wall / static_cast<double>(calls_));
    cpu_.push_back(s.cpu / static_cast<double>(calls_));
  }
  double median_wall() { return median(wall_); }
  double median_cpu() { return median(cpu_); }

 private:
  struct Seconds {
    double wall, cpu;
  };
  static double thread_cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  static double median(std::vector<double>& v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  }
  Seconds batch() {
    const double c0 = thread_cpu_now();
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < calls_; ++i) fn_();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return {wall, thread_cpu_now() - c0};
  }
  Fn& fn_;
  size_t calls_ = 1;
  std::vector<double> wall_, cpu_;
};

void set_threads(int threads) {
  qjit::set_num_threads(threads);
  omp_set_num_threads(threads);
}

// ---------------------------------------------------------------------------------------------------- output

std::string fmt(const char* f, double v) {
  char s[64];
  std::snprintf(s, sizeof s, f, v);
  return s;
}

// The 1-minute load average: on a shared machine it says how much of a run's noise came from other work.
std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  double load = -1;
  if (f) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  return load < 0 ? "unknown" : fmt("%.2f", load);
}

std::string size_name(size_t n) {
  if (n >= (size_t{1} << 20) && n % (size_t{1} << 20) == 0) return std::to_string(n >> 20) + "M";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + "K";
  return std::to_string(n);
}

// Columns left-aligned for the first (a label), right-aligned for the rest (numbers).
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    w[c] = header[c].size();
    for (const auto& r : rows) w[c] = std::max(w[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < r.size(); ++c)
      std::printf(c == 0 ? "%-*s" : "  %*s", static_cast<int>(w[c]), r[c].c_str());
    std::printf("\n");
  };
  line(header);
  size_t total = 0;
  for (size_t c = 0; c < w.size(); ++c) total += w[c] + (c ? 2 : 0);
  std::printf("%s\n", std::string(total, '-').c_str());
  for (const auto& r : rows) line(r);
}

// ---------------------------------------------------------------------------------------------------- rows

// One row of the table: op at n elements on `threads` threads, qjit and (where it has the op) oneDNN.
// One thread: the CPU time of the calling thread, which runs all of both libraries' work then, so that time spent
// descheduled by other work on a shared machine is not counted; its wall time over CPU time goes to *noise.
// Two threads: wall time, the only measure of a parallel call.
std::vector<std::string> measure_row(Op op, size_t n, int threads, const Timing& timing, std::string* onednn_impl,
                                     std::vector<double>* noise) {
  set_threads(threads);
  Buffers b(n);
  // threads 1 keeps the call on this thread; otherwise Exec's default lets the pool (of 2) split it.
  const Exec e{qjit::max_isa(), nullptr, threads == 1 ? 1 : 0};
  const qjit::RequantizeParams rp = requant_params(op, b);
  auto call_qjit = [&] { run_qjit(op, b, rp, e); };
  BatchTimer<decltype(call_qjit)> t_qjit(call_qjit, timing.batch_seconds);
  std::unique_ptr<OnednnReorder> r;
  std::unique_ptr<BatchTimer<OnednnReorder>> t_dnnl;
  if (OnednnReorder::has(op)) {
    r = std::make_unique<OnednnReorder>(op, b);
    *onednn_impl = r->impl();
    t_dnnl = std::make_unique<BatchTimer<OnednnReorder>>(*r, timing.batch_seconds);
  }
  // Batches alternate between the two libraries, so that both see the same spells of noise.
  for (int i = 0; i < timing.repeats; ++i) {
    t_qjit.record();
    if (t_dnnl) t_dnnl->record();
  }
  const bool cpu = threads == 1;
  const double s_qjit = cpu ? t_qjit.median_cpu() : t_qjit.median_wall();
  if (cpu) noise->push_back(t_qjit.median_wall() / s_qjit);
  std::vector<std::string> row = {op_label(op), size_name(n), std::to_string(threads),
                                  fmt("%.2f", n / s_qjit * 1e-9), fmt("%.1f", bytes_moved(op, n) / s_qjit * 1e-9)};
  if (t_dnnl) {
    const double s_dnnl = cpu ? t_dnnl->median_cpu() : t_dnnl->median_wall();
    row.push_back(fmt("%.2f", n / s_dnnl * 1e-9));
    row.push_back(fmt("%.2f", s_dnnl / s_qjit));
  } else {
    row.insert(row.end(), {"-", "-"});
  }
  const bool anchor = n == 256 && threads == 1 && (op == Op::requantize_pt || op == Op::requantize_pc_bias);
  row.push_back(anchor ? (op == Op::requantize_pt ? kFbgemmAnchorPt : kFbgemmAnchorPc) : "");
  return row;
}

// ---------------------------------------------------------------------------------------------------- checks

// oneDNN's reorder against qjit on the same inputs, one thread: random data at n, exact ties (scale 0.5 makes
// x * (1/scale) exactly k + 0.5), and NaN. Returns the lines to print.
std::vector<std::string> check_against_onednn(size_t n) {
  const Exec one{qjit::max_isa(), nullptr, 1};
  std::vector<std::string> lines;
  std::string random = "check, oneDNN vs qjit on " + size_name(n) + " random elements, elements that differ:";
  Buffers b(n);
  for (Op op : kOps) {
    if (!OnednnReorder::has(op)) continue;
    // The per-channel check compares like with like: qjit without the bias oneDNN lacks.
    qjit::RequantizeParams rp = requant_params(op, b);
    rp.bias_f = nullptr;
    OnednnReorder r(op, b);
    r();
    size_t differ = 0;
    double worst = 0;
    if (op == Op::dequantize) {
      const std::vector<float> peer(b.y.get(), b.y.get() + n);
      run_qjit(op, b, rp, one);
      for (size_t i = 0; i < n; ++i) {
        differ += peer[i] != b.y[i];
        worst = std::max(worst, std::fabs(static_cast<double>(peer[i]) - b.y[i]));
      }
    } else {
      const std::vector<uint8_t> peer(b.out.get(), b.out.get() + n);
      run_qjit(op, b, rp, one);
      for (size_t i = 0; i < n; ++i) {
        differ += peer[i] != b.out[i];
        worst = std::max(worst, std::fabs(static_cast<double>(peer[i]) - b.out[i]));
      }
    }
    const char* name = op == Op::quantize ? "quantize" : op == Op::dequantize ? "dequantize"
                     : op == Op::requantize_pt ? "requantize pt" : "requantize pc (no bias)";
    random += std::string(" ") + name + " " + std::to_string(differ) + " (max |diff| " + fmt("%g", worst) + ");";
  }
  lines.push_back(random);

  // Ties: oneDNN adds the zero point in float before rounding, rint(x/s + zp); ATen and qjit round first,
  // rint(x/s) + zp. Both round half to even, so the two agree when zp is even and differ by 1 on every unclamped
  // tie when it is odd.
  Buffers t(1024);
  for (size_t i = 0; i < t.n; ++i) {
    const float k = static_cast<float>(static_cast<int>(i % 320) - 60);  // k + 0.5 spans both clamps
    t.x[i] = (k + 0.5f) * 0.5f;
  }
  t.x[t.n - 1] = std::numeric_limits<float>::quiet_NaN();
  std::string ties = "check, quantize of exact ties (x/scale = k + 0.5), elements that differ:";
  int nan_qjit = 0, nan_onednn = 0;
  for (int32_t zp : {0, 44, kZeroPoint}) {
    OnednnReorder r(Op::quantize, t, 0.5f, zp);
    r();
    const std::vector<uint8_t> peer(t.out.get(), t.out.get() + t.n);
    qjit::quantize_per_tensor(t.x.get(), t.out.get(), t.n, QType::u8, 0.5f, zp, one);
    size_t differ = 0;
    for (size_t i = 0; i + 1 < t.n; ++i) differ += peer[i] != t.out[i];
    ties += " zp " + std::to_string(zp) + ": " + std::to_string(differ) + " of " + std::to_string(t.n - 1) + ";";
    nan_qjit = t.out[t.n - 1], nan_onednn = peer[t.n - 1];
  }
  lines.push_back(ties + " (oneDNN adds zp before rounding, qjit/ATen after)");
  lines.push_back("check, quantize of NaN: qjit " + std::to_string(nan_qjit) + " (ATen's rule: qmax), oneDNN " +
                  std::to_string(nan_onednn));
  return lines;
}

// ---------------------------------------------------------------------------------------------------- main

void usage(std::FILE* f) {
  std::fprintf(f,
               "usage: qjit-bench [--quick] [--help]\n"
               "  qjit's element-wise kernels (quantize, dequantize, requantize, min_max, f32->f16) against\n"
               "  oneDNN's reorder, measured now on this machine; medians of timed batches.\n"
               "  --quick  256 and 1M elements, 1 thread (under 20 s)\n"
               "  (none)   256, 4K, 64K, 1M, 16M elements, 1 thread; 2 threads from 1M up\n"
               "  --help   this text\n");
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "qjit-bench: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }

  const std::vector<size_t> sizes = quick ? std::vector<size_t>{256, size_t{1} << 20}
                                          : std::vector<size_t>{256, 4096, 65536, size_t{1} << 20, size_t{1} << 24};
  const Timing timing = quick ? Timing{15, 0.01} : Timing{21, 0.02};
  const dnnl_version_t* v = dnnl_version();

  std::printf("%s\n", qjit::cpu_summary().c_str());
  std::printf("load average (1 min) at start: %s\n", load_average().c_str());
  set_threads(1);
  for (const std::string& l : check_against_onednn(size_t{1} << 16)) std::printf("%s\n", l.c_str());

  std::vector<std::vector<std::string>> rows;
  std::string onednn_impl;
  std::vector<double> noise;  // wall time / CPU time of the 1-thread qjit cells
  for (Op op : kOps)
    for (size_t n : sizes)
      for (int threads : {1, 2}) {
        if (threads == 2 && (quick || n < (size_t{1} << 20))) continue;
        rows.push_back(measure_row(op, n, threads, timing, &onednn_impl, &noise));
      }

  std::sort(noise.begin(), noise.end());
  std::printf("\nG el/s = 1e9 elements per second, GB/s = bytes read + written; median of %d batches per cell.\n"
              "Time: thr 1 = CPU time of the calling thread, thr 2 = wall time. Wall/CPU time of the 1-thread qjit\n"
              "cells: median %.2f, max %.2f (1.00 = nothing else ran); load average (1 min) at end: %s\n",
              timing.repeats, noise[noise.size() / 2], noise.back(), load_average().c_str());
  print_table({"op", "n", "thr", "qjit G el/s", "qjit GB/s", "oneDNN G el/s", "qjit/oneDNN", "FBGEMM G el/s [b]"},
              rows);
  std::printf(
      "\noneDNN %d.%d.%d reorder (%s, OpenMP, same thread count); '-': no oneDNN op worth timing (its f32->f16 reorder\n"
      "is the reference simple:any; no min/max reorder).\n"
      "[a] oneDNN's reorder has no bias: its figure is per-channel scales without bias (less work than qjit's).\n"
      "[b] Quoted from ANCHORS.md (../shared/bench), NOT measured here: FBGEMM requantize at n=256, 1 thread, on the\n"
      "    anchors' Zen 5 AVX-512 machine; qjit's path on this machine: %s.\n",
      v->major, v->minor, v->patch, onednn_impl.c_str(), qjit::isa_name(qjit::max_isa()));
  return 0;
}
