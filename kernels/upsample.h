// Quantized 2-D upsampling over raw channels-last buffers (NHWC): nearest and bilinear with PyTorch 1.13's
// numerics (ATen's quantized upsample_nearest2d / upsample_bilinear2d, which qlayers/functional_upsample.h states
// and gives on Tensors). A contiguous NCHW tensor is passed here as batch N*C with one channel, so both memory
// formats share one kernel and one formula. The output keeps the input's quantization parameters.
//
// Promises: every path (scalar reference in kernels/reference/upsample_ref.h; AVX2, vectorised over channels, on
// every x86 rung from avx2 up) gives bit-identical output. Nearest is a copy of stored integers; bilinear weighs
// the four neighbours in float in the reference's order and rounds half to even. The kernels allocate nothing.
#pragma once

#include <cstdint>

#include "jit/cpu.h"
#include "kernels/qtype.h"

namespace qjit {

// x is [batch][in_h][in_w][channels], y [batch][out_h][out_w][channels]. scale_h / scale_w are the scale factors
// the caller gave (0: none; the index math then uses in / out), as ATen's optional scales.
struct UpsampleDesc {
  int64_t batch = 1;
  int64_t channels = 1;
  int64_t in_h = 1, in_w = 1;
  int64_t out_h = 1, out_w = 1;
  double scale_h = 0.0, scale_w = 0.0;
  bool align_corners = false;  // bilinear only
};

// Nearest neighbour: source index = out when the sizes match, out / 2 when the output is twice the input, else
// min(floor(out * s), in - 1) with s = f32(1 / scale) or f32(in) / out. t is u8 or s8.
void upsample_nearest_nhwc(const UpsampleDesc& d, QType t, const void* x, void* y, Isa isa = max_isa());

// Bilinear: y = zp + nearbyint(h0 * (w0 * a + w1 * b) + h1 * (w0 * c + w1 * d) - zp), clamped to t's range, with
// ATen's area-pixel source indices in float. Equal input and output sizes copy. t is u8 or s8.
void upsample_bilinear_nhwc(const UpsampleDesc& d, QType t, int32_t zero_point, const void* x, void* y,
                            Isa isa = max_isa());

}  // namespace qjit
