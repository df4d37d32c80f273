// Quantized norm, upsample and pooling kernels: the scalar reference (kernels/reference/) against the AVX2 path, on
// one activation of a typical CNN stage, 1x64x56x56 quint8 in channels_last (NHWC), one thread, the same buffers.
//
// Names read <impl>/<op>: "scalar/batch_norm2d" next to "avx2/batch_norm2d". Ops:
//  - batch_norm2d: q_batch_norm over 56*56 rows of 64 channels (alpha / beta from batch_norm_fused_params);
//  - layer_norm_chw: normalized_shape [64, 56, 56] (one slice per sample, elementwise affine), on the contiguous
//    form as the Tensor op runs it; layer_norm_w: normalized_shape [56] (64*56 slices of 56);
//  - group_norm32: 32 groups of 2 channels, per-channel affine, on the contiguous form;
//  - upsample_bilinear_x2 / upsample_nearest_x2: 56x56 -> 112x112, half-pixel (align_corners false);
//  - max_pool2d / avg_pool2d: kernel 3, stride 2, padding 1 (56 -> 28).
// Times are CPU time of the calling thread (the machine is shared; wall time would count time spent descheduled).
// Bytes/s counts the input read and the output written once.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "jit/cpu.h"
#include "kernels/pool.h"
#include "kernels/qnorm.h"
#include "kernels/reference/pool_ref.h"
#include "kernels/reference/qnorm_ref.h"
#include "kernels/reference/upsample_ref.h"
#include "kernels/upsample.h"

namespace {

using qjit::Isa;
using qjit::QType;

constexpr int64_t kC = 64, kH = 56, kW = 56, kPixels = kH * kW, kElems = kC * kPixels;

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, 255);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(dist(rng));
  return v;
}

std::vector<float> random_floats(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& f : v) f = dist(rng);
  return v;
}

// Inputs and parameters shared by every benchmark.
struct Data {
  std::vector<uint8_t> x = random_bytes(kElems, 1);
  std::vector<uint8_t> y = std::vector<uint8_t>(4 * kElems);  // large enough for the x2 upsample
  std::vector<float> alpha = std::vector<float>(kC), beta = std::vector<float>(kC);
  std::vector<float> gamma_chw = random_floats(kElems, 0.5f, 1.5f, 2), beta_chw = random_floats(kElems, -0.5f, 0.5f, 3);
  std::vector<float> gamma_w = random_floats(kW, 0.5f, 1.5f, 4), beta_w = random_floats(kW, -0.5f, 0.5f, 5);
  std::vector<float> gamma_c = random_floats(kC, 0.5f, 1.5f, 6), beta_c = random_floats(kC, -0.5f, 0.5f, 7);

  Data() {
    const auto w = random_floats(kC, 0.5f, 1.5f, 8), b = random_floats(kC, -1.0f, 1.0f, 9);
    const auto mean = random_floats(kC, -1.0f, 1.0f, 10), var = random_floats(kC, 0.5f, 2.0f, 11);
    qjit::batch_norm_fused_params(kC, w.data(), b.data(), mean.data(), var.data(), 1e-5, 0.05, 0.04, alpha.data(),
                                  beta.data());
  }
};

Data& data() {
  static Data d;
  return d;
}

qjit::NormDesc norm_desc(int64_t slices, int64_t size) {
  qjit::NormDesc d;
  d.slices = slices;
  d.slice_size = size;
  d.eps = 1e-5;
  d.in_scale = 0.05f;
  d.in_zero_point = 128;
  d.out_scale = 0.03f;
  d.out_zero_point = 128;
  return d;
}

qjit::PoolDesc pool_desc() {
  qjit::PoolDesc d;
  d.channels = kC;
  d.in[1] = kH;
  d.in[2] = kW;
  d.kernel[1] = d.kernel[2] = 3;
  d.stride[1] = d.stride[2] = 2;
  d.pad[1] = d.pad[2] = 1;
  d.out[1] = qjit::pooling_output_size(kH, 3, 1, 2, 1, false);
  d.out[2] = qjit::pooling_output_size(kW, 3, 1, 2, 1, false);
  return d;
}

qjit::UpsampleDesc upsample_desc() {
  qjit::UpsampleDesc d;
  d.channels = kC;
  d.in_h = kH;
  d.in_w = kW;
  d.out_h = 2 * kH;
  d.out_w = 2 * kW;
  return d;
}

// One op: its run on a path (scalar = the reference) and the bytes it moves.
struct Op {
  const char* name;
  std::function<void(bool avx2)> run;
  int64_t bytes;
};

std::vector<Op> ops() {
  Data& g = data();
  const QType u8 = QType::u8;
  const Isa avx2 = Isa::avx2;
  std::vector<Op> r;
  r.push_back({"batch_norm2d",
               [&g, u8, avx2](bool v) {
                 qjit::BatchNormDesc d;
                 d.outer = kPixels;
                 d.channels = kC;
                 d.alpha = g.alpha.data();
                 d.beta = g.beta.data();
                 d.in_zero_point = 128;
                 d.out_zero_point = 120;
                 v ? qjit::q_batch_norm(d, u8, g.x.data(), g.y.data(), avx2)
                   : qjit::ref::q_batch_norm(d, u8, g.x.data(), g.y.data());
               },
               2 * kElems});
  r.push_back({"layer_norm_chw",
               [&g, u8, avx2](bool v) {
                 qjit::NormDesc d = norm_desc(1, kElems);
                 d.gamma = g.gamma_chw.data();
                 d.beta = g.beta_chw.data();
                 v ? qjit::quantized_normalize(d, u8, g.x.data(), g.y.data(), avx2)
                   : qjit::ref::quantized_normalize(d, u8, g.x.data(), g.y.data());
               },
               2 * kElems});
  r.push_back({"layer_norm_w",
               [&g, u8, avx2](bool v) {
                 qjit::NormDesc d = norm_desc(kC * kH, kW);
                 d.gamma = g.gamma_w.data();
                 d.beta = g.beta_w.data();
                 v ? qjit::quantized_normalize(d, u8, g.x.data(), g.y.data(), avx2)
                   : qjit::ref::quantized_normalize(d, u8, g.x.data(), g.y.data());
               },
               2 * kElems});
  r.push_back({"group_norm32",
               [&g, u8, avx2](bool v) {
                 qjit::NormDesc d = norm_desc(32, kElems / 32);
                 d.per_channel_affine = true;
                 d.channels = kC;
                 d.channels_per_slice = kC / 32;
                 d.gamma = g.gamma_c.data();
                 d.beta = g.beta_c.data();
                 v ? qjit::quantized_normalize(d, u8, g.x.data(), g.y.data(), avx2)
                   : qjit::ref::quantized_normalize(d, u8, g.x.data(), g.y.data());
               },
               2 * kElems});
  r.push_back({"upsample_bilinear_x2",
               [&g, u8, avx2](bool v) {
                 const qjit::UpsampleDesc d = upsample_desc();
                 v ? qjit::upsample_bilinear_nhwc(d, u8, 128, g.x.data(), g.y.data(), avx2)
                   : qjit::ref::upsample_bilinear_nhwc(d, u8, 128, g.x.data(), g.y.data());
               },
               5 * kElems});
  r.push_back({"upsample_nearest_x2",
               [&g, u8, avx2](bool v) {
                 const qjit::UpsampleDesc d = upsample_desc();
                 v ? qjit::upsample_nearest_nhwc(d, u8, g.x.data(), g.y.data(), avx2)
                   : qjit::ref::upsample_nearest_nhwc(d, u8, g.x.data(), g.y.data());
               },
               5 * kElems});
  r.push_back({"max_pool2d",
               [&g, u8, avx2](bool v) {
                 const qjit::PoolDesc d = pool_desc();
                 v ? qjit::max_pool_nhwc(d, u8, g.x.data(), g.y.data(), avx2)
                   : qjit::ref::max_pool_nhwc(d, u8, g.x.data(), g.y.data());
               },
               kElems + kElems / 4});
  r.push_back({"avg_pool2d",
               [&g, u8, avx2](bool v) {
                 const qjit::PoolDesc d = pool_desc();
                 qjit::AvgPoolParams p;
                 p.in_zero_point = p.out_zero_point = 128;
                 v ? qjit::avg_pool_nhwc(d, p, u8, g.x.data(), g.y.data(), avx2)
                   : qjit::ref::avg_pool_nhwc(d, p, u8, g.x.data(), g.y.data());
               },
               kElems + kElems / 4});
  return r;
}

void run(benchmark::State& st, Op op, bool avx2) {
  for (auto _ : st) {
    op.run(avx2);
    benchmark::DoNotOptimize(data().y.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(st.iterations() * op.bytes);
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("# %s\n", qjit::cpu_summary().c_str());
  const bool has_avx2 = qjit::isa_available(Isa::avx2);
  for (const Op& op : ops()) {
    benchmark::RegisterBenchmark((std::string("scalar/") + op.name).c_str(), run, op, false)
        ->Unit(benchmark::kMicrosecond);
    if (has_avx2)
      benchmark::RegisterBenchmark((std::string("avx2/") + op.name).c_str(), run, op, true)
          ->Unit(benchmark::kMicrosecond);
  }
  if (!has_avx2) std::printf("# no AVX2 here (or QJIT_MAX_ISA caps it): scalar lines only\n");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
