#include "kernels/conv_transpose.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/conv_common.h"
#include "kernels/conv_transpose_gather.h"
#include "kernels/gemm.h"

namespace qjit {

namespace {

constexpr const char* kFn = "conv_transpose";

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
  conv_common::check_weights(kFn, w.shape(), d.weight_shape(), w.isa(), exec.isa);
  check_zero_point(kFn, "x_zero_point", x_zero_point, 0, 255);
  const size_t M = d.output_pixels();
  if (M == 0) return;  // batch 0
  check_not_null(kFn, "x", x);
  check_not_null(kFn, "y", y);
  const size_t OC = static_cast<size_t>(d.out_channels);
  check_output_stage(kFn, out, OC);

  VerboseOp verbose;
  const OutputStage stage = conv_common::padded_stage(out, OC, w);
  const size_t G = static_cast<size_t>(d.groups), OCg = d.group_out();
  const size_t K = d.weight_shape().K(), out_size = output_kind_size(out.kind);
  const size_t mr = static_cast<size_t>(w.group(0).layout().mr);
  const double ops = 2.0 * static_cast<double>(M) * static_cast<double>(OC) * static_cast<double>(K);

  const int threads = conv_common::thread_count(kFn, exec, ops);
  const ConvTransposeGather gather(d);
  const conv_common::BlockedGemm plan{M, OC, G, OCg, K, out_size, mr, true};
  const auto rows = [&](size_t g, size_t p0, size_t n, uint8_t* buf) -> std::pair<const uint8_t*, size_t> {
    gather.rows(x, static_cast<uint8_t>(x_zero_point), g, p0, n, buf);
    return {buf, K};
  };
  conv_common::run_blocked_gemm(plan, w, x_zero_point, rows, y, stage, exec, threads);

  if (verbose.on())
    verbose.done(kFn, isa_name(exec.isa), conv_transpose_algorithm_name(algo),
                 d.describe() + ":out=" + output_kind_name(out.kind) +
                     ":layout=" + dot_kind_name(w.group(0).layout().dot));
}

}  // namespace qjit
