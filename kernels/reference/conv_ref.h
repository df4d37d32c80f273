// Scalar oracle of the quantized convolution (kernels/conv.h): the plainest direct convolution, written from the
// definition rather than from the library's im2col + GEMM, so that the two share nothing but the output stage.
// Every conv path is tested bit-exactly against it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv_desc.h"
#include "kernels/gemm_output.h"

namespace qjit::ref {

// x: channels-last uint8 (d.input_pixels() x C), zero point x_zp. w: PyTorch layout [OC][C/G][kD][kH][kW] int8,
// w_zp: OC zero points or null (all 0). y: channels-last (d.output_pixels() x OC) of out.kind. Accumulation is
// exact in int64 over (x - x_zp) * (w - w_zp), taps outside the input skipped (padding equals x_zp, so they would
// add 0), then wrapped to int32 as the kernels' accumulators wrap, then ref::output_stage_int / _f32 with
// m = flattened output pixel and n = output channel. d must be valid.
void conv_u8s8(const ConvDesc& d, const uint8_t* x, int32_t x_zp, const int8_t* w, const int32_t* w_zp, void* y,
               const OutputStage& out);

}  // namespace qjit::ref
