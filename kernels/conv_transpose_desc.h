// The geometry of a quantized transposed convolution (PyTorch's ConvTranspose1d/2d/3d) over raw channels-last
// buffers, as a small value type beside ConvDesc (kernels/conv_desc.h), with the same (D, H, W) slots: a 1-d or
// 2-d layer leaves the dimensions it does not have at their defaults, and validate() insists on it.
//
// A transposed convolution is the adjoint of the convolution with the same kernel, stride, padding and dilation:
// input pixel i scatters into output pixel o = i*stride - padding + k*dilation for each tap k. Output size per
// dimension, as PyTorch computes it:
//   out = (in - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1
// output_padding only lengthens the output on one side (the extra pixels receive what their taps reach, often
// nothing but the bias) and must be smaller than the stride or the dilation, as PyTorch requires.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "packing/packed_conv_transpose_weights.h"

namespace qjit {

struct ConvTransposeDesc {
  int spatial_dims = 2;  // 1, 2 or 3
  int64_t batch = 1;     // N (0 is an empty call)
  int64_t in_channels = 1, out_channels = 1, groups = 1;
  // Indexed D, H, W.
  std::array<int64_t, 3> input{1, 1, 1};
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> padding{0, 0, 0};  // removed from both ends of the full output
  std::array<int64_t, 3> output_padding{0, 0, 0};
  std::array<int64_t, 3> dilation{1, 1, 1};

  // Throws qjit::Error naming `fn`, the field and its value, e.g.
  // "conv_transpose: output_padding[2] = 2: must be smaller than stride (2) or dilation (1)".
  void validate(std::string_view fn) const;

  // Valid only after validate().
  std::array<int64_t, 3> output() const;
  size_t output_pixels() const;  // N * OD * OH * OW: the rows of the GEMM
  size_t input_pixels() const;   // N * D * H * W
  size_t group_in() const { return static_cast<size_t>(in_channels / groups); }
  size_t group_out() const { return static_cast<size_t>(out_channels / groups); }
  ConvTransposeWeightShape weight_shape() const;

  // Free text without commas (for QJIT_VERBOSE), e.g.
  // "2d:n=1:c=3:oc=8:g=1:in=9x10:k=3x3:s=2x2:p=1x1:op=1x1:d=1x1".
  std::string describe() const;
};

}  // namespace qjit
