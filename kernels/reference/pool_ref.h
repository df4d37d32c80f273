// Scalar oracles of the pooling kernels (kernels/pool.h): the plainest loops that state the formulas. The
// vectorised paths are tested bit-exact against them and reuse the per-pixel pieces below for their channel tails.
#pragma once

#include <cstdint>

#include "kernels/pool.h"

namespace qjit::ref {

// One average-pooling window: the input box [begin, end) clipped to the input, the requantization multiplier and
// the zero-point correction -size * in_zero_point, as ATen's avg_pool2d_out_frame derives them.
struct AvgWindow {
  int64_t begin[3] = {}, end[3] = {};
  float multiplier = 0.0f;
  int32_t zp_correction = 0;
  bool empty = false;  // no input element in the window (only possible in ceil mode): output is out_zero_point
};
AvgWindow avg_window(const PoolDesc& d, const AvgPoolParams& p, int64_t od, int64_t oh, int64_t ow);

// Output pixel (od, oh, ow) of one image for channels [c_begin, channels). image is the batch element's input,
// pixel the output pixel's first channel.
void max_pool_pixel(const PoolDesc& d, QType t, const void* image, void* pixel, int64_t od, int64_t oh, int64_t ow,
                    int64_t c_begin);
void avg_pool_pixel(const PoolDesc& d, const AvgWindow& w, int32_t out_zero_point, QType t, const void* image,
                    void* pixel, int64_t c_begin);

void max_pool_nhwc(const PoolDesc& d, QType t, const void* x, void* y);
void avg_pool_nhwc(const PoolDesc& d, const AvgPoolParams& p, QType t, const void* x, void* y);

}  // namespace qjit::ref
