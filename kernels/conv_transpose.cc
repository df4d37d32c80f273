#include "kernels/conv_transpose.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/conv_transpose_gather.h"
#include "kernels/gemm.h"

namespace qjit {

namespace {

constexpr const char* kFn = "conv_transpose";

// Bytes of gathered rows per block of output pixels (all groups together): a group's rows are the A operand of
// one GEMM call and should sit in L2 beside the weight panels, as in conv (kernels/conv.cc).
constexpr size_t kBlockBytes = 256 * 1024;

void check_weights(const ConvTransposeDesc& d, const PackedConvTransposeWeights& w, Isa isa) {
  const ConvTransposeWeightShape want = d.weight_shape(), got = w.shape();
  const auto same = [&](bool ok, const char* field, size_t value, size_t expected) {
    check_arg(ok, kFn, std::string("w.shape().") + field, value,
              "differs from the descriptor's " + std::to_string(expected));
  };
  same(got.in_channels == want.in_channels, "in_channels", got.in_channels, want.in_channels);
  same(got.out_channels == want.out_channels, "out_channels", got.out_channels, want.out_channels);
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

// The GEMM's JIT epilogue loads per-channel arrays in whole panels (up to nr - 1 entries past the group's last
// channel), which can cross into an unmapped page past a caller's array (see padded_stage in kernels/conv.cc).
// Zero-padded per-thread copies of OC + nr entries, grown once.
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

std::vector<uint8_t>& gather_buffer() {
  thread_local std::vector<uint8_t> buf;
  return buf;
}

}  // namespace

const char* conv_transpose_algorithm_name(ConvTransposeAlgorithm a) {
  switch (a) {
    case ConvTransposeAlgorithm::gather: return "gather";
    case ConvTransposeAlgorithm::grouped_gather: return "grouped_gather";
  }
  return "?";
}

ConvTransposeAlgorithm conv_transpose_algorithm(const ConvTransposeDesc& d) {
  d.validate(kFn);
  return d.groups == 1 ? ConvTransposeAlgorithm::gather : ConvTransposeAlgorithm::grouped_gather;
}

void conv_transpose(const ConvTransposeDesc& d, const uint8_t* x, int32_t x_zero_point,
                    const PackedConvTransposeWeights& w, void* y, const OutputStage& out, const Exec& exec) {
  const ConvTransposeAlgorithm algo = conv_transpose_algorithm(d);  // validates d
  check_weights(d, w, exec.isa);
  check_zero_point(kFn, "x_zero_point", x_zero_point, 0, 255);
  const size_t M = d.output_pixels();
  if (M == 0) return;  // batch 0
  check_not_null(kFn, "x", x);
  check_not_null(kFn, "y", y);
  const size_t OC = static_cast<size_t>(d.out_channels);
  check_output_stage(kFn, out, OC);

  VerboseOp verbose;
  size_t nr = 0;
  for (size_t g = 0; g < w.groups(); ++g) nr = std::max(nr, static_cast<size_t>(w.group(g).layout().nr));
  const OutputStage stage = padded_stage(out, OC, nr);
  const size_t G = static_cast<size_t>(d.groups), OCg = d.group_out();
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
    if (ops < 2e6) threads = 1;  // as in conv: below ~10 us of work a second thread costs more than it brings
  }

  // Blocks of output pixels: at least one per thread, whole GEMM tiles, at most kBlockBytes of rows over all
  // groups together.
  size_t block = (M + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads);
  block = (block + mr - 1) / mr * mr;
  const size_t cap = kBlockBytes / (K * G);
  block = std::min(block, cap >= mr ? cap / mr * mr : std::max<size_t>(1, cap));
  const size_t blocks = (M + block - 1) / block, items = blocks * G;
  const ConvTransposeGather gather(d);
  const Exec inner{exec.isa, nullptr, 1};
  // Items are block-major (item = b * G + g), so one thread runs every group of its pixels.
  const auto share = [&](Partition p) {
    const auto [i0, i1] = partition_range(items, p);
    if (i0 == i1) return;
    std::vector<uint8_t>& buf = gather_buffer();
    if (buf.size() < block * K) buf.resize(block * K);
    for (size_t item = i0; item < i1; ++item) {
      const size_t b = item / G, g = item % G;
      const size_t p0 = b * block, rows = std::min(block, M - p0);
      gather.rows(x, static_cast<uint8_t>(x_zero_point), g, p0, rows, buf.data());
      void* c = static_cast<char*>(y) + (p0 * OC + g * OCg) * out_size;
      gemm(buf.data(), K, x_zero_point, rows, w.group(g), c, OC, group_stage(stage, g, OCg, p0), inner);
    }
  };
  if (exec.partition)
    share(*exec.partition);
  else if (threads == 1)
    share(Partition{0, 1});
  else
    parallel_run(threads, share);

  if (verbose.on())
    verbose.done(kFn, isa_name(exec.isa), conv_transpose_algorithm_name(algo),
                 d.describe() + ":out=" + output_kind_name(out.kind) +
                     ":layout=" + dot_kind_name(w.group(0).layout().dot));
}

}  // namespace qjit
