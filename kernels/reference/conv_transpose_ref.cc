#include "kernels/reference/conv_transpose_ref.h"

#include <vector>

#include "kernels/reference/gemm_ref.h"

namespace qjit::ref {

void conv_transpose_u8s8(const ConvTransposeDesc& d, const uint8_t* x, int32_t x_zp, const int8_t* w,
                         const int32_t* w_zp, void* y, const OutputStage& out) {
  const auto o = d.output();
  const int64_t N = d.batch, C = d.in_channels, OC = d.out_channels, G = d.groups;
  const int64_t Cg = C / G, OCg = OC / G;
  const int64_t ID = d.input[0], IH = d.input[1], IW = d.input[2];
  const int64_t KD = d.kernel[0], KH = d.kernel[1], KW = d.kernel[2];
  const int64_t OD = o[0], OH = o[1], OW = o[2];
  const int64_t out_pixels = OD * OH * OW;
  std::vector<int64_t> acc(static_cast<size_t>(N * out_pixels * OC), 0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t id = 0; id < ID; ++id)
      for (int64_t ih = 0; ih < IH; ++ih)
        for (int64_t iw = 0; iw < IW; ++iw)
          for (int64_t ci = 0; ci < C; ++ci) {
            const int64_t g = ci / Cg;
            const int64_t xv = x[(((n * ID + id) * IH + ih) * IW + iw) * C + ci] - int64_t{x_zp};
            for (int64_t kd = 0; kd < KD; ++kd)
              for (int64_t kh = 0; kh < KH; ++kh)
                for (int64_t kw = 0; kw < KW; ++kw) {
                  const int64_t od = id * d.stride[0] - d.padding[0] + kd * d.dilation[0];
                  const int64_t oh = ih * d.stride[1] - d.padding[1] + kh * d.dilation[1];
                  const int64_t ow = iw * d.stride[2] - d.padding[2] + kw * d.dilation[2];
                  if (od < 0 || od >= OD || oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                  const int64_t m = ((n * OD + od) * OH + oh) * OW + ow;
                  for (int64_t j = 0; j < OCg; ++j) {
                    const int64_t oc = g * OCg + j;
                    const int64_t wv = w[(((ci * OCg + j) * KD + kd) * KH + kh) * KW + kw] - (w_zp ? w_zp[oc] : 0);
                    acc[static_cast<size_t>(m * OC + oc)] += xv * wv;
                  }
                }
          }
  // Taps of the weight zero point that reach no input pixel add nothing: (x - x_zp) is 0 there in the library's
  // gather, and there is no x at all here.
  for (size_t m = 0; m < static_cast<size_t>(N * out_pixels); ++m)
    for (size_t oc = 0; oc < static_cast<size_t>(OC); ++oc) {
      const size_t i = m * static_cast<size_t>(OC) + oc;
      store_output(acc[i], m, oc, y, i, out);
    }
}

}  // namespace qjit::ref
