// Scalar oracle of the quantized transposed convolution (kernels/conv_transpose.h), written from the definition of
// a transposed convolution as the adjoint of a convolution: every input pixel scatters x * w into the output
// pixels its taps reach (o = i*stride - padding + t*dilation), where the library gathers. The two share nothing
// but the output stage; every path is tested bit-exactly against it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv_transpose_desc.h"
#include "kernels/gemm_output.h"

namespace qjit::ref {

// x: channels-last uint8 (d.input_pixels() x C), zero point x_zp. w: PyTorch's ConvTranspose layout
// [C][OC/G][kD][kH][kW] int8; w_zp: OC zero points (output channel oc) or null (all 0). y: channels-last
// (d.output_pixels() x OC) of out.kind. Sums of (x - x_zp) * (w - w_zp) are exact in int64, then wrapped to int32
// as the kernels' accumulators wrap, then ref::output_stage_int / _f32 with m = flattened output pixel and
// n = output channel. d must be valid.
void conv_transpose_u8s8(const ConvTransposeDesc& d, const uint8_t* x, int32_t x_zp, const int8_t* w,
                         const int32_t* w_zp, void* y, const OutputStage& out);

}  // namespace qjit::ref
