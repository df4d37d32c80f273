#include "kernels/conv_transpose_phase_rows.h"

#include <cstring>

namespace qjit {

ConvTransposePhaseRows::ConvTransposePhaseRows(const ConvTransposeDesc& d, const ConvTransposePhase& phase,
                                               const size_t r[3])
    : phase_(phase), C_(static_cast<size_t>(d.in_channels)), Cg_(d.group_in()) {
  const auto o = d.output();
  pixels_ = static_cast<size_t>(d.batch);
  for (size_t i = 0; i < 3; ++i) {
    in_[i] = d.input[i];
    out_[i] = o[i];
    stride_[i] = d.stride[i];
    pad_[i] = d.padding[i];
    dil_[i] = d.dilation[i];
    // The first output of phase r: o0 = (r - pad) mod stride, taken non-negative.
    o0_[i] = ((static_cast<int64_t>(r[i]) - pad_[i]) % stride_[i] + stride_[i]) % stride_[i];
    cnt_[i] = o0_[i] < out_[i] ? (out_[i] - o0_[i] + stride_[i] - 1) / stride_[i] : 0;
    pixels_ *= static_cast<size_t>(cnt_[i]);
  }
}

void ConvTransposePhaseRows::rows(const uint8_t* x, uint8_t x_zp, size_t g, size_t q0, size_t rows, uint8_t* a,
                                  size_t* pix) const {
  const auto& taps = phase_.taps;
  const size_t Cg = Cg_, C = C_, IH = static_cast<size_t>(in_[1]), IW = static_cast<size_t>(in_[2]);
  const size_t image = static_cast<size_t>(in_[0]) * IH * IW * C;
  const size_t cw = static_cast<size_t>(cnt_[2]), ch = static_cast<size_t>(cnt_[1]), cd = static_cast<size_t>(cnt_[0]);
  size_t jw = q0 % cw, rest = q0 / cw;
  size_t jh = rest % ch;
  rest /= ch;
  size_t jd = rest % cd, n = rest / cd;
  // The input coordinate tap k reaches from output o along dimension i, or -1 (outside the input, or the {0}
  // placeholder of a phase no offset reaches: then the division is not exact).
  const auto source = [&](size_t i, int64_t o, size_t k) -> int64_t {
    const int64_t num = o + pad_[i] - static_cast<int64_t>(k) * dil_[i];
    if (num < 0 || num % stride_[i] != 0) return -1;
    const int64_t in = num / stride_[i];
    return in < in_[i] ? in : -1;
  };
  for (size_t q = 0; q < rows; ++q) {
    const int64_t od = o0_[0] + static_cast<int64_t>(jd) * stride_[0];
    const int64_t oh = o0_[1] + static_cast<int64_t>(jh) * stride_[1];
    const int64_t ow = o0_[2] + static_cast<int64_t>(jw) * stride_[2];
    pix[q] = ((n * static_cast<size_t>(out_[0]) + static_cast<size_t>(od)) * static_cast<size_t>(out_[1]) +
              static_cast<size_t>(oh)) * static_cast<size_t>(out_[2]) + static_cast<size_t>(ow);
    uint8_t* dst = a + q * phase_.K;
    const uint8_t* img = x + n * image + g * Cg;
    for (size_t kd : taps[0]) {
      const int64_t id = source(0, od, kd);
      for (size_t kh : taps[1]) {
        const int64_t ih = source(1, oh, kh);
        const size_t run = taps[2].size() * Cg;
        if (id < 0 || ih < 0) {  // the whole run of w taps reaches nothing
          std::memset(dst, x_zp, run);
          dst += run;
          continue;
        }
        const uint8_t* row = img + (static_cast<size_t>(id) * IH + static_cast<size_t>(ih)) * IW * C;
        for (size_t kw : taps[2]) {
          const int64_t iw = source(2, ow, kw);
          if (iw < 0)
            std::memset(dst, x_zp, Cg);
          else if (Cg == 1)  // depthwise: a call to memcpy per byte would dominate
            *dst = row[static_cast<size_t>(iw) * C];
          else
            std::memcpy(dst, row + static_cast<size_t>(iw) * C, Cg);
          dst += Cg;
        }
      }
    }
    if (++jw == cw) {
      jw = 0;
      if (++jh == ch) {
        jh = 0;
        if (++jd == cd) {
          jd = 0;
          ++n;
        }
      }
    }
  }
}

}  // namespace qjit
