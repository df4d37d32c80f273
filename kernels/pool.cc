#include "kernels/pool.h"

#include <algorithm>
#include <cmath>

#include "jit/isa_has_avx2.h"
#include "kernels/reference/pool_ref.h"

namespace qjit {
namespace detail {
#if defined(__x86_64__)
void max_pool_nhwc_avx2(const PoolDesc& d, QType t, const void* x, void* y);  // pool_avx2.cc
void avg_pool_nhwc_avx2(const PoolDesc& d, const AvgPoolParams& p, QType t, const void* x, void* y);
#endif
}  // namespace detail

namespace {

template <class T>
void adaptive_avg(const PoolDesc& d, const T* x, T* y) {
  const int64_t C = d.channels;
  for (int64_t n = 0; n < d.batch; ++n) {
    const T* image = x + n * d.in[0] * d.in[1] * d.in[2] * C;
    for (int64_t od = 0; od < d.out[0]; ++od) {
      const int64_t d0 = adaptive_start_index(od, d.out[0], d.in[0]), d1 = adaptive_end_index(od, d.out[0], d.in[0]);
      // ATen builds the reciprocal of the window size step by step in float, starting from a double division.
      const float rd = static_cast<float>(1.0 / static_cast<double>(d1 - d0));
      for (int64_t oh = 0; oh < d.out[1]; ++oh) {
        const int64_t h0 = adaptive_start_index(oh, d.out[1], d.in[1]),
                      h1 = adaptive_end_index(oh, d.out[1], d.in[1]);
        const float rdh = rd / static_cast<float>(h1 - h0);
        for (int64_t ow = 0; ow < d.out[2]; ++ow) {
          const int64_t w0 = adaptive_start_index(ow, d.out[2], d.in[2]),
                        w1 = adaptive_end_index(ow, d.out[2], d.in[2]);
          const float r = rdh / static_cast<float>(w1 - w0);
          T* pixel = y + (((n * d.out[0] + od) * d.out[1] + oh) * d.out[2] + ow) * C;
          for (int64_t c = 0; c < C; ++c) {
            int64_t sum = 0;
            for (int64_t id = d0; id < d1; ++id)
              for (int64_t ih = h0; ih < h1; ++ih)
                for (int64_t iw = w0; iw < w1; ++iw) sum += image[((id * d.in[1] + ih) * d.in[2] + iw) * C + c];
            // The mean of the stored integers: equal input and output parameters make the zero point cancel.
            pixel[c] = static_cast<T>(std::nearbyint(static_cast<float>(sum) * r));
          }
        }
      }
    }
  }
}

}  // namespace

int64_t pooling_output_size(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation,
                            bool ceil_mode) {
  const int64_t num = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  // Division rounding toward -inf, as ATen's div_rtn.
  int64_t q = num / stride;
  if ((num % stride != 0) && ((num < 0) != (stride < 0))) --q;
  int64_t out = q + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

int64_t adaptive_start_index(int64_t o, int64_t out, int64_t in) {
  return static_cast<int64_t>(std::floor(static_cast<float>(o * in) / static_cast<float>(out)));
}
int64_t adaptive_end_index(int64_t o, int64_t out, int64_t in) {
  return static_cast<int64_t>(std::ceil(static_cast<float>((o + 1) * in) / static_cast<float>(out)));
}

void max_pool_nhwc(const PoolDesc& d, QType t, const void* x, void* y, Isa isa) {
#if defined(__x86_64__)
  if (isa_has_avx2(isa) && d.channels >= 16) return detail::max_pool_nhwc_avx2(d, t, x, y);
#endif
  ref::max_pool_nhwc(d, t, x, y);
}

void avg_pool_nhwc(const PoolDesc& d, const AvgPoolParams& p, QType t, const void* x, void* y, Isa isa) {
#if defined(__x86_64__)
  if (isa_has_avx2(isa) && d.channels >= 8) return detail::avg_pool_nhwc_avx2(d, p, t, x, y);
#endif
  ref::avg_pool_nhwc(d, p, t, x, y);
}

void adaptive_avg_pool_nhwc(const PoolDesc& d, QType t, const void* x, void* y) {
  if (t == QType::u8)
    adaptive_avg(d, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y));
  else
    adaptive_avg(d, static_cast<const int8_t*>(x), static_cast<int8_t*>(y));
}

}  // namespace qjit
