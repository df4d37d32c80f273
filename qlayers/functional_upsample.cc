#include "qlayers/functional_upsample.h"

#include <cmath>
#include <string>

#include "base/error.h"
#include "kernels/upsample.h"
#include "qlayers/quantized_input.h"

namespace qjit {

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
  // A contiguous NCHW tensor is N*C images of one channel for the NHWC kernels.
  UpsampleDesc d;
  const bool nhwc = format == MemoryFormat::channels_last;
  d.batch = nhwc ? x.size(0) : x.size(0) * x.size(1);
  d.channels = nhwc ? x.size(1) : 1;
  d.in_h = ih;
  d.in_w = iw;
  d.out_h = oh;
  d.out_w = ow;
  d.scale_h = sh.value_or(0.0);
  d.scale_w = sw.value_or(0.0);
  d.align_corners = align_corners.value_or(false);
  if (is_bilinear)
    upsample_bilinear_nhwc(d, qtype_of(x.dtype()), static_cast<int32_t>(x.q_zero_point()), src.data_ptr(),
                           y.data_ptr());
  else
    upsample_nearest_nhwc(d, qtype_of(x.dtype()), src.data_ptr(), y.data_ptr());
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
