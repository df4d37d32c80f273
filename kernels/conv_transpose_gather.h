// The gather form of a transposed convolution over channels-last (NWC / NHWC / NDHWC) uint8 activations: row p of
// the matrix holds, for output pixel p (flattened over n, od, oh, ow), the input pixel each tap reaches, in the
// order of PackedConvTransposeWeights' K index:
//   a[p][((kd*kH + kh)*kW + kw)*Cg + c] = x[n][id][ih][iw][g*Cg + c]  where  od = id*sd - pd + kd*dd  (same for h, w)
// A tap whose input coordinate is not a whole number (od + pd - kd*dd not a multiple of sd) or falls outside the
// input reaches nothing: its entries are the activation zero point, so that (a - x_zp) is exactly 0 and the
// GEMM's zero-point correction needs no special case. One GEMM over these rows then gives the transposed
// convolution with the output stage fused in its epilogue (no int32 scatter buffer, no col2im pass).
//
// Internal to kernels/conv_transpose.cc; rows are produced in blocks, never for a whole image at once.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv_transpose_desc.h"

namespace qjit {

class ConvTransposeGather {
 public:
  explicit ConvTransposeGather(const ConvTransposeDesc& d);  // d must be valid

  size_t K() const { return K_; }  // row length: taps * Cg

  // Rows [p0, p0 + rows) for group g into a (row stride K()).
  void rows(const uint8_t* x, uint8_t x_zp, size_t g, size_t p0, size_t rows, uint8_t* a) const;

 private:
  // The input coordinate tap k of dimension i reaches from output coordinate o, or -1.
  int64_t source(size_t i, int64_t o, int64_t k) const {
    const int64_t num = o + pad_[i] - k * dil_[i];
    if (num < 0 || num % stride_[i] != 0) return -1;
    const int64_t in = num / stride_[i];
    return in < in_[i] ? in : -1;
  }

  size_t C_, Cg_, K_;
  int64_t in_[3], out_[3], k_[3], stride_[3], pad_[3], dil_[3];
};

}  // namespace qjit
