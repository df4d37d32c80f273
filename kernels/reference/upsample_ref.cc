#include "kernels/reference/upsample_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace qjit::ref {
namespace {

// ATen's compute_scales_value<float>: the reciprocal of a given scale factor, else in / out.
float scales_value(double scale, int64_t in, int64_t out) {
  return scale > 0.0 ? static_cast<float>(1.0 / scale) : static_cast<float>(in) / static_cast<float>(out);
}

template <class T>
void nearest_channels(const UpsampleDesc& d, const T* image, T* pixel, int64_t oh, int64_t ow, int64_t c_begin) {
  const int64_t ih = nearest_index(oh, d.in_h, d.out_h, d.scale_h), iw = nearest_index(ow, d.in_w, d.out_w, d.scale_w);
  const T* src = image + (ih * d.in_w + iw) * d.channels;
  for (int64_t c = c_begin; c < d.channels; ++c) pixel[c] = src[c];
}

template <class T>
void bilinear_channels(const UpsampleDesc& d, int32_t zero_point, const T* image, T* pixel, const LinearIndex& a,
                       const LinearIndex& b, int64_t c_begin) {
  constexpr int64_t qmin = std::numeric_limits<T>::lowest(), qmax = std::numeric_limits<T>::max();
  const float zp = static_cast<float>(zero_point);
  const int64_t dh = a.step * d.in_w * d.channels, dw = b.step * d.channels;
  const T* p = image + (a.i0 * d.in_w + b.i0) * d.channels;
  for (int64_t c = c_begin; c < d.channels; ++c) {
    const float v = a.l0 * (b.l0 * static_cast<float>(p[c]) + b.l1 * static_cast<float>(p[c + dw])) +
                    a.l1 * (b.l0 * static_cast<float>(p[c + dh]) + b.l1 * static_cast<float>(p[c + dh + dw])) - zp;
    // Output parameters equal the input's: ATen's requantization scale is 1.
    const int64_t q = zero_point + static_cast<int64_t>(std::nearbyint(v));
    pixel[c] = static_cast<T>(std::clamp(q, qmin, qmax));
  }
}

}  // namespace

int64_t nearest_index(int64_t o, int64_t in, int64_t out, double scale) {
  if (out == in) return o;
  if (out == 2 * in) return o >> 1;
  const float s = scales_value(scale, in, out);
  return std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * s)), in - 1);
}

float linear_scale(int64_t in, int64_t out, bool align_corners, double scale) {
  if (align_corners) return out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  return scales_value(scale, in, out);
}

LinearIndex linear_index(float scale, int64_t o, int64_t in, bool align_corners) {
  float r = scale * static_cast<float>(o);
  if (!align_corners) {
    r = scale * (static_cast<float>(o) + 0.5f) - 0.5f;
    if (r < 0.0f) r = 0.0f;
  }
  LinearIndex w;
  w.i0 = static_cast<int64_t>(r);
  w.step = w.i0 < in - 1 ? 1 : 0;
  w.l1 = r - static_cast<float>(w.i0);
  w.l0 = 1.0f - w.l1;
  return w;
}

void nearest_pixel(const UpsampleDesc& d, QType t, const void* image, void* pixel, int64_t oh, int64_t ow,
                   int64_t c_begin) {
  if (t == QType::u8)
    nearest_channels(d, static_cast<const uint8_t*>(image), static_cast<uint8_t*>(pixel), oh, ow, c_begin);
  else
    nearest_channels(d, static_cast<const int8_t*>(image), static_cast<int8_t*>(pixel), oh, ow, c_begin);
}

void bilinear_pixel(const UpsampleDesc& d, QType t, int32_t zero_point, const void* image, void* pixel,
                    const LinearIndex& h, const LinearIndex& w, int64_t c_begin) {
  if (t == QType::u8)
    bilinear_channels(d, zero_point, static_cast<const uint8_t*>(image), static_cast<uint8_t*>(pixel), h, w, c_begin);
  else
    bilinear_channels(d, zero_point, static_cast<const int8_t*>(image), static_cast<int8_t*>(pixel), h, w, c_begin);
}

void upsample_nearest_nhwc(const UpsampleDesc& d, QType t, const void* x, void* y) {
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  for (int64_t n = 0; n < d.batch; ++n)
    for (int64_t oh = 0; oh < d.out_h; ++oh)
      for (int64_t ow = 0; ow < d.out_w; ++ow)
        nearest_pixel(d, t, xb + n * d.in_h * d.in_w * d.channels,
                      yb + ((n * d.out_h + oh) * d.out_w + ow) * d.channels, oh, ow, 0);
}

void upsample_bilinear_nhwc(const UpsampleDesc& d, QType t, int32_t zero_point, const void* x, void* y) {
  if (d.in_h == d.out_h && d.in_w == d.out_w) {  // ATen copies
    std::memcpy(y, x, static_cast<size_t>(d.batch * d.in_h * d.in_w * d.channels));
    return;
  }
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  const float rh = linear_scale(d.in_h, d.out_h, d.align_corners, d.scale_h);
  const float rw = linear_scale(d.in_w, d.out_w, d.align_corners, d.scale_w);
  for (int64_t n = 0; n < d.batch; ++n)
    for (int64_t oh = 0; oh < d.out_h; ++oh) {
      const LinearIndex h = linear_index(rh, oh, d.in_h, d.align_corners);
      for (int64_t ow = 0; ow < d.out_w; ++ow)
        bilinear_pixel(d, t, zero_point, xb + n * d.in_h * d.in_w * d.channels,
                       yb + ((n * d.out_h + oh) * d.out_w + ow) * d.channels, h,
                       linear_index(rw, ow, d.in_w, d.align_corners), 0);
    }
}

}  // namespace qjit::ref
