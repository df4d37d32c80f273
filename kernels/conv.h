// Quantized convolution (conv1d / conv2d / conv3d, groups, dilation) over raw channels-last buffers, built on the
// int8 GEMM (kernels/gemm.h):
//   y[n][o...][oc] = output_stage( sum over c in the group of oc, taps t:
//                                  (x[n][i...(o, t)][c] - x_zp) * (w[oc][c][t] - w_zp[oc]) )
// with x uint8 NWC / NHWC / NDHWC (dense: pixel stride C), y dense channels-last (pixel stride OC) of the
// output stage's kind (u8 / s8 requantized, s32, f32; per tensor or per output channel). Padded taps read x_zp,
// so they contribute exactly 0. For f32 output, OutputStage::row_scale (if set) is indexed by the output pixel
// (n, od, oh, ow) flattened; multiplier / biases (per channel) by the output channel.
//
// Algorithms, chosen by shape (conv_algorithm) and named in the QJIT_VERBOSE exec line:
//   gemm_1x1       1x1 kernel, stride 1, no padding, G == 1: one GEMM over N*D*H*W rows straight on the input
//                  (lda = C), no copy.
//   grouped_1x1    the same with G > 1: per group, a GEMM on the group's channel slice of the input (lda = C)
//                  writing the group's slice of the output (ldc = OC). Still no copy.
//   im2col         G == 1 otherwise: rows of im2col built in blocks of output pixels into a per-thread buffer
//                  (at most ~256 KiB per block, never the whole image), one GEMM per block.
//   grouped_im2col G > 1 otherwise: the same per (block, group), im2col gathering the group's C/G channels and
//                  the GEMM writing the group's OC/G output channels (ldc = OC).
//   depthwise      G == C > 1 (or C == OC == 1 with a kernel > 1x1), OC = m * C for any channel multiplier m, 1-d /
//                  2-d / 3-d, any kernel of at most 255 taps (1x1 included: G GEMMs with K = 1 would be far
//                  slower), any weight zero points and every output kind: the direct JIT depthwise kernel
//                  (kernels/depthwise.h). A depthwise layer with more than 255 taps runs grouped_im2col (the
//                  verbose line says so).
//   groupwise      not 1x1, G > 1, C/G == OC/G in {2, 4, 8, 16}, at most 64 taps (1-d / 2-d / 3-d): the direct
//                  JIT groupwise kernel (kernels/groupwise.h), when the weights are symmetric and the output is
//                  not f32; otherwise grouped_im2col (the verbose line says why, ":why=...").
// Other grouped shapes run through grouped_im2col: correct, but slower (N = OC/G columns fill a fraction of a GEMM
// panel and im2col moves a byte per tap).
// Weights packed with PackOptions::a7_panels (the four GEMM algorithms): one max over the input (and x_zp where
// padding is read) decides for the whole call whether the GEMMs run the u8x4 panels (max <= 127) or the exact
// s16x2 ones; the verbose line says which (":a7=u8x4 (a max 90 <= 127)").
//
// Threads: blocks of output pixels (times groups) are split across the default pool, or the caller's partition
// (Exec::partition: this call does only that share). The 1x1 G == 1 case without a partition lets the GEMM
// split its M and N itself.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv_desc.h"
#include "kernels/exec.h"
#include "kernels/gemm_output.h"
#include "packing/packed_conv_weights.h"

namespace qjit {

enum class ConvAlgorithm : uint8_t { gemm_1x1, grouped_1x1, im2col, grouped_im2col, depthwise, groupwise };

const char* conv_algorithm_name(ConvAlgorithm a);

// The algorithm conv() runs for d. Throws qjit::Error when d is invalid.
ConvAlgorithm conv_algorithm(const ConvDesc& d);

// x: d.input_pixels() * C uint8 values; y: d.output_pixels() * OC outputs of out.kind. w must have been packed for
// d.weight_shape() and for exec.isa. Throws qjit::Error (naming "conv", the argument and its value) on bad
// geometry, mismatched weights, a bad output stage or null buffers.
void conv(const ConvDesc& d, const uint8_t* x, int32_t x_zero_point, const PackedConvWeights& w, void* y,
          const OutputStage& out, const Exec& exec = {});

// Whether conv_using can run algorithm a for d (e.g. grouped_im2col for any d, depthwise only when is_depthwise).
// Throws qjit::Error when d is invalid.
bool conv_algorithm_applies(ConvAlgorithm a, const ConvDesc& d);

// conv() with the algorithm given instead of chosen by shape: for benchmarks and tests that compare the paths (e.g.
// depthwise against grouped_im2col). Throws qjit::Error when it does not apply to d, besides conv()'s checks.
void conv_using(ConvAlgorithm algo, const ConvDesc& d, const uint8_t* x, int32_t x_zero_point,
                const PackedConvWeights& w, void* y, const OutputStage& out, const Exec& exec = {});

}  // namespace qjit
