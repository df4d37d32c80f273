#include "kernels/conv_transpose.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/conv_common.h"
#include "kernels/conv_transpose_gather.h"
#include "kernels/conv_transpose_phase_rows.h"
#include "kernels/gemm.h"

namespace qjit {

namespace {

constexpr const char* kFn = "conv_transpose";

bool strided(const ConvTransposeDesc& d) { return d.stride[0] > 1 || d.stride[1] > 1 || d.stride[2] > 1; }

// The phase form: per output phase, blocks of its sub-grid's pixels (times groups), rows built from the phase's
// taps only (about 1/stride of them per dimension), one GEMM per (block, group) into a per-thread tile whose rows
// are then copied to their output pixels (they are stride apart in the output).
void run_phases(const ConvTransposeDesc& d, const ConvTransposePhases& phases, const uint8_t* x, int32_t x_zp,
                void* y, const OutputStage& stage, const Exec& exec, int threads) {
  const size_t G = static_cast<size_t>(d.groups), OCg = d.group_out(), OC = static_cast<size_t>(d.out_channels);
  const size_t out_size = output_kind_size(stage.kind);
  const Exec inner{exec.isa, nullptr, 1};
  size_t index = 0;
  for (size_t r0 = 0; r0 < phases.stride[0]; ++r0)
    for (size_t r1 = 0; r1 < phases.stride[1]; ++r1)
      for (size_t r2 = 0; r2 < phases.stride[2]; ++r2) {
        const ConvTransposePhase& ph = phases.phases[index++];
        const size_t r[3] = {r0, r1, r2};
        const ConvTransposePhaseRows rows(d, ph, r);
        const size_t M = rows.pixels();
        if (M == 0) continue;
        const size_t mr = static_cast<size_t>(ph.groups.front().layout().mr);
        const size_t block = conv_common::pixel_block({M, OC, G, OCg, ph.K, out_size, mr, true}, threads);
        const size_t items = (M + block - 1) / block * G;
        const auto share = [&](Partition part) {
          const auto [i0, i1] = partition_range(items, part);
          if (i0 == i1) return;
          uint8_t* buf = conv_common::row_buffer(block * ph.K);
          // Per thread, grown once: the block's output pixels, its results, its row scales (f32 output).
          thread_local std::vector<size_t> pix;
          thread_local std::vector<uint8_t> tile;
          thread_local std::vector<float> scales;
          if (pix.size() < block) pix.resize(block);
          if (tile.size() < block * OCg * out_size) tile.resize(block * OCg * out_size);
          if (stage.row_scale && scales.size() < block) scales.resize(block);
          for (size_t item = i0; item < i1; ++item) {
            const size_t b = item / G, g = item % G;
            const size_t q0 = b * block, n = std::min(block, M - q0);
            rows.rows(x, static_cast<uint8_t>(x_zp), g, q0, n, buf, pix.data());
            OutputStage gs = conv_common::group_stage(stage, g, OCg, 0);
            if (stage.row_scale) {
              for (size_t q = 0; q < n; ++q) scales[q] = stage.row_scale[pix[q]];
              gs.row_scale = scales.data();
            }
            gemm(buf, ph.K, x_zp, n, ph.groups[g], tile.data(), OCg, gs, inner);
            const size_t bytes = OCg * out_size;
            for (size_t q = 0; q < n; ++q)
              std::memcpy(static_cast<char*>(y) + (pix[q] * OC + g * OCg) * out_size, tile.data() + q * bytes, bytes);
          }
        };
        conv_common::run_shares(exec, threads, share);
      }
}

}  // namespace

const char* conv_transpose_algorithm_name(ConvTransposeAlgorithm a) {
  switch (a) {
    case ConvTransposeAlgorithm::gather: return "gather";
    case ConvTransposeAlgorithm::grouped_gather: return "grouped_gather";
    case ConvTransposeAlgorithm::phase_gather: return "phase_gather";
    case ConvTransposeAlgorithm::grouped_phase_gather: return "grouped_phase_gather";
  }
  return "?";
}

ConvTransposeAlgorithm conv_transpose_algorithm(const ConvTransposeDesc& d) {
  d.validate(kFn);
  if (strided(d))
    return d.groups == 1 ? ConvTransposeAlgorithm::phase_gather : ConvTransposeAlgorithm::grouped_phase_gather;
  return d.groups == 1 ? ConvTransposeAlgorithm::gather : ConvTransposeAlgorithm::grouped_gather;
}

void conv_transpose(const ConvTransposeDesc& d, const uint8_t* x, int32_t x_zero_point,
                    const PackedConvTransposeWeights& w, void* y, const OutputStage& out, const Exec& exec) {
  const ConvTransposeAlgorithm algo = conv_transpose_algorithm(d);  // validates d
  conv_common::check_weights(kFn, w.shape(), d.weight_shape(), w.isa(), exec.isa);
  check_zero_point(kFn, "x_zero_point", x_zero_point, 0, 255);
  const size_t M = d.output_pixels();
  if (M == 0) return;  // batch 0
  check_not_null(kFn, "x", x);
  check_not_null(kFn, "y", y);
  const size_t OC = static_cast<size_t>(d.out_channels);
  check_output_stage(kFn, out, OC);

  VerboseOp verbose;
  const size_t G = static_cast<size_t>(d.groups), OCg = d.group_out();
  const size_t K = d.weight_shape().K(), out_size = output_kind_size(out.kind);
  const size_t mr = static_cast<size_t>(w.group(0).layout().mr);
  const double ops = 2.0 * static_cast<double>(M) * static_cast<double>(OC) * static_cast<double>(K);
  const int threads = conv_common::thread_count(kFn, exec, ops);

  if (strided(d)) {
    std::array<size_t, 3> stride, dilation;
    for (size_t i = 0; i < 3; ++i) {
      stride[i] = static_cast<size_t>(d.stride[i]);
      dilation[i] = static_cast<size_t>(d.dilation[i]);
    }
    const ConvTransposePhases& phases = w.phases(stride, dilation);  // packed on the first strided call
    size_t nr = 0;
    for (const ConvTransposePhase& ph : phases.phases)
      for (const PackedWeights& g : ph.groups) nr = std::max(nr, static_cast<size_t>(g.layout().nr));
    run_phases(d, phases, x, x_zero_point, y, conv_common::padded_stage(out, OC, nr), exec, threads);
  } else {
    const OutputStage stage = conv_common::padded_stage(out, OC, w);
    const ConvTransposeGather gather(d);
    const conv_common::BlockedGemm plan{M, OC, G, OCg, K, out_size, mr, true};
    const auto rows = [&](size_t g, size_t p0, size_t n, uint8_t* buf) -> std::pair<const uint8_t*, size_t> {
      gather.rows(x, static_cast<uint8_t>(x_zero_point), g, p0, n, buf);
      return {buf, K};
    };
    conv_common::run_blocked_gemm(plan, w, x_zero_point, rows, y, stage, exec, threads);
  }

  if (verbose.on())
    verbose.done(kFn, isa_name(exec.isa), conv_transpose_algorithm_name(algo),
                 d.describe() + ":out=" + output_kind_name(out.kind) +
                     ":layout=" + dot_kind_name(w.group(0).layout().dot));
}

}  // namespace qjit
