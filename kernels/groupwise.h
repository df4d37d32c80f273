// Groupwise convolution with few channels per group (C/G == OC/G in {2, 4, 8, 16}, G > 1; e.g. ResNeXt's 3x3
// with G = 32 and 4 channels per group), 1-d / 2-d / 3-d, with a direct JIT row kernel: int32 sums per output
// row through an indirection table over the kD * kH * kW taps (padding reads a row of zero points, so it is
// exact), then the output stage (u8 / s8 requantized per tensor or per channel, or s32) over the row. Same
// contract as kernels/conv.h for these shapes; threads split output rows (default pool or the caller's partition).
#pragma once

#include <cstdint>
#include <string>

#include "kernels/conv_desc.h"
#include "kernels/exec.h"
#include "kernels/gemm_output.h"
#include "packing/groupwise_weights.h"

namespace qjit {

// True when d is a convolution groupwise_conv runs: G > 1, C/G == OC/G in {2, 4, 8, 16}, at most 64 taps.
bool is_groupwise(const ConvDesc& d);

void groupwise_conv(const ConvDesc& d, const uint8_t* x, int32_t x_zero_point, const GroupwiseWeights& w, void* y,
                    const OutputStage& out, const Exec& exec = {});

namespace detail {
// groupwise_conv() after its checks, without its verbose line: for conv(), which checked the same things on the
// layer (the weights are its PackedConvWeights' groupwise copy) and prints its own line with the algorithm and
// why. Sets *kernel_name (when not null) to the kernel that ran.
void groupwise_conv_unchecked(const ConvDesc& d, const uint8_t* x, int32_t x_zero_point, const GroupwiseWeights& w,
                              void* y, const OutputStage& out, const Exec& exec, std::string* kernel_name = nullptr);
}  // namespace detail

}  // namespace qjit
