#include "kernels/reference/conv_ref.h"

#include "kernels/reference/gemm_ref.h"

namespace qjit::ref {

void conv_u8s8(const ConvDesc& d, const uint8_t* x, int32_t x_zp, const int8_t* w, const int32_t* w_zp, void* y,
               const OutputStage& out) {
  const auto o = d.output();
  const int64_t N = d.batch, C = d.in_channels, OC = d.out_channels, G = d.groups;
  const int64_t Cg = C / G, OCg = OC / G;
  const int64_t ID = d.input[0], IH = d.input[1], IW = d.input[2];
  const int64_t KD = d.kernel[0], KH = d.kernel[1], KW = d.kernel[2];
  const int64_t OD = o[0], OH = o[1], OW = o[2];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t od = 0; od < OD; ++od)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          const size_t m = static_cast<size_t>(((n * OD + od) * OH + oh) * OW + ow);
          for (int64_t oc = 0; oc < OC; ++oc) {
            const int64_t g = oc / OCg, wz = w_zp ? w_zp[oc] : 0;
            int64_t acc = 0;
            for (int64_t c = 0; c < Cg; ++c)
              for (int64_t kd = 0; kd < KD; ++kd)
                for (int64_t kh = 0; kh < KH; ++kh)
                  for (int64_t kw = 0; kw < KW; ++kw) {
                    const int64_t id = od * d.stride[0] - d.padding[0] + kd * d.dilation[0];
                    const int64_t ih = oh * d.stride[1] - d.padding[1] + kh * d.dilation[1];
                    const int64_t iw = ow * d.stride[2] - d.padding[2] + kw * d.dilation[2];
                    if (id < 0 || id >= ID || ih < 0 || ih >= IH || iw < 0 || iw >= IW) continue;
                    const int64_t xv = x[(((n * ID + id) * IH + ih) * IW + iw) * C + g * Cg + c];
                    const int64_t wv = w[(((oc * Cg + c) * KD + kd) * KH + kh) * KW + kw];
                    acc += (xv - x_zp) * (wv - wz);
                  }
            store_output(acc, m, static_cast<size_t>(oc), y, m * static_cast<size_t>(OC) + static_cast<size_t>(oc),
                         out);
          }
        }
}

}  // namespace qjit::ref
