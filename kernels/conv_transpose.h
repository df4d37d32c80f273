// Quantized transposed convolution (PyTorch's ConvTranspose1d / 2d / 3d: groups, stride, padding, output_padding,
// dilation) over raw channels-last buffers, built on the int8 GEMM (kernels/gemm.h):
//   y[n][o...][oc] = output_stage( sum over c in the group of oc, taps t, input pixels i with o = i*s - p + t*d:
//                                  (x[n][i...][c] - x_zp) * (w[c][oc % (OC/G)][t] - w_zp[oc]) )
// with x uint8 NWC / NHWC / NDHWC (dense: pixel stride C), w in PyTorch's ConvTranspose layout [C][OC/G][k...]
// (packed once: packing/packed_conv_transpose_weights.h), y dense channels-last (pixel stride OC) of the output
// stage's kind (u8 / s8 requantized with the onednn or qnnpack formula, s32, f32; per tensor or per output
// channel). Output pixels that no tap reaches get the output stage of a zero sum (the bias alone). For f32 output,
// OutputStage::row_scale (if set) is indexed by the output pixel flattened; per-channel arrays by output channel.
// Accumulation is exact int32, as in conv (kernels/conv.h).
//
// Algorithm (named in the QJIT_VERBOSE exec line), gather form: for a block of output pixels, the input pixels
// each tap reaches are gathered into rows (kernels/conv_transpose_gather.h; taps that reach nothing hold x_zp and
// add exactly 0), and one GEMM per block (and group) computes the block's outputs with the output stage fused in
// its epilogue, so no int32 image is scattered and re-read.
//   gather                stride 1, G == 1
//   grouped_gather        stride 1, G > 1: per (block, group), the group's C/G input channels and OC/G output
//                         channels (ldc = OC)
//   phase_gather          some stride > 1 (G == 1; grouped_phase_gather: G > 1): with stride s only about 1/s of
//                         the taps reach an input pixel from a given output, and which ones depends only on the
//                         output's phase (o + padding) % s. Per phase, the outputs of that phase (a sub-grid) get
//                         rows of the phase's taps only and a GEMM on the weights of those taps (packed once per
//                         stride and dilation: PackedConvTransposeWeights::phases), about s^dims times less work
//                         than gathering every tap; the GEMM writes a per-thread tile whose rows are copied to
//                         their outputs (stride apart). kernels/conv_transpose_phase_rows.h.
//
// Threads: blocks of output pixels (times groups) are split across the default pool, or the caller's partition
// (Exec::partition: this call does only that share).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv_transpose_desc.h"
#include "kernels/exec.h"
#include "kernels/gemm_output.h"
#include "packing/packed_conv_transpose_weights.h"

namespace qjit {

enum class ConvTransposeAlgorithm : uint8_t { gather, grouped_gather, phase_gather, grouped_phase_gather };

const char* conv_transpose_algorithm_name(ConvTransposeAlgorithm a);

// The algorithm conv_transpose() runs for d. Throws qjit::Error when d is invalid.
ConvTransposeAlgorithm conv_transpose_algorithm(const ConvTransposeDesc& d);

// x: d.input_pixels() * C uint8 values; y: d.output_pixels() * OC outputs of out.kind. w must have been packed for
// d.weight_shape() and for exec.isa. Throws qjit::Error (naming "conv_transpose", the argument and its value) on
// bad geometry, mismatched weights, a bad output stage or null buffers.
void conv_transpose(const ConvTransposeDesc& d, const uint8_t* x, int32_t x_zero_point,
                    const PackedConvTransposeWeights& w, void* y, const OutputStage& out, const Exec& exec = {});

}  // namespace qjit
