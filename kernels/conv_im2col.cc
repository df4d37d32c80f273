#include "kernels/conv_im2col.h"

#include <cstring>

namespace qjit {

namespace {

// One tap's run of n channels. Grouped layers have short runs (ResNeXt's 32x4d: 4 channels per group), where a
// memcpy call of run-time size per tap cost more than the group's GEMM (callgrind on gconv3x3_g32_128_56: ~78 % of
// the layer's instructions in im2col, 20 % in the GEMM kernel); the usual widths become one or two moves.
inline void copy_run(uint8_t* dst, const uint8_t* src, size_t n) {
  switch (n) {
    case 1: *dst = *src; return;
    case 2: std::memcpy(dst, src, 2); return;
    case 4: std::memcpy(dst, src, 4); return;
    case 8: std::memcpy(dst, src, 8); return;
    case 16: std::memcpy(dst, src, 16); return;
    default: std::memcpy(dst, src, n); return;
  }
}

}  // namespace

Im2col::Im2col(const ConvDesc& d)
    : C_(static_cast<size_t>(d.in_channels)), Cg_(d.group_in()), K_(d.weight_shape().K()) {
  const auto o = d.output();
  for (size_t i = 0; i < 3; ++i) {
    in_[i] = static_cast<size_t>(d.input[i]);
    out_[i] = static_cast<size_t>(o[i]);
    k_[i] = static_cast<size_t>(d.kernel[i]);
    stride_[i] = d.stride[i];
    pad_[i] = d.padding[i];
    dil_[i] = d.dilation[i];
  }
  whole_rows_ = Cg_ == C_ && dil_[2] == 1;
  for (size_t i = 0; i < 3; ++i) extent_[i] = dil_[i] * static_cast<int64_t>(k_[i] - 1);
  tap_step_[2] = static_cast<size_t>(dil_[2]) * C_;
  tap_step_[1] = static_cast<size_t>(dil_[1]) * in_[2] * C_;
  tap_step_[0] = static_cast<size_t>(dil_[0]) * in_[1] * in_[2] * C_;
}

// A row of a pixel near the border: each (kd, kh) run of taps is either padding as a whole, one contiguous copy,
// or tap by tap.
void Im2col::border_row(uint8_t* dst, const uint8_t* img, uint8_t x_zp, int64_t id0, int64_t ih0, int64_t iw0) const {
  const int64_t ID = static_cast<int64_t>(in_[0]), IH = static_cast<int64_t>(in_[1]), IW = static_cast<int64_t>(in_[2]);
  const size_t kD = k_[0], kH = k_[1], kW = k_[2], Cg = Cg_, C = C_;
  const bool w_inside = iw0 >= 0 && iw0 + extent_[2] < IW;
  for (size_t kd = 0; kd < kD; ++kd) {
    const int64_t id = id0 + static_cast<int64_t>(kd) * dil_[0];
    for (size_t kh = 0; kh < kH; ++kh) {
      const int64_t ih = ih0 + static_cast<int64_t>(kh) * dil_[1];
      if (id < 0 || id >= ID || ih < 0 || ih >= IH) {  // the whole kW x Cg run is padding
        std::memset(dst, x_zp, kW * Cg);
        dst += kW * Cg;
        continue;
      }
      const uint8_t* row = img + static_cast<size_t>(id * IH + ih) * static_cast<size_t>(IW) * C;
      if (whole_rows_ && w_inside) {
        std::memcpy(dst, row + static_cast<size_t>(iw0) * C, kW * C);
        dst += kW * C;
        continue;
      }
      for (size_t kw = 0; kw < kW; ++kw, dst += Cg) {
        const int64_t iw = iw0 + static_cast<int64_t>(kw) * dil_[2];
        if (iw < 0 || iw >= IW)
          std::memset(dst, x_zp, Cg);
        else
          copy_run(dst, row + static_cast<size_t>(iw) * C, Cg);
      }
    }
  }
}

void Im2col::rows(const uint8_t* x, uint8_t x_zp, size_t g, size_t p0, size_t rows, uint8_t* a) const {
  const int64_t ID = static_cast<int64_t>(in_[0]), IH = static_cast<int64_t>(in_[1]), IW = static_cast<int64_t>(in_[2]);
  const size_t kD = k_[0], kH = k_[1], kW = k_[2], Cg = Cg_, C = C_;
  const size_t image = in_[0] * in_[1] * in_[2] * C;  // bytes per input image
  // Output coordinates of p0, then stepped per row (no divisions in the loop).
  size_t ow = p0 % out_[2], rest = p0 / out_[2];
  size_t oh = rest % out_[1];
  rest /= out_[1];
  size_t od = rest % out_[0], n = rest / out_[0];

  for (size_t r = 0; r < rows; ++r) {
    uint8_t* dst = a + r * K_;
    const uint8_t* img = x + n * image + g * Cg;
    const int64_t id0 = static_cast<int64_t>(od) * stride_[0] - pad_[0];
    const int64_t ih0 = static_cast<int64_t>(oh) * stride_[1] - pad_[1];
    const int64_t iw0 = static_cast<int64_t>(ow) * stride_[2] - pad_[2];
    if (id0 >= 0 && id0 + extent_[0] < ID && ih0 >= 0 && ih0 + extent_[1] < IH && iw0 >= 0 && iw0 + extent_[2] < IW) {
      // Interior pixel: every tap is inside the input, a plain gather.
      const uint8_t* base = img + static_cast<size_t>((id0 * IH + ih0) * IW + iw0) * C;
      for (size_t kd = 0; kd < kD; ++kd)
        for (size_t kh = 0; kh < kH; ++kh) {
          const uint8_t* src = base + kd * tap_step_[0] + kh * tap_step_[1];
          if (whole_rows_) {  // the kW taps are one contiguous run
            std::memcpy(dst, src, kW * C);
            dst += kW * C;
          } else {
            for (size_t kw = 0; kw < kW; ++kw, dst += Cg) copy_run(dst, src + kw * tap_step_[2], Cg);
          }
        }
    } else {
      border_row(dst, img, x_zp, id0, ih0, iw0);
    }
    if (++ow == out_[2]) {
      ow = 0;
      if (++oh == out_[1]) {
        oh = 0;
        if (++od == out_[0]) {
          od = 0;
          ++n;
        }
      }
    }
  }
}

}  // namespace qjit
