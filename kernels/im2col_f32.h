// im2col / col2im for float convolutions over channels-first (NCHW / NCDHW) buffers, one image and one group at a
// time: the lowering of workflow/nn's Conv{1,2,3}d (im2col + sgemm) and ConvTranspose{1,2,3}d (sgemm + col2im).
//
// Spatial sizes are held as (D, H, W) as in kernels/conv_desc.h: a 2-d convolution leaves D at 1, a 1-d one uses
// only W. The column matrix is [channels * KD * KH * KW] x [OD * OH * OW], row-major, rows ordered (c, kd, kh, kw)
// like PyTorch's weight layout [out, in/groups, kD, kH, kW], so the convolution is weight x col.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace qjit {

struct Im2colGeometry {
  int64_t channels = 1;
  std::array<int64_t, 3> image{1, 1, 1};  // the padded side: conv input, or conv-transpose output
  std::array<int64_t, 3> grid{1, 1, 1};   // the column side: conv output, or conv-transpose input
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> padding{0, 0, 0};
  std::array<int64_t, 3> dilation{1, 1, 1};

  // Throws qjit::Error naming `fn` and the field when a size is < 1 (padding < 0).
  void validate(std::string_view fn) const;
  int64_t col_rows() const { return channels * kernel[0] * kernel[1] * kernel[2]; }
  int64_t col_cols() const { return grid[0] * grid[1] * grid[2]; }
};

// col[(c,kd,kh,kw)][(od,oh,ow)] = image[c][od*s-p+kd*d]... or 0 where that falls in the padding.
void im2col_f32(const float* image, const Im2colGeometry& g, float* col);
// The adjoint: image[c][od*s-p+kd*d]... += col[(c,kd,kh,kw)][(od,oh,ow)] for positions inside the image.
void col2im_add_f32(const float* col, const Im2colGeometry& g, float* image);

}  // namespace qjit
