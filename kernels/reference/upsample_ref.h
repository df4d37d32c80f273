// Scalar oracles of the upsampling kernels (kernels/upsample.h), and the source-index math every path shares: the
// AVX2 paths compute their indices and weights with these functions and hand the channels their vectors do not
// cover to the per-pixel functions below.
#pragma once

#include <cstdint>

#include "kernels/upsample.h"

namespace qjit::ref {

// ATen's nearest_idx: the source index of output index o along a dimension of `in` -> `out` elements.
int64_t nearest_index(int64_t o, int64_t in, int64_t out, double scale);

// One output coordinate of bilinear interpolation: source i0 and i0 + step (step 0 at the last row / column) with
// weights l0 and l1, from ATen's area_pixel_compute_scale / area_pixel_compute_source_index in float.
struct LinearIndex {
  int64_t i0 = 0, step = 0;
  float l0 = 1.0f, l1 = 0.0f;
};
float linear_scale(int64_t in, int64_t out, bool align_corners, double scale);
LinearIndex linear_index(float scale, int64_t o, int64_t in, bool align_corners);

// Channels [c_begin, channels) of output pixel (oh, ow) of one image: image points at the batch element's input,
// pixel at the output pixel's first channel. h / w are the bilinear coordinates of the pixel.
void nearest_pixel(const UpsampleDesc& d, QType t, const void* image, void* pixel, int64_t oh, int64_t ow,
                   int64_t c_begin);
void bilinear_pixel(const UpsampleDesc& d, QType t, int32_t zero_point, const void* image, void* pixel,
                    const LinearIndex& h, const LinearIndex& w, int64_t c_begin);

void upsample_nearest_nhwc(const UpsampleDesc& d, QType t, const void* x, void* y);
void upsample_bilinear_nhwc(const UpsampleDesc& d, QType t, int32_t zero_point, const void* x, void* y);

}  // namespace qjit::ref
