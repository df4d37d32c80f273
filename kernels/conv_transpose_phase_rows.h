// The rows of one output phase of a strided transposed convolution (the phase form of kernels/conv_transpose.h):
// along dimension i the outputs o = o0[i] + j * stride[i] (j = 0, 1, ...) share the phase r[i] = (o + pad) % stride
// and are reached only by the kernel offsets phase.taps[i]. The phase's output pixels form a sub-grid, flattened
// over (n, jd, jh, jw); row q of it holds, in the order of the phase's weights (ConvTransposePhase::groups), the
// input pixel each of those taps reaches:
//   a[q][((td * |taps[1]| + th) * |taps[2]| + tw) * Cg + c] = x[n][id][ih][iw][g*Cg + c],  o = i*s - p + k*d
// or the activation zero point where the tap falls outside the input (or is the {0} placeholder of a phase no
// offset reaches), adding exactly 0. Per row it also gives the row's output pixel (flattened over n, od, oh, ow),
// where the GEMM's results are stored.
//
// Internal to kernels/conv_transpose.cc; rows are produced in blocks, never for a whole image at once.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv_transpose_desc.h"
#include "packing/packed_conv_transpose_weights.h"

namespace qjit {

class ConvTransposePhaseRows {
 public:
  // d must be valid; r: the phase's index along each dimension (r[i] < stride[i]).
  ConvTransposePhaseRows(const ConvTransposeDesc& d, const ConvTransposePhase& phase, const size_t r[3]);

  size_t pixels() const { return pixels_; }  // N times the sub-grid's size (0 when the phase has no output)
  size_t K() const { return phase_.K; }

  // Rows [q0, q0 + rows) of the sub-grid for group g into a (row stride K()), their output pixels into pix.
  void rows(const uint8_t* x, uint8_t x_zp, size_t g, size_t q0, size_t rows, uint8_t* a, size_t* pix) const;

 private:
  const ConvTransposePhase& phase_;
  size_t C_, Cg_, pixels_;
  int64_t in_[3], out_[3], o0_[3], cnt_[3], stride_[3], pad_[3], dil_[3];
};

}  // namespace qjit
