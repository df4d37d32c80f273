#include "qlayers/functional_upsample.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "base/error.h"
#include "qlayers/quantized_input.h"

namespace qjit {
namespace {

// ATen's compute_scales_value<float>: the reciprocal of a given scale factor, else in / out.
float scales_value(std::optional<double> scale, int64_t in, int64_t out) {
  return scale && *scale > 0.0 ? static_cast<float>(1.0 / *scale)
                               : static_cast<float>(in) / static_cast<float>(out);
}

int64_t nearest_index(int64_t o, int64_t in, int64_t out, std::optional<double> scale) {
  if (out == in) return o;
  if (out == 2 * in) return o >> 1;
  const float s = scales_value(scale, in, out);
  return std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * s)), in - 1);
}

// ATen's area_pixel_compute_scale<float> and area_pixel_compute_source_index<float> (not cubic).
float area_scale(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  if (align_corners) return out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  return scales_value(scale, in, out);
}
float source_index(float scale, int64_t o, bool align_corners) {
  if (align_corners) return scale * static_cast<float>(o);
  const float src = scale * (static_cast<float>(o) + 0.5f) - 0.5f;
  return src < 0.0f ? 0.0f : src;
}

struct Linear1d {  // one output coordinate of bilinear interpolation
  int64_t i0, step;  // first source index, and 1 if the second one exists (else 0)
  float l0, l1;      // weights of i0 and i0 + step
};

Linear1d linear_weights(float scale, int64_t o, int64_t in, bool align_corners) {
  const float r = source_index(scale, o, align_corners);
  Linear1d w;
  w.i0 = static_cast<int64_t>(r);
  w.step = w.i0 < in - 1 ? 1 : 0;
  w.l1 = r - static_cast<float>(w.i0);
  w.l0 = 1.0f - w.l1;
  return w;
}

struct Geometry {
  int64_t n, c, ih, iw, oh, ow;
  int64_t xs[4], ys[4];  // element strides of input and output (N, C, H, W)
};

template <class T>
void nearest(const Geometry& g, const T* x, T* y, std::optional<double> sh, std::optional<double> sw) {
  for (int64_t h = 0; h < g.oh; ++h) {
    const int64_t hi = nearest_index(h, g.ih, g.oh, sh);
    for (int64_t w = 0; w < g.ow; ++w) {
      const int64_t wi = nearest_index(w, g.iw, g.ow, sw);
      for (int64_t n = 0; n < g.n; ++n)
        for (int64_t c = 0; c < g.c; ++c)
          y[n * g.ys[0] + c * g.ys[1] + h * g.ys[2] + w * g.ys[3]] =
              x[n * g.xs[0] + c * g.xs[1] + hi * g.xs[2] + wi * g.xs[3]];
    }
  }
}

template <class T>
void bilinear(const Geometry& g, const T* x, T* y, bool align_corners, std::optional<double> sh,
              std::optional<double> sw, int64_t zero_point) {
  constexpr int64_t qmin = std::numeric_limits<T>::lowest(), qmax = std::numeric_limits<T>::max();
  const float rh = area_scale(g.ih, g.oh, align_corners, sh), rw = area_scale(g.iw, g.ow, align_corners, sw);
  const float inv_scale = 1.0f;  // output parameters = input parameters: ATen's requant scale is 1
  const float zp = static_cast<float>(zero_point);
  for (int64_t h = 0; h < g.oh; ++h) {
    const Linear1d a = linear_weights(rh, h, g.ih, align_corners);
    for (int64_t w = 0; w < g.ow; ++w) {
      const Linear1d b = linear_weights(rw, w, g.iw, align_corners);
      for (int64_t n = 0; n < g.n; ++n)
        for (int64_t c = 0; c < g.c; ++c) {
          const T* p = x + n * g.xs[0] + c * g.xs[1] + a.i0 * g.xs[2] + b.i0 * g.xs[3];
          const int64_t dh = a.step * g.xs[2], dw = b.step * g.xs[3];
          const float v = a.l0 * (b.l0 * static_cast<float>(p[0]) + b.l1 * static_cast<float>(p[dw])) +
                          a.l1 * (b.l0 * static_cast<float>(p[dh]) + b.l1 * static_cast<float>(p[dh + dw])) - zp;
          const int64_t q = zero_point + static_cast<int64_t>(std::nearbyint(v * inv_scale));
          y[n * g.ys[0] + c * g.ys[1] + h * g.ys[2] + w * g.ys[3]] = static_cast<T>(std::clamp(q, qmin, qmax));
        }
    }
  }
}

}  // namespace

Tensor interpolate(const Tensor& x, const std::vector<int64_t>& size, const std::vector<double>& scale_factor,
                   std::string_view mode, std::optional<bool> align_corners) {
  constexpr std::string_view fn = "interpolate";
  detail::check_quantized_activation(fn, x, {4});
  const bool is_bilinear = mode == "bilinear";
  check_arg(is_bilinear || mode == "nearest", fn, "mode", std::string(mode), "must be \"nearest\" or \"bilinear\"");
  check_arg(is_bilinear || !align_corners, fn, "align_corners", align_corners.value_or(false),
            "can only be set with mode \"bilinear\"");
  check_arg(size.empty() != scale_factor.empty(), fn, "size", shape_str(size),
            "exactly one of size and scale_factor must be given");
  const int64_t ih = x.size(2), iw = x.size(3);
  int64_t oh, ow;
  std::optional<double> sh, sw;
  if (!size.empty()) {
    check_arg(size.size() == 1 || size.size() == 2, fn, "size", shape_str(size), "must hold 1 or 2 values");
    oh = size[0];
    ow = size.back();
    check_arg(oh >= 1 && ow >= 1, fn, "size", shape_str(size), "must be >= 1");
  } else {
    check_arg(scale_factor.size() == 1 || scale_factor.size() == 2, fn, "scale_factor", scale_factor.size(),
              "must hold 1 or 2 values");
    for (double s : scale_factor) check_arg(std::isfinite(s) && s > 0.0, fn, "scale_factor", s, "must be finite and > 0");
    sh = scale_factor[0];
    sw = scale_factor.back();
    oh = static_cast<int64_t>(std::floor(static_cast<double>(ih) * *sh));
    ow = static_cast<int64_t>(std::floor(static_cast<double>(iw) * *sw));
    check_arg(oh >= 1 && ow >= 1, fn, "scale_factor", *sh < *sw ? *sh : *sw,
              "gives an empty output for input " + shape_str(x.sizes()));
  }
  const MemoryFormat format = detail::working_format(x);
  const Tensor src = x.contiguous(format);
  Tensor y = empty_affine_quantized({x.size(0), x.size(1), oh, ow}, x.q_scale(), x.q_zero_point(), x.dtype(), format);
  if (y.numel() == 0) return y;
  Geometry g{x.size(0), x.size(1), ih, iw, oh, ow, {}, {}};
  for (int i = 0; i < 4; ++i) {
    g.xs[i] = src.stride(i);
    g.ys[i] = y.stride(i);
  }
  if (is_bilinear && ih == oh && iw == ow) {  // ATen copies
    std::memcpy(y.data_ptr(), src.data_ptr(), static_cast<size_t>(src.numel()));
    return y;
  }
  const bool ac = align_corners.value_or(false);
  if (x.dtype() == DType::quint8) {
    if (is_bilinear)
      bilinear(g, src.data_ptr<uint8_t>(), y.data_ptr<uint8_t>(), ac, sh, sw, x.q_zero_point());
    else
      nearest(g, src.data_ptr<uint8_t>(), y.data_ptr<uint8_t>(), sh, sw);
  } else {
    if (is_bilinear)
      bilinear(g, src.data_ptr<int8_t>(), y.data_ptr<int8_t>(), ac, sh, sw, x.q_zero_point());
    else
      nearest(g, src.data_ptr<int8_t>(), y.data_ptr<int8_t>(), sh, sw);
  }
  return y;
}

Tensor upsample(const Tensor& x, const std::vector<int64_t>& size, const std::vector<double>& scale_factor,
                std::string_view mode, std::optional<bool> align_corners) {
  return interpolate(x, size, scale_factor, mode, align_corners);
}

Tensor upsample_nearest(const Tensor& x, const std::vector<int64_t>& size, const std::vector<double>& scale_factor) {
  return interpolate(x, size, scale_factor, "nearest");
}

Tensor upsample_bilinear(const Tensor& x, const std::vector<int64_t>& size, const std::vector<double>& scale_factor) {
  return interpolate(x, size, scale_factor, "bilinear", true);
}

}  // namespace qjit
