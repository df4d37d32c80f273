// Int8 convolution: qjit's conv() (kernels/conv.h) against oneDNN 2.6's convolution_forward, measured in this one
// process on the same data, over the layers of bench/data/conv_layers.txt (a copy of
// ../shared/bench/conv_layers.txt; $QJIT_BENCH_CONV_LAYERS names another list), batch 1, one thread.
//
// Configuration (that of ANCHORS.md): x uint8 NHWC, uniform, zero point 43; weights int8 symmetric per output
// channel, drawn as a trained layer's would be quantized: Gaussian floats per output channel scaled so that the
// channel's largest magnitude becomes 127 (so most channels hold pairs with |w0 + w1| > 128, and qjit's AVX2 path
// packs them in its exact s16x2-madd layout; the label says which layout each layer got; $QJIT_BENCH_CONV_WEIGHT_MAX
// lowers the 127, see weight_max()); float bias; u8 output, zero point 5, per-channel multiplier, oneDNN 2.x
// formula clamp(rint((acc + bias[oc]) * mult[oc] + 5), 0, 255).
// Weights are packed (qjit) or reordered to oneDNN's format_tag::any (once) outside the timed region; oneDNN gets
// the source zero point through primitive_attr::set_zero_points and the multipliers as per-channel output scales;
// groupwise and depthwise layers are grouped convolutions on both sides.
//
// 7-bit activations (reduce_range): onednn_a7/<layer> and qjit_a7/<layer> run the same layer on x >> 1 (uniform in
// [0, 127], zero point 43), qjit with the weights packed with PackOptions::a7_panels (the u8x4 panels when the
// exact layout is s16x2): with A <= 127 oneDNN's VPMADDUBSW cannot saturate either, so both sides are exact and
// the check expects max diff 0 between them.
//
// Names read <impl>/<layer>; per layer oneDNN runs first, then qjit, whose "x_onednn" counter is the GOPS of that
// run over oneDNN's GOPS on the layer (all its runs so far); the summary's ratio is of the medians. Labels: qjit's conv_algorithm() and weight layout, oneDNN's
// impl_info_str(). GOPS = 2*OH*OW*OC*kh*kw*C/G / time, time = CPU time of the calling thread (both libraries run
// on it: qjit with Exec::threads = 1, oneDNN with 1 OpenMP thread; the machine is shared, so time spent
// descheduled is not counted).
//
// Before the first timed call of a layer, the outputs are checked: qjit against its scalar reference
// (kernels/reference/conv_ref.h, must be exact) and against oneDNN (max |difference|, reported). After the run, a
// markdown summary gives per layer the medians, the ratio, the algorithms and the checks, then the geomean and
// the targets of issue 4.
#include <benchmark/benchmark.h>
#include <omp.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <dnnl.hpp>

#include "base/threadpool.h"
#include "bench/bench_support.h"
#include "bench/conv_layers.h"
#include "jit/cpu.h"
#include "kernels/conv.h"
#include "kernels/gemm_output.h"
#include "kernels/reference/conv_ref.h"
#include "packing/packed_conv_weights.h"

namespace {

using qjit_bench::alloc;
using qjit_bench::Buffer;
using qjit_bench::ConvLayer;
using qjit_bench::fmt;
using qjit_bench::onednn_engine;

constexpr int32_t kXZeroPoint = 43;
constexpr int32_t kYZeroPoint = 5;

// The largest weight magnitude of each output channel: 127 (8-bit symmetric), or $QJIT_BENCH_CONV_WEIGHT_MAX, e.g.
// 63 for 7-bit weights, on which no VPMADDUBSW pair can saturate (qjit then packs u8x4-maddubs, and oneDNN's AVX2
// kernels compute exact sums too).
int weight_max() {
  static const int v = [] {
    const char* e = std::getenv("QJIT_BENCH_CONV_WEIGHT_MAX");
    const int m = e && *e ? std::atoi(e) : 127;
    if (m < 1 || m > 127) {
      std::fprintf(stderr, "bench_conv: QJIT_BENCH_CONV_WEIGHT_MAX=%s: must be in [1, 127]\n", e);
      std::exit(1);
    }
    return m;
  }();
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Data of one layer

struct LayerData {
  ConvLayer layer;
  qjit::ConvDesc desc;
  size_t in_pixels, out_pixels, C, OC;
  Buffer<uint8_t> x;                  // in_pixels x C, NHWC
  Buffer<uint8_t> x7;                 // x >> 1: in [0, 127]
  std::vector<int8_t> w;              // PyTorch layout [OC][C/G][kh][kw] = oneDNN's oihw / goihw
  std::vector<float> mult, bias;      // OC each
  std::unique_ptr<qjit::PackedConvWeights> packed, packed_a7;
  Buffer<uint8_t> y;                  // out_pixels x OC, NHWC; both libraries write here
  qjit::OutputStage out;

  explicit LayerData(const ConvLayer& l) : layer(l), desc(l.desc()) {
    in_pixels = desc.input_pixels();
    out_pixels = desc.output_pixels();
    C = static_cast<size_t>(l.in_channels);
    OC = static_cast<size_t>(l.out_channels);
    const size_t Kc = desc.weight_shape().K();  // weights per output channel
    std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(l.name)));
    x = alloc<uint8_t>(in_pixels * C);
    for (size_t i = 0; i < in_pixels * C; ++i) x[i] = static_cast<uint8_t>(rng() >> 24);
    x7 = alloc<uint8_t>(in_pixels * C);
    for (size_t i = 0; i < in_pixels * C; ++i) x7[i] = static_cast<uint8_t>(x[i] >> 1);

    // Per output channel: Gaussian floats, symmetric quantization with scale max|w| / 127 (weight_max()).
    std::normal_distribution<double> gauss(0.0, 1.0);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    w.resize(OC * Kc);
    mult.resize(OC);
    bias.resize(OC);
    qjit::WeightQParams wq;
    wq.scales.assign(OC, 0.0);
    wq.zero_points.assign(1, 0);
    std::vector<double> f(Kc);
    for (size_t oc = 0; oc < OC; ++oc) {
      double peak = 0;
      for (double& v : f) peak = std::max(peak, std::abs(v = gauss(rng)));
      double sum_sq = 0;
      for (size_t k = 0; k < Kc; ++k) {
        const int q = static_cast<int>(std::lround(f[k] / peak * weight_max()));
        w[oc * Kc + k] = static_cast<int8_t>(q);
        sum_sq += static_cast<double>(q) * q;
      }
      wq.scales[oc] = 0.01 * peak / weight_max();
      // Spread of the accumulator for uniform u8 - 43 (std ~74) against these weights; one standard deviation
      // becomes ~40 output steps, and the bias moves the centre so that both clamps are hit but most outputs are
      // inside (as in bench_gemm).
      const double sigma = 74.0 * std::sqrt(std::max(sum_sq, 1.0));
      mult[oc] = static_cast<float>((0.7 + 0.6 * u(rng)) * 40.0 / sigma);
      bias[oc] = static_cast<float>(std::round((u(rng) * 5.0 - 1.0) * sigma / 2.0));
    }
    packed = std::make_unique<qjit::PackedConvWeights>(desc.weight_shape(), w.data(), wq, bias.data());
    qjit::PackOptions a7_opts;
    a7_opts.a7_panels = true;
    packed_a7 = std::make_unique<qjit::PackedConvWeights>(desc.weight_shape(), w.data(), wq, bias.data(),
                                                          qjit::max_isa(), a7_opts);
    y = alloc<uint8_t>(out_pixels * OC);
    out = qjit::requantize_stage(qjit::OutputKind::u8, qjit::RequantFormula::onednn, mult.data(), true, kYZeroPoint);
    out.bias_f = bias.data();
  }

  // "im2col madd16", "depthwise direct", or for grouped layers the layouts of the groups, e.g.
  // "grouped_im2col madd16 x30 + maddubs x2".
  std::string qjit_label() const {
    const qjit::ConvAlgorithm algo = qjit::conv_algorithm(desc);
    std::string s = qjit::conv_algorithm_name(algo);
    if (algo == qjit::ConvAlgorithm::depthwise && packed->depthwise()) return s + " direct";
    std::map<std::string, int> layouts;
    for (size_t g = 0; g < packed->groups(); ++g) ++layouts[qjit::dot_kind_name(packed->group(g).layout().dot)];
    for (auto it = layouts.begin(); it != layouts.end(); ++it) {
      s += (it == layouts.begin() ? " " : " + ") + it->first;
      if (layouts.size() > 1 || packed->groups() > 1) s += " x" + std::to_string(it->second);
    }
    return s;
  }

  void run_qjit() {
    qjit::conv(desc, x.get(), kXZeroPoint, *packed, y.get(), out, qjit::Exec{qjit::max_isa(), nullptr, 1});
  }
  void run_qjit_a7() {
    qjit::conv(desc, x7.get(), kXZeroPoint, *packed_a7, y.get(), out, qjit::Exec{qjit::max_isa(), nullptr, 1});
  }
};

// ---------------------------------------------------------------------------------------------------------------
// oneDNN convolution, created and its weights reordered outside the timed region

class OnednnConv {
 public:
  // src: d.x (8-bit activations) or d.x7.
  OnednnConv(LayerData& d, const uint8_t* src) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    using dims = dnnl::memory::dims;
    const ConvLayer& l = d.layer;
    const auto o = d.desc.output();
    const dnnl::memory::dim G = l.groups, OC = l.out_channels, C = l.in_channels;
    const dnnl::memory::desc src_md({1, C, l.height, l.width}, dt::u8, tag::nhwc),
        dst_md({1, OC, o[1], o[2]}, dt::u8, tag::nhwc), bias_md({OC}, dt::f32, tag::x);
    // [OC][C/G][kh][kw] is oihw, and for groups goihw with OC split as G x OC/G.
    const dnnl::memory::desc w_user_md =
        G == 1 ? dnnl::memory::desc({OC, C, l.kernel_h, l.kernel_w}, dt::s8, tag::oihw)
               : dnnl::memory::desc({G, OC / G, C / G, l.kernel_h, l.kernel_w}, dt::s8, tag::goihw);
    const dnnl::memory::desc w_any_md(w_user_md.dims(), dt::s8, tag::any);
    dnnl::primitive_attr attr;
    attr.set_output_scales(1 << 1, d.mult);  // one scale per output channel (dimension 1 of dst)
    attr.set_zero_points(DNNL_ARG_SRC, 0, {kXZeroPoint});
    attr.set_zero_points(DNNL_ARG_DST, 0, {kYZeroPoint});
    const dims strides{l.stride, l.stride}, pad{l.padding, l.padding};
    const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                               dnnl::algorithm::convolution_direct, src_md, w_any_md, bias_md, dst_md,
                                               strides, pad, pad);
    const dnnl::convolution_forward::primitive_desc pd(desc, attr, onednn_engine());
    impl_ = pd.impl_info_str();
    stream_ = dnnl::stream(onednn_engine());
    dnnl::memory w_user(w_user_md, onednn_engine(), d.w.data());
    dnnl::memory w_packed(pd.weights_desc(), onednn_engine());
    dnnl::reorder(w_user, w_packed).execute(stream_, w_user, w_packed);
    stream_.wait();
    args_ = {{DNNL_ARG_SRC, dnnl::memory(src_md, onednn_engine(), const_cast<uint8_t*>(src))},
             {DNNL_ARG_WEIGHTS, w_packed},
             {DNNL_ARG_BIAS, dnnl::memory(bias_md, onednn_engine(), d.bias.data())},
             {DNNL_ARG_DST, dnnl::memory(dst_md, onednn_engine(), d.y.get())}};
    if (pd.scratchpad_desc().get_size() > 0)
      args_.insert({DNNL_ARG_SCRATCHPAD, dnnl::memory(pd.scratchpad_desc(), onednn_engine())});
    prim_ = dnnl::convolution_forward(pd);
  }
  void operator()() {
    prim_.execute(stream_, args_);
    stream_.wait();
  }
  const std::string& impl() const { return impl_; }

 private:
  dnnl::convolution_forward prim_;
  dnnl::stream stream_;
  std::unordered_map<int, dnnl::memory> args_;
  std::string impl_;
};

// ---------------------------------------------------------------------------------------------------------------
// Correctness check, once per layer before any timing of it

struct Check {
  int vs_ref = -1;     // max |qjit - scalar reference| (must be 0)
  int vs_onednn = -1;  // max |qjit - oneDNN|
  size_t differing = 0;  // outputs where qjit and oneDNN differ
  size_t outputs = 0;
  int a7_vs_ref = -1, a7_vs_onednn = -1;  // qjit_a7 against the reference and oneDNN on the 7-bit input (both 0)
  std::string qjit_label, onednn_impl;
};
std::map<std::string, Check>& checks() {
  static std::map<std::string, Check> c;
  return c;
}

void check_layer(LayerData& d) {
  const size_t n = d.out_pixels * d.OC;
  Check ck;
  ck.outputs = n;
  ck.qjit_label = d.qjit_label();
  std::vector<uint8_t> q(n), r(n);
  std::fill(d.y.get(), d.y.get() + n, uint8_t{0xAA});
  d.run_qjit();
  std::copy(d.y.get(), d.y.get() + n, q.begin());
  qjit::ref::conv_u8s8(d.desc, d.x.get(), kXZeroPoint, d.w.data(), nullptr, r.data(), d.out);
  ck.vs_ref = 0;
  for (size_t i = 0; i < n; ++i) ck.vs_ref = std::max(ck.vs_ref, std::abs(int{q[i]} - int{r[i]}));
  OnednnConv conv(d, d.x.get());
  ck.onednn_impl = conv.impl();
  std::fill(d.y.get(), d.y.get() + n, uint8_t{0x55});
  conv();
  ck.vs_onednn = 0;
  for (size_t i = 0; i < n; ++i) {
    const int diff = std::abs(int{q[i]} - int{d.y[i]});
    ck.vs_onednn = std::max(ck.vs_onednn, diff);
    ck.differing += diff != 0;
  }
  if (ck.vs_ref != 0)
    std::fprintf(stderr, "bench_conv: check %s: max |qjit - reference| = %d (must be 0)\n", d.layer.name.c_str(),
                 ck.vs_ref);
  {  // 7-bit activations
    std::fill(d.y.get(), d.y.get() + n, uint8_t{0xAA});
    d.run_qjit_a7();
    std::copy(d.y.get(), d.y.get() + n, q.begin());
    qjit::ref::conv_u8s8(d.desc, d.x7.get(), kXZeroPoint, d.w.data(), nullptr, r.data(), d.out);
    OnednnConv conv7(d, d.x7.get());
    std::fill(d.y.get(), d.y.get() + n, uint8_t{0x55});
    conv7();
    ck.a7_vs_ref = ck.a7_vs_onednn = 0;
    for (size_t i = 0; i < n; ++i) {
      ck.a7_vs_ref = std::max(ck.a7_vs_ref, std::abs(int{q[i]} - int{r[i]}));
      ck.a7_vs_onednn = std::max(ck.a7_vs_onednn, std::abs(int{q[i]} - int{d.y[i]}));
    }
    if (ck.a7_vs_ref != 0 || ck.a7_vs_onednn != 0)
      std::fprintf(stderr, "bench_conv: check %s (a7): max |qjit - reference| = %d, max |qjit - oneDNN| = %d\n",
                   d.layer.name.c_str(), ck.a7_vs_ref, ck.a7_vs_onednn);
  }
  checks()[d.layer.name] = ck;
}

// The data of the layer being measured; benchmarks are registered grouped by layer, so one slot is enough.
LayerData& layer_data(const ConvLayer& l) {
  static std::unique_ptr<LayerData> current;
  if (!current || current->layer.name != l.name) {
    current.reset();
    current = std::make_unique<LayerData>(l);
    check_layer(*current);
  }
  return *current;
}

// ---------------------------------------------------------------------------------------------------------------
// Timing

double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// oneDNN's work so far per layer (its lines run before qjit's): ops and thread CPU seconds summed over every run
// Google Benchmark made, the trial runs included (their iteration counts grow ~10x a step, so they weigh little).
struct Work {
  double ops = 0, secs = 0;
  double gops() const { return secs > 0 ? ops / secs * 1e-9 : 0; }
};
std::map<std::string, Work>& onednn_work() {
  static std::map<std::string, Work> w;
  return w;
}

enum class Impl { onednn, qjit, onednn_a7, qjit_a7 };
const char* impl_name(Impl i) {
  switch (i) {
    case Impl::onednn: return "onednn";
    case Impl::qjit: return "qjit";
    case Impl::onednn_a7: return "onednn_a7";
    case Impl::qjit_a7: return "qjit_a7";
  }
  return "?";
}

template <class F>
Work timed_loop(benchmark::State& st, const std::string& key, const ConvLayer& l, F&& call) {
  qjit_bench::warm_up(key, call);
  const double t0 = thread_seconds();
  for (auto _ : st) call();
  const Work w{l.ops() * static_cast<double>(st.iterations()), thread_seconds() - t0};
  st.counters["GOPS"] = benchmark::Counter(w.ops, benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  return w;
}

void bench_conv(benchmark::State& st, Impl impl, ConvLayer l) {
  qjit::set_num_threads(1);
  omp_set_num_threads(1);  // before the primitive is created: oneDNN blocks for the thread count it sees
  LayerData& d = layer_data(l);
  const bool a7 = impl == Impl::onednn_a7 || impl == Impl::qjit_a7;
  const std::string key = std::string(impl_name(impl)) + "/" + l.name, peer_key = (a7 ? "a7/" : "") + l.name;
  if (impl == Impl::onednn || impl == Impl::onednn_a7) {
    OnednnConv conv(d, a7 ? d.x7.get() : d.x.get());
    st.SetLabel(conv.impl());
    const Work w = timed_loop(st, key, l, conv);
    onednn_work()[peer_key].ops += w.ops;
    onednn_work()[peer_key].secs += w.secs;
  } else {
    st.SetLabel(d.qjit_label() + (a7 && d.packed_a7->group(0).has_a7_panels() ? " +a7 u8x4" : ""));
    const Work w = a7 ? timed_loop(st, key, l, [&] { d.run_qjit_a7(); }) : timed_loop(st, key, l, [&] { d.run_qjit(); });
    const double peer = onednn_work()[peer_key].gops();
    if (peer > 0 && w.gops() > 0) st.counters["x_onednn"] = w.gops() / peer;
  }
}

void register_all(const std::vector<ConvLayer>& layers) {
  for (const ConvLayer& l : layers)
    for (Impl impl : {Impl::onednn, Impl::qjit, Impl::onednn_a7, Impl::qjit_a7}) {
      const std::string name = std::string(impl_name(impl)) + "/" + l.name;
      benchmark::RegisterBenchmark(name.c_str(), bench_conv, impl, l)->Unit(benchmark::kMicrosecond);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Summary

void print_summary(const qjit_bench::Collector& c, const std::vector<ConvLayer>& layers) {
  std::printf("\n## bench_conv summary (GOPS = 2*OH*OW*OC*kh*kw*C/G / median time, 1 thread; ratio = qjit / oneDNN)\n\n");
  std::printf("%s\n\n", qjit::cpu_summary().c_str());
  std::printf("| layer | qjit algorithm, layout | oneDNN impl | qjit GOPS | oneDNN GOPS | qjit/oneDNN | max diff vs oneDNN "
              "(outputs differing) |\n|---|---|---|---|---|---|---|\n");
  std::vector<double> ratios;
  double worst = 1e30, dw_min = 1e30, group_ratio = 0;
  std::string worst_name, dw_min_name;
  std::map<std::string, double> ratio_of;
  bool ref_ok = true;
  for (const ConvLayer& l : layers) {
    const double q = c.gops("qjit/" + l.name), o = c.gops("onednn/" + l.name);
    if (q == 0 && o == 0) continue;
    const auto ck = checks().find(l.name);
    const Check none;
    const Check& k = ck == checks().end() ? none : ck->second;
    ref_ok = ref_ok && k.vs_ref == 0;
    const double r = q > 0 && o > 0 ? q / o : 0;
    if (r > 0) {
      ratios.push_back(r);
      ratio_of[l.name] = r;
      if (r < worst) worst = r, worst_name = l.name;
      if (l.groupwise()) group_ratio = r;
    }
    if (l.depthwise() && q > 0 && q < dw_min) dw_min = q, dw_min_name = l.name;
    std::string diff = std::to_string(k.vs_onednn) + " (" +
                       fmt("%.2f%%", k.outputs ? 100.0 * static_cast<double>(k.differing) / static_cast<double>(k.outputs) : 0) + ")";
    if (k.vs_ref != 0) diff += " vs ref " + std::to_string(k.vs_ref) + "!";
    std::printf("| %s | %s | %s | %.1f | %.1f | %s |  %s |\n", l.name.c_str(), k.qjit_label.c_str(),
                k.onednn_impl.c_str(), q, o, r > 0 ? fmt("%.2f", r).c_str() : "-", diff.c_str());
  }
  if (ratios.empty()) return;
  const double gm = qjit_bench::geomean(ratios);
  const auto met = [](bool ok) { return ok ? "met" : "NOT met"; };
  std::printf("\nqjit vs reference: %s\n", ref_ok ? "exact on every layer" : "DIFFERS (see the table)");
  std::printf("geomean qjit/oneDNN over %zu layers: %.3f (target >= 1.15: %s)\n", ratios.size(), gm, met(gm >= 1.15));
  std::printf("lowest ratio: %.2f on %s (target: no layer below 0.9: %s)\n", worst, worst_name.c_str(),
              met(worst >= 0.9));
  if (dw_min < 1e30)
    std::printf("slowest depthwise layer: %.1f GOPS on %s (target >= 150: %s)\n", dw_min, dw_min_name.c_str(),
                met(dw_min >= 150));
  if (group_ratio > 0)
    std::printf("groupwise qjit/oneDNN: %.2f (target >= 1.5: %s)\n", group_ratio, met(group_ratio >= 1.5));
  for (const char* name : {"mv2_pw_32_16_112", "mv2_pw_16_96_112"})
    if (ratio_of.count(name))
      std::printf("%s qjit/oneDNN: %.2f (target >= 1: %s)\n", name, ratio_of[name], met(ratio_of[name] >= 1));

  // 7-bit activations: both exact on the same input and weights.
  std::vector<double> r_a7, r_gain;
  std::string rows, below;
  for (const ConvLayer& l : layers) {
    const double q7 = c.gops("qjit_a7/" + l.name), o7 = c.gops("onednn_a7/" + l.name), q = c.gops("qjit/" + l.name);
    if (q7 == 0 || o7 == 0) continue;
    r_a7.push_back(q7 / o7);
    if (q > 0) r_gain.push_back(q7 / q);
    if (q7 / o7 < 0.9) below += (below.empty() ? "" : ", ") + l.name + fmt(" (%.2f)", q7 / o7);
    const auto ck = checks().find(l.name);
    const std::string diff = ck == checks().end() ? "-"
                             : std::to_string(ck->second.a7_vs_onednn) +
                                   (ck->second.a7_vs_ref ? " vs ref " + std::to_string(ck->second.a7_vs_ref) + "!" : "");
    char line[200];
    std::snprintf(line, sizeof line, "| %s | %.1f | %.1f | %.2f | %s | %s |\n", l.name.c_str(), q7, o7, q7 / o7,
                  q > 0 ? fmt("%.2f", q7 / q).c_str() : "-", diff.c_str());
    rows += line;
  }
  if (r_a7.empty()) return;
  std::printf("\n### 7-bit activations (reduce_range), same weights, both exact\n\n| layer | qjit_a7 GOPS | oneDNN a7 "
              "GOPS | qjit_a7/oneDNN_a7 | qjit_a7/qjit (8-bit A) | max diff vs oneDNN |\n|---|---|---|---|---|---|\n%s",
              rows.c_str());
  std::printf("\ngeomean qjit_a7/oneDNN_a7 over %zu layers: %.3f; qjit_a7/qjit %.3f; below 0.9x: %s\n", r_a7.size(),
              qjit_bench::geomean(r_a7), qjit_bench::geomean(r_gain), below.empty() ? "none" : below.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const std::string path = qjit_bench::data_file("QJIT_BENCH_CONV_LAYERS", "conv_layers.txt");
  std::vector<ConvLayer> layers;
  try {
    layers = qjit_bench::load_conv_layers(path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_conv: %s (set QJIT_BENCH_CONV_LAYERS)\n", e.what());
    return 1;
  }
  benchmark::AddCustomContext("qjit_cpu", qjit::cpu_summary());
  benchmark::AddCustomContext("layers", path);
  benchmark::AddCustomContext("weight_max", std::to_string(weight_max()));
  benchmark::AddCustomContext("onednn", qjit_bench::onednn_version());
  register_all(layers);
  qjit_bench::Collector reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Color
                                                       : benchmark::ConsoleReporter::OO_None);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter, layers);
  benchmark::Shutdown();
  return 0;
}
