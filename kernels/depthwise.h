// Depthwise 2-d convolution (groups == in channels == out channels, channel multiplier 1) with a JIT row kernel:
// int32 sums per output row through an indirection table (padding reads a row of zero points, so it is exact),
// then the output stage (u8 / s8 requantized per tensor or per channel, or s32) over the row. Same contract as
// kernels/conv.h for this shape; threads split output rows (default pool or the caller's partition).
#pragma once

#include <cstdint>

#include "kernels/conv_desc.h"
#include "kernels/exec.h"
#include "kernels/gemm_output.h"
#include "packing/depthwise_weights.h"

namespace qjit {

// True when d is a convolution depthwise_conv2d runs: 2-d, groups == C == OC.
bool is_depthwise2d(const ConvDesc& d);

void depthwise_conv2d(const ConvDesc& d, const uint8_t* x, int32_t x_zero_point, const DepthwiseWeights& w, void* y,
                      const OutputStage& out, const Exec& exec = {});

}  // namespace qjit
