#include "kernels/reference/pool_ref.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qjit::ref {
namespace {

int64_t pixels(const int64_t (&s)[3]) { return s[0] * s[1] * s[2]; }

template <class T>
void max_pixel(const PoolDesc& d, const T* image, T* pixel, int64_t od, int64_t oh, int64_t ow, int64_t c_begin) {
  const int64_t o[3] = {od, oh, ow};
  int64_t start[3];
  for (int i = 0; i < 3; ++i) start[i] = o[i] * d.stride[i] - d.pad[i];
  for (int64_t c = c_begin; c < d.channels; ++c) {
    T m = std::numeric_limits<T>::lowest();
    for (int64_t kd = 0; kd < d.kernel[0]; ++kd) {
      const int64_t id = start[0] + kd * d.dilation[0];
      if (id < 0 || id >= d.in[0]) continue;
      for (int64_t kh = 0; kh < d.kernel[1]; ++kh) {
        const int64_t ih = start[1] + kh * d.dilation[1];
        if (ih < 0 || ih >= d.in[1]) continue;
        for (int64_t kw = 0; kw < d.kernel[2]; ++kw) {
          const int64_t iw = start[2] + kw * d.dilation[2];
          if (iw < 0 || iw >= d.in[2]) continue;
          m = std::max(m, image[((id * d.in[1] + ih) * d.in[2] + iw) * d.channels + c]);
        }
      }
    }
    pixel[c] = m;
  }
}

template <class T>
void avg_pixel(const PoolDesc& d, const AvgWindow& w, int32_t out_zp, const T* image, T* pixel, int64_t c_begin) {
  constexpr int32_t qmin = std::numeric_limits<T>::lowest(), qmax = std::numeric_limits<T>::max();
  for (int64_t c = c_begin; c < d.channels; ++c) {
    if (w.empty) {
      pixel[c] = static_cast<T>(std::clamp(out_zp, qmin, qmax));
      continue;
    }
    int32_t sum = 0;
    for (int64_t id = w.begin[0]; id < w.end[0]; ++id)
      for (int64_t ih = w.begin[1]; ih < w.end[1]; ++ih)
        for (int64_t iw = w.begin[2]; iw < w.end[2]; ++iw)
          sum += image[((id * d.in[1] + ih) * d.in[2] + iw) * d.channels + c];
    sum += w.zp_correction;
    // ATen: float(sum) * multiplier + zero point in float, rounded half to even, then clamped.
    const float v = std::nearbyint(static_cast<float>(sum) * w.multiplier + static_cast<float>(out_zp));
    pixel[c] = static_cast<T>(std::clamp(static_cast<int32_t>(v), qmin, qmax));
  }
}

template <class F>
void for_each_output(const PoolDesc& d, F&& f) {
  for (int64_t n = 0; n < d.batch; ++n)
    for (int64_t od = 0; od < d.out[0]; ++od)
      for (int64_t oh = 0; oh < d.out[1]; ++oh)
        for (int64_t ow = 0; ow < d.out[2]; ++ow) {
          const int64_t image = n * pixels(d.in) * d.channels;
          const int64_t pixel = (((n * d.out[0] + od) * d.out[1] + oh) * d.out[2] + ow) * d.channels;
          f(image, pixel, od, oh, ow);
        }
}

}  // namespace

AvgWindow avg_window(const PoolDesc& d, const AvgPoolParams& p, int64_t od, int64_t oh, int64_t ow) {
  const int64_t o[3] = {od, oh, ow};
  AvgWindow w;
  int64_t pool_size = 1, size = 1;
  for (int i = 0; i < 3; ++i) {
    int64_t start = o[i] * d.stride[i] - d.pad[i];
    int64_t end = std::min(start + d.kernel[i], d.in[i] + d.pad[i]);
    pool_size *= end - start;
    start = std::max<int64_t>(start, 0);
    end = std::min(end, d.in[i]);
    w.begin[i] = start;
    w.end[i] = end;
    size *= std::max<int64_t>(end - start, 0);
  }
  w.empty = size == 0;
  const int64_t divisor = p.divisor_override ? p.divisor_override : p.count_include_pad ? pool_size : size;
  // The divide is in double (ATen's scale_factor is a double), the multiplier then rounded to float.
  w.multiplier = divisor ? static_cast<float>(p.scale_ratio / static_cast<double>(divisor)) : 0.0f;
  w.zp_correction = static_cast<int32_t>(-size * p.in_zero_point);
  return w;
}

void max_pool_pixel(const PoolDesc& d, QType t, const void* image, void* pixel, int64_t od, int64_t oh, int64_t ow,
                    int64_t c_begin) {
  if (t == QType::u8)
    max_pixel(d, static_cast<const uint8_t*>(image), static_cast<uint8_t*>(pixel), od, oh, ow, c_begin);
  else
    max_pixel(d, static_cast<const int8_t*>(image), static_cast<int8_t*>(pixel), od, oh, ow, c_begin);
}

void avg_pool_pixel(const PoolDesc& d, const AvgWindow& w, int32_t out_zero_point, QType t, const void* image,
                    void* pixel, int64_t c_begin) {
  if (t == QType::u8)
    avg_pixel(d, w, out_zero_point, static_cast<const uint8_t*>(image), static_cast<uint8_t*>(pixel), c_begin);
  else
    avg_pixel(d, w, out_zero_point, static_cast<const int8_t*>(image), static_cast<int8_t*>(pixel), c_begin);
}

void max_pool_nhwc(const PoolDesc& d, QType t, const void* x, void* y) {
  const auto* xb = static_cast<const std::byte*>(x);
  auto* yb = static_cast<std::byte*>(y);
  for_each_output(d, [&](int64_t image, int64_t pixel, int64_t od, int64_t oh, int64_t ow) {
    max_pool_pixel(d, t, xb + image, yb + pixel, od, oh, ow, 0);
  });
}

void avg_pool_nhwc(const PoolDesc& d, const AvgPoolParams& p, QType t, const void* x, void* y) {
  const auto* xb = static_cast<const std::byte*>(x);
  auto* yb = static_cast<std::byte*>(y);
  for_each_output(d, [&](int64_t image, int64_t pixel, int64_t od, int64_t oh, int64_t ow) {
    avg_pool_pixel(d, avg_window(d, p, od, oh, ow), p.out_zero_point, t, xb + image, yb + pixel, 0);
  });
}

}  // namespace qjit::ref
