// What the convolution-shaped operators (conv in kernels/conv.cc, conv_transpose in kernels/conv_transpose.cc)
// share: the checks of their descriptors' common fields, the check that packed weights fit a descriptor, and the
// driver that runs one GEMM per block of output pixels and group, the rows of each block made by the operator's
// own row builder (im2col, the transposed convolution's gather, or the input itself for a 1x1 convolution).
//
// Internal to kernels/: the public API is each operator's header.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/threadpool.h"
#include "jit/cpu.h"
#include "kernels/exec.h"
#include "kernels/gemm.h"

namespace qjit::conv_common {

// Large enough for any real layer, small enough that products of a few of them (pixel counts, offsets in bytes)
// cannot overflow int64 / size_t.
constexpr int64_t kMaxSize = int64_t{1} << 24;

// The sizes of the dimensions in use joined by 'x', e.g. "9x10".
std::string dims_text(const std::array<int64_t, 3>& v, int dims);

// Checks spatial_dims, batch, the channel counts and groups (each divides the other two).
void check_channels(std::string_view fn, int spatial_dims, int64_t batch, int64_t in_channels, int64_t out_channels,
                    int64_t groups);

// Checks that an image of `input` and one of `output` pixels stay addressable (each size is bounded, not their
// product).
void check_pixel_counts(std::string_view fn, const std::array<int64_t, 3>& input,
                        const std::array<int64_t, 3>& output, int spatial_dims);

// Throws unless packed weights of shape `got`, packed for `packed_isa`, fit a descriptor whose weights have shape
// `want` and a call on `isa` (which must be available). Shape is ConvWeightShape or ConvTransposeWeightShape.
void check_weight_field(std::string_view fn, const char* field, size_t got, size_t want);
void check_weight_kernel(std::string_view fn, const std::array<size_t, 3>& got, const std::array<size_t, 3>& want);
void check_weight_isa(std::string_view fn, Isa packed_isa, Isa isa);

template <class Shape>
void check_weights(std::string_view fn, const Shape& got, const Shape& want, Isa packed_isa, Isa isa) {
  check_weight_field(fn, "out_channels", got.out_channels, want.out_channels);
  check_weight_field(fn, "in_channels", got.in_channels, want.in_channels);
  check_weight_field(fn, "groups", got.groups, want.groups);
  check_weight_kernel(fn, got.kernel, want.kernel);
  check_weight_isa(fn, packed_isa, isa);
}

// The threads a call of `ops` multiply-adds (x2) runs on: the caller's partition (checked), else exec.threads
// (0: the default pool), but one thread below ~10 us of work, where a second one costs more than it brings (as in
// the GEMM).
int thread_count(std::string_view fn, const Exec& exec, double ops);

// Workaround for the GEMM's JIT epilogue, which loads the per-channel arrays (multiplier when per_channel,
// bias_f, bias_i, post_bias) in whole vectors: up to N rounded up to the panel width nr, past the N entries the
// GEMM API documents. The lanes past N are discarded, but the load itself can cross into an unmapped page (a
// caller's bias_i array followed by a guard page faults inside qjit::gemm; first seen as a SEGV under ASan in
// conv1d tests). Per group the arrays start at channel g * OC/G, so the over-read reaches up to nr - 1
// entries past OC. The copies returned are padded with zeros to OC + nr; O(OC) per call, and the buffers of a
// thread grow once and stay (no allocation on repeated calls). nr is the widest panel of any group of `w`.
OutputStage padded_stage(const OutputStage& out, size_t OC, size_t nr);

template <class Packed>
OutputStage padded_stage(const OutputStage& out, size_t OC, const Packed& w) {
  size_t nr = 0;
  for (size_t g = 0; g < w.groups(); ++g) nr = std::max(nr, static_cast<size_t>(w.group(g).layout().nr));
  return padded_stage(out, OC, nr);
}

// The output stage of group g: per-channel arrays start at the group's first output channel; row_scale (per
// output pixel) at the block's first pixel.
OutputStage group_stage(const OutputStage& out, size_t g, size_t OCg, size_t p0);

// The GEMMs of a grouped convolution-shaped operator: M output pixels, G groups of OCg output channels (OC in
// all), rows of K bytes per group and pixel, results of out_size bytes.
struct BlockedGemm {
  size_t M, OC, G, OCg, K, out_size;
  size_t mr;          // the weights' tile height: blocks are whole tiles
  bool gather_rows;   // rows are built into a buffer (at most kBlockBytes per block); false: read in place
};

// Output pixels per block: at least one block per thread, whole GEMM tiles, and when rows are built at most
// kBlockBytes of rows over all groups together (K * G bytes per pixel), so that the groups of a block find the
// block's input pixels still in cache (on a depthwise 3x3 this made the grouped path ~1.4x faster than bounding
// each group's rows alone). 256 KiB: a group's rows are the A operand of one GEMM call and should sit in L2 with
// room for the weight panels streaming past (the GEMM blocks A the same way).
constexpr size_t kBlockBytes = 256 * 1024;
size_t pixel_block(const BlockedGemm& p, int threads);

// The row buffer of this thread, grown to at least `bytes` (it stays, so repeated calls allocate nothing).
uint8_t* row_buffer(size_t bytes);

// Runs share(part): on the caller's partition (exec.partition: this call does only that share), on this thread, or
// on `threads` shares of the default pool.
template <class Share>
void run_shares(const Exec& exec, int threads, const Share& share) {
  if (exec.partition)
    share(*exec.partition);
  else if (threads == 1)
    share(Partition{0, 1});
  else
    parallel_run(threads, share);
}

// Runs the GEMM of every (block, group) item, items block-major (item = b * G + g) so that one thread runs every
// group of its pixels while their input rows are in cache: on the caller's partition, on this thread, or on
// `threads` shares of the default pool. rows(g, p0, n, buf) returns {a, lda}: the n rows of group g from output
// pixel p0, built into buf (K bytes per row) or pointing into the input when !gather_rows (buf is null then).
// a_max_bound: a bound on every byte the rows hold, or -1 (each GEMM scans its rows when its weights need it).
template <class Packed, class Rows>
void run_blocked_gemm(const BlockedGemm& p, const Packed& w, int32_t x_zero_point, const Rows& rows, void* y,
                      const OutputStage& stage, const Exec& exec, int threads, int a_max_bound = -1) {
  const size_t block = pixel_block(p, threads);
  const size_t blocks = (p.M + block - 1) / block, items = blocks * p.G;
  const Exec inner{exec.isa, nullptr, 1};
  const auto share = [&](Partition part) {
    const auto [i0, i1] = partition_range(items, part);
    if (i0 == i1) return;
    uint8_t* buf = p.gather_rows ? row_buffer(block * p.K) : nullptr;
    for (size_t item = i0; item < i1; ++item) {
      const size_t b = item / p.G, g = item % p.G;
      const size_t p0 = b * block, n = std::min(block, p.M - p0);
      const std::pair<const uint8_t*, size_t> a = rows(g, p0, n, buf);
      void* c = static_cast<char*>(y) + (p0 * p.OC + g * p.OCg) * p.out_size;
      detail::gemm_with_a_bound(a.first, a.second, x_zero_point, n, w.group(g), c, p.OC,
                                group_stage(stage, g, p.OCg, p0), inner, a_max_bound);
    }
  };
  run_shares(exec, threads, share);
}

}  // namespace qjit::conv_common
