#include "qlayers/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "base/error.h"
#include "kernels/minmax.h"
#include "kernels/quantize.h"

namespace qjit {
namespace {

void check_float_input(std::string_view fn, const Tensor& x) {
  check_arg(x.defined(), fn, "x", "undefined", "must be a defined tensor");
  check_arg(x.dtype() == DType::float32, fn, "x.dtype", dtype_name(x.dtype()), "must be float32");
}

void check_quantized_input(std::string_view fn, const Tensor& q) {
  check_arg(q.defined(), fn, "self", "undefined", "must be a defined tensor");
  check_arg(q.is_quantized(), fn, "self.dtype", dtype_name(q.dtype()),
            "must be a quantized dtype (quint8, qint8, qint32, quint4x2)");
}

// A per-channel tensor as the kernels see it: [outer][channels][inner] over dense row-major data.
struct Channels {
  size_t outer = 1, channels = 1, inner = 1;
};

Channels channels_of(const std::vector<int64_t>& sizes, int64_t axis) {
  Channels c;
  for (int64_t d = 0; d < static_cast<int64_t>(sizes.size()); ++d) {
    const size_t s = static_cast<size_t>(sizes[d]);
    if (d < axis) c.outer *= s;
    else if (d == axis) c.channels = s;
    else c.inner *= s;
  }
  return c;
}

// Channels-last data with the channel axis 1 is [N*H*W][C][1]: the kernels read it in place, no transpose.
bool channels_innermost(MemoryFormat format, int64_t axis) { return format == MemoryFormat::channels_last && axis == 1; }

std::vector<float> float_scales(const std::vector<double>& scales) {
  return std::vector<float>(scales.begin(), scales.end());  // kernels use (float)scale, as ATen does
}

std::vector<int32_t> int32_zero_points(const std::vector<int64_t>& zps) {
  return std::vector<int32_t>(zps.begin(), zps.end());  // validated against the dtype range: fits in int32
}

// quint4x2 rows hold ceil(cols / 2) bytes, the even column in the low nibble (PyTorch's layout).
struct Rows {
  int64_t rows, cols, row_bytes;
};
Rows rows_of(const std::vector<int64_t>& sizes) {
  const int64_t cols = sizes.empty() ? 1 : sizes.back();
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return {cols ? n / cols : 0, cols, (cols + 1) / 2};
}

void pack_4bit(const uint8_t* values, uint8_t* packed, const std::vector<int64_t>& sizes) {
  const Rows r = rows_of(sizes);
  std::memset(packed, 0, static_cast<size_t>(r.rows * r.row_bytes));
  for (int64_t i = 0; i < r.rows; ++i)
    for (int64_t c = 0; c < r.cols; ++c) {
      // The u8 kernel clamps to [0, 255]; clamping that to [0, 15] equals clamping the rounded value to [0, 15].
      const uint8_t v = std::min<uint8_t>(values[i * r.cols + c], 15);
      packed[i * r.row_bytes + c / 2] |= static_cast<uint8_t>(v << (4 * (c % 2)));
    }
}

void unpack_4bit(const uint8_t* packed, uint8_t* values, const std::vector<int64_t>& sizes) {
  const Rows r = rows_of(sizes);
  for (int64_t i = 0; i < r.rows; ++i)
    for (int64_t c = 0; c < r.cols; ++c)
      values[i * r.cols + c] = (packed[i * r.row_bytes + c / 2] >> (4 * (c % 2))) & 0xF;
}

// ATen dequantizes per_channel_affine tensors in double: x = f32(double(q - zp) * scale), q - zp in int64 (no
// int32 wrap). kernels/quantize.h's dequantize_per_channel takes float scales (f32(q - zp) * f32(scale)), which
// differs in the last bit on about 10 % of the golden values, so this loop stays here until the kernel has a
// double-scale form. (Float zero points are float math in ATen too, and use the kernel.)
template <class Q>
void dequantize_channels_double(const Q* q, float* x, Channels c, const std::vector<double>& scales,
                                const std::vector<int64_t>& zero_points) {
  for (size_t o = 0; o < c.outer; ++o)
    for (size_t ch = 0; ch < c.channels; ++ch) {
      const size_t base = (o * c.channels + ch) * c.inner;
      const double scale = scales[ch];
      const int64_t zp = zero_points[ch];
      for (size_t i = 0; i < c.inner; ++i)
        x[base + i] = static_cast<float>(static_cast<double>(static_cast<int64_t>(q[base + i]) - zp) * scale);
    }
}

// Shared by both zero-point kinds: runs `kernel(src, dst, Channels)` on a dense layout and returns a tensor in the
// input's memory format.
template <class Kernel>
Tensor per_channel_quantize(const Tensor& x, DType dtype, Quantizer q, Kernel kernel) {
  const int64_t axis = q.axis;
  const MemoryFormat format = x.suggest_memory_format();
  const bool nhwc = channels_innermost(format, axis);
  const MemoryFormat work = nhwc ? MemoryFormat::channels_last : MemoryFormat::contiguous;
  Tensor src = x.contiguous(work);
  Tensor out = empty_quantized(x.sizes(), dtype, std::move(q), work);
  Channels c = channels_of(x.sizes(), axis);
  if (nhwc) c = {static_cast<size_t>(x.numel()) / c.channels, c.channels, 1};
  if (x.numel() > 0) kernel(src.data_ptr<float>(), out.data_ptr(), c);
  return format == work ? out : out.contiguous(format);
}

}  // namespace

Tensor quantize_per_tensor(const Tensor& x, double scale, int64_t zero_point, DType dtype) {
  constexpr std::string_view fn = "quantize_per_tensor";
  check_float_input(fn, x);
  Quantizer q = make_per_tensor_quantizer(fn, scale, zero_point, dtype);
  const MemoryFormat format = x.suggest_memory_format();  // element-wise: any dense layout works as is
  Tensor src = x.contiguous(format);
  Tensor out = empty_quantized(x.sizes(), dtype, std::move(q), format);
  if (x.numel() > 0)
    quantize_per_tensor(src.data_ptr<float>(), out.data_ptr(), static_cast<size_t>(x.numel()), qtype_of(dtype),
                        static_cast<float>(scale), static_cast<int32_t>(zero_point));
  return out;
}

Tensor quantize_per_channel(const Tensor& x, const std::vector<double>& scales,
                            const std::vector<int64_t>& zero_points, int64_t axis, DType dtype) {
  constexpr std::string_view fn = "quantize_per_channel";
  check_float_input(fn, x);
  Quantizer q = make_per_channel_quantizer(fn, x.sizes(), scales, zero_points, axis, dtype);
  const std::vector<float> s = float_scales(scales);
  const std::vector<int32_t> z = int32_zero_points(zero_points);
  return per_channel_quantize(x, dtype, std::move(q), [&](const float* src, void* dst, Channels c) {
    quantize_per_channel(src, dst, c.outer, c.channels, c.inner, qtype_of(dtype), s.data(), z.data());
  });
}

Tensor quantize_per_channel(const Tensor& x, const std::vector<double>& scales, const std::vector<float>& zero_points,
                            int64_t axis, DType dtype) {
  constexpr std::string_view fn = "quantize_per_channel";
  check_float_input(fn, x);
  Quantizer q = make_per_channel_quantizer(fn, x.sizes(), scales, zero_points, axis, dtype);
  const std::vector<float> s = float_scales(scales);
  if (dtype == DType::quint4x2) {  // quantize to bytes, then pack two per byte
    Tensor src = x.contiguous();
    Tensor out = empty_quantized(x.sizes(), dtype, std::move(q));
    std::vector<uint8_t> values(static_cast<size_t>(x.numel()));
    const Channels c = channels_of(x.sizes(), axis);
    if (x.numel() > 0)
      quantize_per_channel_float_qparams(src.data_ptr<float>(), values.data(), c.outer, c.channels, c.inner,
                                         QType::u8, s.data(), zero_points.data());
    pack_4bit(values.data(), out.data_ptr<uint8_t>(), x.sizes());
    return out;
  }
  return per_channel_quantize(x, dtype, std::move(q), [&](const float* src, void* dst, Channels c) {
    quantize_per_channel_float_qparams(src, dst, c.outer, c.channels, c.inner, QType::u8, s.data(),
                                       zero_points.data());
  });
}

QParams choose_qparams(float min, float max, int32_t qmin, int32_t qmax, bool preserve_sparsity,
                       bool force_power_of_2, bool reduce_range) {
  constexpr std::string_view fn = "choose_qparams";
  check_arg(std::isfinite(min), fn, "min", min, "must be finite");
  check_arg(std::isfinite(max), fn, "max", max, "must be finite");
  check_arg(min <= max, fn, "min", min, "must be <= max = " + detail::format_value(max));
  check_arg(qmin < qmax, fn, "qmin", qmin, "must be < qmax = " + std::to_string(qmax));
  // The types below are ATen's on purpose: float min/max, int ranges, double scale. Each rounding is part of the
  // result PyTorch returns.
  if (reduce_range) {  // C++ division truncates toward zero, as in ATen
    qmin /= 2;
    qmax /= 2;
    check_arg(qmin < qmax, fn, "qmin", qmin, "must be < qmax = " + std::to_string(qmax) + " after reduce_range");
  }
  if (min < 0 && max > 0 && preserve_sparsity) {
    const int symmetric_qmin = -((qmax - qmin) / 2 + 1);
    const int symmetric_qmax = (qmax - qmin) / 2;
    const double max_scale = std::max(std::fabs(min / static_cast<float>(symmetric_qmin)),
                                      std::fabs(max / static_cast<float>(symmetric_qmax)));
    min = static_cast<float>(max_scale * symmetric_qmin);
    max = static_cast<float>(max_scale * symmetric_qmax);
  }
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);

  double scale = (static_cast<double>(max) - min) / (qmax - qmin);
  if (static_cast<float>(scale) == 0.0f || std::isinf(1.0f / static_cast<float>(scale))) scale = 0.1;
  if (force_power_of_2) {
    // ATen shifts an int (1 << k); ldexp is the same for every k that does not overflow it.
    if (scale < 1) scale = 1.0 / std::ldexp(1.0, static_cast<int>(std::floor(std::log(1.0 / scale) / std::log(2))));
    else scale = std::ldexp(1.0, static_cast<int>(std::ceil(std::log(scale) / std::log(2))));
  }
  constexpr float kSmallScaleThreshold = 6.1e-5f;  // ATen's SMALL_SCALE_THRESHOLD (a float)
  if (scale < kSmallScaleThreshold) {
    const float org_scale = static_cast<float>(scale);
    scale = kSmallScaleThreshold;
    if (min == 0.0f) {
      max = kSmallScaleThreshold * static_cast<float>(qmax - qmin);
    } else if (max == 0.0f) {
      min = -kSmallScaleThreshold * static_cast<float>(qmax - qmin);
    } else {
      const float amplifier = kSmallScaleThreshold / org_scale;
      min *= amplifier;
      max *= amplifier;
    }
  }

  // The zero point from whichever end adds the smaller terms (ATen compares |qmin| - |min/scale|, a difference).
  const double zp_from_min = qmin - min / scale;
  const double zp_from_max = qmax - max / scale;
  const double zp_from_min_error = std::abs(qmin) - std::abs(min / scale);
  const double zp_from_max_error = std::abs(qmax) - std::abs(max / scale);
  double initial_zp = zp_from_min_error < zp_from_max_error ? zp_from_min : zp_from_max;
  if (min < 0 && max > 0 && preserve_sparsity) initial_zp = static_cast<double>(qmin + qmax) / 2;

  QParams p;
  p.scale = scale;
  p.zero_point = initial_zp < qmin   ? qmin
                 : initial_zp > qmax ? qmax
                                     : static_cast<int64_t>(std::nearbyint(initial_zp));
  return p;
}

namespace {
// min and max of a non-empty float tensor by the min_max kernel (order does not matter: any dense layout).
std::pair<float, float> range_of(std::string_view fn, const Tensor& x) {
  check_float_input(fn, x);
  check_arg(x.numel() > 0, fn, "x.numel()", x.numel(), "must be > 0 (the range of an empty tensor is undefined)");
  Tensor src = x.contiguous(x.suggest_memory_format());
  float mn, mx;
  min_max(src.data_ptr<float>(), static_cast<size_t>(x.numel()), &mn, &mx);
  if (!(std::isfinite(mn) && std::isfinite(mx))) {
    std::string range = "min " + detail::format_value(mn);
    range += ", max ";
    range += detail::format_value(mx);
    throw_bad_arg(fn, "x", range, "needs a finite range (all NaN, or infinite values)");
  }
  return {mn, mx};
}
}  // namespace

QParams choose_qparams_per_tensor(const Tensor& x, bool reduce_range) {
  const auto [mn, mx] = range_of("choose_qparams_per_tensor", x);
  return choose_qparams(mn, mx, 0, 255, false, false, reduce_range);
}

Tensor quantize_per_tensor_dynamic(const Tensor& x, DType dtype, bool reduce_range) {
  constexpr std::string_view fn = "quantize_per_tensor_dynamic";
  check_arg(dtype == DType::quint8 || dtype == DType::qint8 || dtype == DType::float16, fn, "dtype",
            dtype_name(dtype), "must be quint8, qint8 or float16");
  if (dtype == DType::float16) {
    check_float_input(fn, x);
    return x.to(DType::float16);
  }
  const auto [mn, mx] = range_of(fn, x);
  const QParams p = choose_qparams(mn, mx, static_cast<int32_t>(quant_min(dtype)),
                                   static_cast<int32_t>(quant_max(dtype)), false, false, reduce_range);
  return quantize_per_tensor(x, p.scale, p.zero_point, dtype);
}

Tensor dequantize(const Tensor& q) {
  constexpr std::string_view fn = "dequantize";
  check_quantized_input(fn, q);
  const Quantizer& z = q.quantizer();
  const size_t n = static_cast<size_t>(q.numel());
  if (!is_per_channel(z.scheme)) {
    const MemoryFormat format = q.suggest_memory_format();
    Tensor src = q.contiguous(format);
    Tensor out = empty(q.sizes(), DType::float32, format);
    if (n > 0)
      dequantize_per_tensor(src.data_ptr(), out.data_ptr<float>(), n, qtype_of(q.dtype()),
                            static_cast<float>(z.scale), static_cast<int32_t>(z.zero_point));
    return out;
  }
  const std::vector<float> s = float_scales(z.scales);
  auto kernel = [&](const void* src, float* dst, Channels c, QType t) {
    if (z.scheme == QScheme::per_channel_affine_float_qparams)
      dequantize_per_channel_float_qparams(src, dst, c.outer, c.channels, c.inner, t, s.data(),
                                           z.float_zero_points.data());
    else if (t == QType::u8)
      dequantize_channels_double(static_cast<const uint8_t*>(src), dst, c, z.scales, z.zero_points);
    else if (t == QType::s8)
      dequantize_channels_double(static_cast<const int8_t*>(src), dst, c, z.scales, z.zero_points);
    else
      dequantize_channels_double(static_cast<const int32_t*>(src), dst, c, z.scales, z.zero_points);
  };
  if (q.dtype() == DType::quint4x2) {  // unpack to one byte per value, then the u8 kernel
    std::vector<uint8_t> values(n);
    unpack_4bit(q.data_ptr<uint8_t>(), values.data(), q.sizes());
    Tensor out = empty(q.sizes(), DType::float32);
    if (n > 0) kernel(values.data(), out.data_ptr<float>(), channels_of(q.sizes(), z.axis), QType::u8);
    return out;
  }
  const MemoryFormat format = q.suggest_memory_format();
  const bool nhwc = channels_innermost(format, z.axis);
  const MemoryFormat work = nhwc ? MemoryFormat::channels_last : MemoryFormat::contiguous;
  Tensor src = q.contiguous(work);
  Tensor out = empty(q.sizes(), DType::float32, work);
  Channels c = channels_of(q.sizes(), z.axis);
  if (nhwc) c = {n / c.channels, c.channels, 1};
  if (n > 0) kernel(src.data_ptr(), out.data_ptr<float>(), c, qtype_of(q.dtype()));
  return format == work ? out : out.contiguous(format);
}

Tensor int_repr(const Tensor& q) {
  constexpr std::string_view fn = "int_repr";
  check_quantized_input(fn, q);
  if (q.dtype() == DType::quint4x2) {
    std::vector<int64_t> sizes = q.sizes();
    if (sizes.empty()) sizes.push_back(1);
    sizes.back() = (sizes.back() + 1) / 2;
    Tensor out = empty(sizes, DType::uint8);
    std::memcpy(out.data_ptr(), q.data_ptr(), storage_nbytes(sizes, DType::uint8));
    return out;
  }
  const DType plain = q.dtype() == DType::quint8 ? DType::uint8 : q.dtype() == DType::qint8 ? DType::int8 : DType::int32;
  const MemoryFormat format = q.suggest_memory_format();
  Tensor src = q.contiguous(format);
  Tensor out = empty(q.sizes(), plain, format);
  std::memcpy(out.data_ptr(), src.data_ptr(), storage_nbytes(q.sizes(), plain));
  return out;
}

}  // namespace qjit
