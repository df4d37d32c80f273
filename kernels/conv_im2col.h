// im2col for channels-last (NWC / NHWC / NDHWC) uint8 activations: row p of the matrix is what output pixel p
// (flattened over n, od, oh, ow) reads, in the order of PackedConvWeights' K index:
//   a[p][((kd*kH + kh)*kW + kw)*Cg + c] = x[n][id][ih][iw][g*Cg + c],  id = od*sd - pd + kd*dd (same for h, w)
// Taps that fall into the padding are the activation zero point, so that (a - x_zp) is exactly 0 there and the
// GEMM's zero-point correction needs no special case for the border.
//
// Internal to the convolution driver (kernels/conv.cc); rows are produced in blocks so that the matrix of a whole
// image never exists.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv_desc.h"

namespace qjit {

class Im2col {
 public:
  explicit Im2col(const ConvDesc& d);  // d must be valid

  size_t K() const { return K_; }  // row length: taps * Cg

  // Rows [p0, p0 + rows) for group g into a (row stride K()).
  void rows(const uint8_t* x, uint8_t x_zp, size_t g, size_t p0, size_t rows, uint8_t* a) const;

 private:
  void border_row(uint8_t* dst, const uint8_t* img, uint8_t x_zp, int64_t id0, int64_t ih0, int64_t iw0) const;

  size_t C_, Cg_, K_;
  size_t in_[3], out_[3], k_[3];
  int64_t stride_[3], pad_[3], dil_[3];
  // The kW taps of one (kd, kh) are one contiguous run of kW*C bytes of the input when the group is the whole
  // channel range and dilation_w is 1: one memcpy when the run is inside the image.
  bool whole_rows_;
  // For output pixels whose taps are all inside the input (most of them) the row is a plain gather with no bounds
  // checks: bytes between consecutive taps along d, h and w.
  size_t tap_step_[3];
  int64_t extent_[3];  // dilated kernel extent - 1 per dimension
};

}  // namespace qjit
