// Depthwise convolution (groups == in channels C, OC = m * C for a channel multiplier m >= 1; 1-d, 2-d or 3-d;
// any kernel of at most 255 taps, stride, dilation, padding) with a JIT row kernel: int32 sums per output row
// through an indirection table of tap pointers (padding reads a row of zero points, so it is exact), then the
// output stage over the row: u8 / s8 requantized per tensor or per channel, s32, or f32. Weight zero points are
// folded into the packed weights (packing/depthwise_weights.h). Same contract and numerics as kernels/conv.h for
// these shapes; threads split output rows (default pool or the caller's partition).
#pragma once

#include <cstdint>

#include "kernels/conv_desc.h"
#include "kernels/exec.h"
#include "kernels/gemm_output.h"
#include "packing/depthwise_weights.h"

namespace qjit {

// True when d is a convolution depthwise_conv runs: groups == C, OC a multiple of C, at most 255 taps.
bool is_depthwise(const ConvDesc& d);

void depthwise_conv(const ConvDesc& d, const uint8_t* x, int32_t x_zero_point, const DepthwiseWeights& w, void* y,
                    const OutputStage& out, const Exec& exec = {});

}  // namespace qjit
