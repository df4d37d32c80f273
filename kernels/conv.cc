#include "kernels/conv.h"

#include "kernels/depthwise.h"
#include "kernels/groupwise.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/conv_common.h"
#include "kernels/conv_im2col.h"
#include "kernels/gemm.h"
#include "kernels/max_u8.h"

namespace qjit {

namespace {

constexpr const char* kFn = "conv";

bool is_1x1(const ConvDesc& d) {
  for (size_t i = 0; i < 3; ++i)
    if (d.kernel[i] != 1 || d.stride[i] != 1 || d.padding[i] != 0) return false;
  return true;  // dilation is irrelevant for a 1x1 kernel
}

ConvAlgorithm choose(const ConvDesc& d) {
  // G == 1 is depthwise only for C == OC == 1 (a single-channel input with many outputs is a plain GEMM).
  if (is_depthwise(d) && (d.groups > 1 || (d.out_channels == 1 && !is_1x1(d)))) return ConvAlgorithm::depthwise;
  if (is_groupwise(d) && !is_1x1(d)) return ConvAlgorithm::groupwise;
  if (is_1x1(d)) return d.groups == 1 ? ConvAlgorithm::gemm_1x1 : ConvAlgorithm::grouped_1x1;
  return d.groups == 1 ? ConvAlgorithm::im2col : ConvAlgorithm::grouped_im2col;
}

bool has_padding(const ConvDesc& d) {
  return d.padding[0] > 0 || d.padding[1] > 0 || d.padding[2] > 0;
}

// For weights packed with a7 panels (PackOptions::a7_panels): a bound on every byte the GEMMs read, i.e. the max
// of the input and, where im2col pads, the zero point. One pass over the input instead of a scan of every block's
// rows (im2col repeats each input byte once per tap). -1 when the weights have no a7 panels.
int a7_bound(const ConvDesc& d, const uint8_t* x, int32_t x_zero_point, const PackedConvWeights& w, const Exec& exec) {
  if (!w.group(0).has_a7_panels()) return -1;
  int bound = max_u8(x, d.input_pixels() * static_cast<size_t>(d.in_channels), Exec{exec.isa, nullptr, 1});
  if (has_padding(d)) bound = std::max(bound, static_cast<int>(x_zero_point));
  return bound;
}

}  // namespace

const char* conv_algorithm_name(ConvAlgorithm a) {
  switch (a) {
    case ConvAlgorithm::gemm_1x1: return "gemm_1x1";
    case ConvAlgorithm::grouped_1x1: return "grouped_1x1";
    case ConvAlgorithm::im2col: return "im2col";
    case ConvAlgorithm::grouped_im2col: return "grouped_im2col";
    case ConvAlgorithm::depthwise: return "depthwise";
    case ConvAlgorithm::groupwise: return "groupwise";
  }
  return "?";
}

ConvAlgorithm conv_algorithm(const ConvDesc& d) {
  d.validate(kFn);
  return choose(d);
}

bool conv_algorithm_applies(ConvAlgorithm a, const ConvDesc& d) {
  d.validate(kFn);
  switch (a) {
    case ConvAlgorithm::gemm_1x1: return is_1x1(d) && d.groups == 1;
    case ConvAlgorithm::grouped_1x1: return is_1x1(d);
    case ConvAlgorithm::im2col: return d.groups == 1;
    case ConvAlgorithm::grouped_im2col: return true;
    case ConvAlgorithm::depthwise: return is_depthwise(d);
    case ConvAlgorithm::groupwise: return is_groupwise(d);
  }
  return false;
}

void conv(const ConvDesc& d, const uint8_t* x, int32_t x_zero_point, const PackedConvWeights& w, void* y,
          const OutputStage& out, const Exec& exec) {
  conv_using(conv_algorithm(d), d, x, x_zero_point, w, y, out, exec);
}

void conv_using(ConvAlgorithm algo, const ConvDesc& d, const uint8_t* x, int32_t x_zero_point,
                const PackedConvWeights& w, void* y, const OutputStage& out, const Exec& exec) {
  if (!conv_algorithm_applies(algo, d))
    throw_bad_arg(kFn, "algorithm", conv_algorithm_name(algo), "does not apply to " + d.describe());
  conv_common::check_weights(kFn, w.shape(), d.weight_shape(), w.isa(), exec.isa);
  check_zero_point(kFn, "x_zero_point", x_zero_point, 0, 255);
  const size_t M = d.output_pixels();
  if (M == 0) return;  // batch 0
  check_not_null(kFn, "x", x);
  check_not_null(kFn, "y", y);
  const size_t C = static_cast<size_t>(d.in_channels), OC = static_cast<size_t>(d.out_channels);
  // Checked once here, against OC: not by a GEMM call on a group, from inside a worker thread, against OC/G.
  check_output_stage(kFn, out, OC);

  VerboseOp verbose;
  const OutputStage stage = conv_common::padded_stage(out, OC, w);
  if (algo == ConvAlgorithm::depthwise) {  // w fits d (checked above), so it has the depthwise packing
    depthwise_conv(d, x, x_zero_point, *w.depthwise(), y, out, exec);
    if (verbose.on())
      verbose.done(kFn, isa_name(exec.isa), "depthwise (groups == C m=" + std::to_string(d.group_out()) + ")",
                   d.describe() + ":out=" + output_kind_name(out.kind));
    return;
  }
  std::string why;  // for the verbose line: why this algorithm, when the shape alone does not say
  if (algo == ConvAlgorithm::groupwise) {
    const auto cg = [&] { return "cg=" + std::to_string(d.group_in()); };
    if (w.groupwise() && out.kind != OutputKind::f32) {
      std::string kernel;
      detail::groupwise_conv_unchecked(d, x, x_zero_point, *w.groupwise(), y, out, exec, verbose.on() ? &kernel : nullptr);
      if (verbose.on())
        verbose.done(kFn, isa_name(exec.isa), conv_algorithm_name(algo),
                     d.describe() + ":out=" + output_kind_name(out.kind) + ":kernel=" + kernel + ":why=" + cg() +
                         "_direct_kernel");
      return;
    }
    algo = ConvAlgorithm::grouped_im2col;
    if (verbose.on()) why = ":why=" + cg() + (w.groupwise() ? "_but_f32_out" : "_but_asymmetric_weights");
  }
  const bool direct = algo == ConvAlgorithm::gemm_1x1 || algo == ConvAlgorithm::grouped_1x1;
  const size_t G = static_cast<size_t>(d.groups), Cg = d.group_in(), OCg = d.group_out();
  const size_t K = d.weight_shape().K(), out_size = output_kind_size(out.kind);
  const size_t mr = static_cast<size_t>(w.group(0).layout().mr);
  const double ops = 2.0 * static_cast<double>(M) * static_cast<double>(OC) * static_cast<double>(K);

  const int threads = conv_common::thread_count(kFn, exec, ops);
  const int a_bound = a7_bound(d, x, x_zero_point, w, exec);
  if (algo == ConvAlgorithm::gemm_1x1 && !exec.partition) {
    // The input is the A matrix: the GEMM splits rows and panels across threads as it does for any GEMM.
    detail::gemm_with_a_bound(x, C, x_zero_point, M, w.group(0), y, OC, stage, Exec{exec.isa, nullptr, threads},
                              a_bound);
  } else {
    const Im2col im2col(d);
    const conv_common::BlockedGemm plan{M, OC, G, OCg, K, out_size, mr, !direct};
    const auto rows = [&](size_t g, size_t p0, size_t n, uint8_t* buf) -> std::pair<const uint8_t*, size_t> {
      if (direct) return {x + p0 * C + g * Cg, C};  // the group's channel slice of the input pixels
      im2col.rows(x, static_cast<uint8_t>(x_zero_point), g, p0, n, buf);
      return {buf, K};
    };
    conv_common::run_blocked_gemm(plan, w, x_zero_point, rows, y, stage, exec, threads, a_bound);
  }

  if (verbose.on())
    verbose.done(kFn, isa_name(exec.isa),
                 std::string(conv_algorithm_name(algo)) +
                     (d.groups != d.in_channels || d.groups == 1 ? ""
                      : is_depthwise(d)                         ? ": depthwise shape, algorithm given by the caller"
                                                                : ": depthwise with more than 255 taps"),
                 d.describe() + ":out=" + output_kind_name(out.kind) + ":layout=" +
                     dot_kind_name(detail::a7_panels_chosen(a_bound) ? w.group(0).a7_layout().dot
                                                                     : w.group(0).layout().dot) +
                     detail::a7_choice_text(a_bound) + why);
}

}  // namespace qjit
