// The 2-d convolution descriptor the kernel tests build most often: depth 1, a square kernel, equal stride and
// padding in H and W.
#pragma once

#include <cstdint>

#include "kernels/conv_desc.h"

namespace qjit::testing {

inline ConvDesc desc2d(int64_t batch, int64_t C, int64_t OC, int64_t G, int64_t H, int64_t W, int64_t k,
                       int64_t stride = 1, int64_t pad = 0) {
  ConvDesc d;
  d.spatial_dims = 2;
  d.batch = batch;
  d.in_channels = C;
  d.out_channels = OC;
  d.groups = G;
  d.input = {1, H, W};
  d.kernel = {1, k, k};
  d.stride = {1, stride, stride};
  d.padding = {0, pad, pad};
  return d;
}

}  // namespace qjit::testing
