#include "kernels/conv.h"

#include "kernels/depthwise.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/conv_im2col.h"
#include "kernels/gemm.h"

namespace qjit {

namespace {

constexpr const char* kFn = "conv";

// Bytes of im2col rows per block of output pixels (all groups together): a group's rows are the A operand of one
// GEMM call, so they should sit in L2 with room for the weight panels streaming past (the GEMM blocks A the
// same way).
constexpr size_t kBlockBytes = 256 * 1024;

bool is_1x1(const ConvDesc& d) {
  for (size_t i = 0; i < 3; ++i)
    if (d.kernel[i] != 1 || d.stride[i] != 1 || d.padding[i] != 0) return false;
  return true;  // dilation is irrelevant for a 1x1 kernel
}

ConvAlgorithm choose(const ConvDesc& d) {
  if (is_depthwise2d(d) && !is_1x1(d)) return ConvAlgorithm::depthwise;
  if (is_1x1(d)) return d.groups == 1 ? ConvAlgorithm::gemm_1x1 : ConvAlgorithm::grouped_1x1;
  return d.groups == 1 ? ConvAlgorithm::im2col : ConvAlgorithm::grouped_im2col;
}

void check_weights(const ConvDesc& d, const PackedConvWeights& w, Isa isa) {
  const ConvWeightShape want = d.weight_shape(), got = w.shape();
  const auto same = [&](bool ok, const char* field, size_t value, size_t expected) {
    check_arg(ok, kFn, std::string("w.shape().") + field, value,
              "differs from the descriptor's " + std::to_string(expected));
  };
  same(got.out_channels == want.out_channels, "out_channels", got.out_channels, want.out_channels);
  same(got.in_channels == want.in_channels, "in_channels", got.in_channels, want.in_channels);
  same(got.groups == want.groups, "groups", got.groups, want.groups);
  for (size_t i = 0; i < 3; ++i)
    check_arg(got.kernel[i] == want.kernel[i], kFn, ArgAt{"w.shape().kernel", i}, got.kernel[i],
              "differs from the descriptor's " + std::to_string(want.kernel[i]));
  check_isa_available(kFn, isa);
  check_arg(w.isa() == isa, kFn, "isa", isa_name(isa),
            std::string("differs from the ISA the weights were packed for (") + isa_name(w.isa()) + ")");
}

// The output stage of group g: per-channel arrays start at the group's first output channel; row_scale (per
// output pixel) at the block's first pixel.
OutputStage group_stage(const OutputStage& out, size_t g, size_t OCg, size_t p0) {
  OutputStage s = out;
  const size_t c0 = g * OCg;
  if (s.multiplier && s.per_channel) s.multiplier += c0;
  if (s.bias_f) s.bias_f += c0;
  if (s.bias_i) s.bias_i += c0;
  if (s.post_bias) s.post_bias += c0;
  if (s.row_scale) s.row_scale += p0;
  return s;
}

// Workaround for the GEMM's JIT epilogue, which loads the per-channel arrays (multiplier when per_channel,
// bias_f, bias_i, post_bias) in whole vectors: up to N rounded up to the panel width nr, past the N entries the
// GEMM API documents. The lanes past N are discarded, but the load itself can cross into an unmapped page (a
// caller's bias_i array followed by a guard page faults inside qjit::gemm; first seen as a SEGV under ASan in
// conv1d tests). Per group the arrays start at channel g * OC/G, so the over-read reaches up to nr - 1
// entries past OC. The copies here are padded with zeros to OC + nr; O(OC) per call, and the buffers of a thread
// grow once and stay (no allocation on repeated calls).
struct PaddedStage {
  std::vector<float> mult, bias_f, post_bias;
  std::vector<int32_t> bias_i;
};

OutputStage padded_stage(const OutputStage& out, size_t OC, size_t nr) {
  thread_local PaddedStage pad;
  const auto copy = [&](auto& dst, const auto* src) -> decltype(src) {
    if (!src) return nullptr;
    dst.assign(OC + nr, 0);
    std::copy(src, src + OC, dst.begin());
    return dst.data();
  };
  OutputStage s = out;
  if (out.kind == OutputKind::s32) return s;
  if (out.per_channel) s.multiplier = copy(pad.mult, out.multiplier);
  s.bias_f = copy(pad.bias_f, out.bias_f);
  s.bias_i = copy(pad.bias_i, out.bias_i);
  s.post_bias = copy(pad.post_bias, out.post_bias);
  return s;
}

// The im2col block of each thread: grows to the largest block seen and stays, so repeated calls allocate nothing.
std::vector<uint8_t>& im2col_buffer() {
  thread_local std::vector<uint8_t> buf;
  return buf;
}

}  // namespace

const char* conv_algorithm_name(ConvAlgorithm a) {
  switch (a) {
    case ConvAlgorithm::gemm_1x1: return "gemm_1x1";
    case ConvAlgorithm::grouped_1x1: return "grouped_1x1";
    case ConvAlgorithm::im2col: return "im2col";
    case ConvAlgorithm::grouped_im2col: return "grouped_im2col";
    case ConvAlgorithm::depthwise: return "depthwise";
  }
  return "?";
}

ConvAlgorithm conv_algorithm(const ConvDesc& d) {
  d.validate(kFn);
  return choose(d);
}

void conv(const ConvDesc& d, const uint8_t* x, int32_t x_zero_point, const PackedConvWeights& w, void* y,
          const OutputStage& out, const Exec& exec) {
  d.validate(kFn);
  check_weights(d, w, exec.isa);
  check_zero_point(kFn, "x_zero_point", x_zero_point, 0, 255);
  const size_t M = d.output_pixels();
  if (M == 0) return;  // batch 0
  check_not_null(kFn, "x", x);
  check_not_null(kFn, "y", y);
  const size_t C = static_cast<size_t>(d.in_channels), OC = static_cast<size_t>(d.out_channels);
  // Checked once here, against OC: not by a GEMM call on a group, from inside a worker thread, against OC/G.
  check_output_stage(kFn, out, OC);

  VerboseOp verbose;
  size_t nr = 0;
  for (size_t g = 0; g < w.groups(); ++g) nr = std::max(nr, static_cast<size_t>(w.group(g).layout().nr));
  const OutputStage stage = padded_stage(out, OC, nr);
  ConvAlgorithm algo = choose(d);
  if (algo == ConvAlgorithm::depthwise) {
    if (w.depthwise() && out.kind != OutputKind::f32) {
      depthwise_conv2d(d, x, x_zero_point, *w.depthwise(), y, out, exec);
      return;
    }
    algo = ConvAlgorithm::grouped_im2col;  // asymmetric weights or float output: the general grouped path
  }
  const bool direct = algo == ConvAlgorithm::gemm_1x1 || algo == ConvAlgorithm::grouped_1x1;
  const size_t G = static_cast<size_t>(d.groups), Cg = d.group_in(), OCg = d.group_out();
  const size_t K = d.weight_shape().K(), out_size = output_kind_size(out.kind);
  const size_t mr = static_cast<size_t>(w.group(0).layout().mr);
  const double ops = 2.0 * static_cast<double>(M) * static_cast<double>(OC) * static_cast<double>(K);

  int threads = 1;
  if (exec.partition) {
    const Partition& p = *exec.partition;
    check_arg(p.thread_count >= 1, kFn, "partition.thread_count", p.thread_count, "must be >= 1");
    check_arg(p.thread_id >= 0 && p.thread_id < p.thread_count, kFn, "partition.thread_id", p.thread_id,
              "must be in [0, thread_count)");
    threads = p.thread_count;
  } else if (exec.threads != 1) {
    threads = exec.threads > 0 ? exec.threads : get_num_threads();
    if (ops < 2e6) threads = 1;  // as in the GEMM: below ~10 us of work a second thread costs more than it brings
  }

  if (algo == ConvAlgorithm::gemm_1x1 && !exec.partition) {
    // The input is the A matrix: the GEMM splits rows and panels across threads as it does for any GEMM.
    gemm(x, C, x_zero_point, M, w.group(0), y, OC, stage, Exec{exec.isa, nullptr, threads});
  } else {
    // Blocks of output pixels: at least one per thread, whole GEMM tiles, and for im2col at most kBlockBytes of
    // rows over all groups together (K * G = taps * C bytes per pixel), so that the groups of a block find the
    // block's input pixels still in cache (on a depthwise 3x3 this made the grouped path ~1.4x faster than
    // bounding each group's rows alone).
    size_t block = (M + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads);
    block = (block + mr - 1) / mr * mr;
    if (!direct) {
      const size_t cap = kBlockBytes / (K * G);
      block = std::min(block, cap >= mr ? cap / mr * mr : std::max<size_t>(1, cap));
    }
    const size_t blocks = (M + block - 1) / block, items = blocks * G;
    const Im2col im2col(d);
    const Exec inner{exec.isa, nullptr, 1};
    // Items are block-major (item = b * G + g), so one thread runs every group of its pixels while their input
    // rows are in cache.
    const auto share = [&](Partition p) {
      const auto [i0, i1] = partition_range(items, p);
      if (i0 == i1) return;
      std::vector<uint8_t>& buf = im2col_buffer();
      if (!direct && buf.size() < block * K) buf.resize(block * K);
      for (size_t item = i0; item < i1; ++item) {
        const size_t b = item / G, g = item % G;
        const size_t p0 = b * block, rows = std::min(block, M - p0);
        const uint8_t* a = x + p0 * C + g * Cg;  // direct: the group's channel slice of the input pixels
        size_t lda = C;
        if (!direct) {
          im2col.rows(x, static_cast<uint8_t>(x_zero_point), g, p0, rows, buf.data());
          a = buf.data();
          lda = K;
        }
        void* c = static_cast<char*>(y) + (p0 * OC + g * OCg) * out_size;
        gemm(a, lda, x_zero_point, rows, w.group(g), c, OC, group_stage(stage, g, OCg, p0), inner);
      }
    };
    if (exec.partition)
      share(*exec.partition);
    else if (threads == 1)
      share(Partition{0, 1});
    else
      parallel_run(threads, share);
  }

  if (verbose.on())
    verbose.done(kFn, isa_name(exec.isa), conv_algorithm_name(algo),
                 d.describe() + ":out=" + output_kind_name(out.kind) + ":layout=" + dot_kind_name(w.group(0).layout().dot));
}

}  // namespace qjit
