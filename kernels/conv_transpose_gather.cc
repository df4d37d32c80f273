#include "kernels/conv_transpose_gather.h"

#include <cstring>
#include <vector>

namespace qjit {

ConvTransposeGather::ConvTransposeGather(const ConvTransposeDesc& d)
    : C_(static_cast<size_t>(d.in_channels)), Cg_(d.group_in()), K_(d.weight_shape().K()) {
  const auto o = d.output();
  for (size_t i = 0; i < 3; ++i) {
    in_[i] = d.input[i];
    out_[i] = o[i];
    k_[i] = d.kernel[i];
    stride_[i] = d.stride[i];
    pad_[i] = d.padding[i];
    dil_[i] = d.dilation[i];
  }
}

void ConvTransposeGather::rows(const uint8_t* x, uint8_t x_zp, size_t g, size_t p0, size_t rows, uint8_t* a) const {
  const size_t kD = static_cast<size_t>(k_[0]), kH = static_cast<size_t>(k_[1]), kW = static_cast<size_t>(k_[2]);
  const size_t Cg = Cg_, C = C_, IH = static_cast<size_t>(in_[1]), IW = static_cast<size_t>(in_[2]);
  const size_t image = static_cast<size_t>(in_[0]) * IH * IW * C;  // bytes per input image
  // The source coordinate of every tap of the current output pixel, per dimension: kD + kH + kW divisions per row
  // (only the w ones change from one pixel to the next), against taps * Cg bytes moved. Per thread, grown once.
  thread_local std::vector<int64_t> src_d, src_h, src_w;
  src_d.resize(kD);
  src_h.resize(kH);
  src_w.resize(kW);
  size_t ow = p0 % static_cast<size_t>(out_[2]), rest = p0 / static_cast<size_t>(out_[2]);
  size_t oh = rest % static_cast<size_t>(out_[1]);
  rest /= static_cast<size_t>(out_[1]);
  size_t od = rest % static_cast<size_t>(out_[0]), n = rest / static_cast<size_t>(out_[0]);
  bool dh_stale = true;
  for (size_t r = 0; r < rows; ++r) {
    uint8_t* dst = a + r * K_;
    const uint8_t* img = x + n * image + g * Cg;
    if (dh_stale) {
      for (size_t k = 0; k < kD; ++k) src_d[k] = source(0, static_cast<int64_t>(od), static_cast<int64_t>(k));
      for (size_t k = 0; k < kH; ++k) src_h[k] = source(1, static_cast<int64_t>(oh), static_cast<int64_t>(k));
      dh_stale = false;
    }
    for (size_t k = 0; k < kW; ++k) src_w[k] = source(2, static_cast<int64_t>(ow), static_cast<int64_t>(k));
    for (size_t kd = 0; kd < kD; ++kd)
      for (size_t kh = 0; kh < kH; ++kh) {
        const int64_t id = src_d[kd], ih = src_h[kh];
        if (id < 0 || ih < 0) {  // the whole kW x Cg run reaches nothing
          std::memset(dst, x_zp, kW * Cg);
          dst += kW * Cg;
          continue;
        }
        const uint8_t* row = img + (static_cast<size_t>(id) * IH + static_cast<size_t>(ih)) * IW * C;
        for (size_t kw = 0; kw < kW; ++kw, dst += Cg) {
          const int64_t iw = src_w[kw];
          if (iw < 0)
            std::memset(dst, x_zp, Cg);
          else if (Cg == 1)  // depthwise: a call to memcpy per byte would dominate
            *dst = row[static_cast<size_t>(iw) * C];
          else
            std::memcpy(dst, row + static_cast<size_t>(iw) * C, Cg);
        }
      }
    if (++ow == static_cast<size_t>(out_[2])) {
      ow = 0;
      dh_stale = true;
      if (++oh == static_cast<size_t>(out_[1])) {
        oh = 0;
        if (++od == static_cast<size_t>(out_[0])) {
          od = 0;
          ++n;
        }
      }
    }
  }
}

}  // namespace qjit
