// The geometry of a quantized convolution over raw channels-last buffers, as a small value type.
//
// Spatial sizes are always held as (D, H, W): a conv2d uses H and W and leaves D at its defaults (input 1,
// kernel 1, stride 1, padding 0, dilation 1); a conv1d uses only W. Keeping three slots for every convolution
// lets one im2col and one reference serve conv1d/2d/3d; validate() insists that the unused slots are at their
// defaults, so a conv2d descriptor cannot silently carry a depth.
//
// Fields are signed so that a negative stride or size written by mistake is reported as such (not as a huge
// unsigned number). Output size per dimension, as PyTorch computes it:
//   out = (in + 2*padding - dilation*(kernel - 1) - 1) / stride + 1
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "packing/packed_conv_weights.h"

namespace qjit {

struct ConvDesc {
  int spatial_dims = 2;  // 1, 2 or 3
  int64_t batch = 1;     // N (0 is an empty call)
  int64_t in_channels = 1, out_channels = 1, groups = 1;
  // Indexed D, H, W.
  std::array<int64_t, 3> input{1, 1, 1};
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> padding{0, 0, 0};  // symmetric: the same number of padded positions on both sides
  std::array<int64_t, 3> dilation{1, 1, 1};

  // Throws qjit::Error naming `fn`, the field and its value, e.g. "conv: stride[2] = 0: must be > 0".
  void validate(std::string_view fn) const;

  // Valid only after validate().
  std::array<int64_t, 3> output() const;
  size_t output_pixels() const;  // N * OD * OH * OW: the rows of the convolution's GEMM
  size_t input_pixels() const;   // N * D * H * W
  size_t group_in() const { return static_cast<size_t>(in_channels / groups); }
  size_t group_out() const { return static_cast<size_t>(out_channels / groups); }
  ConvWeightShape weight_shape() const;

  // Free text without commas (for QJIT_VERBOSE), e.g. "2d:n=1:c=3:oc=8:g=1:in=9x10:k=3x3:s=1x1:p=0x0:d=1x1".
  std::string describe() const;
};

}  // namespace qjit
