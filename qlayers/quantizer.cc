// The quantization-parameter half of qlayers/tensor.h: validation of quantizers, quantized tensors made from
// parameters or from stored integers, and the q_* accessors.
#include <cmath>
#include <cstring>
#include <string>

#include "base/error.h"
#include "qlayers/tensor.h"

namespace qjit {
namespace {

// The checks below read the caller's vectors in place: from_storage re-validates the quantizer of every view, so
// validation must not copy (views are made on hot paths).
void check_per_tensor(std::string_view fn, double scale, int64_t zero_point, DType dtype) {
  check_arg(dtype == DType::quint8 || dtype == DType::qint8 || dtype == DType::qint32, fn, "dtype", dtype_name(dtype),
            "must be quint8, qint8 or qint32");
  check_scale(fn, "scale", scale);
  check_zero_point(fn, "zero_point", zero_point, quant_min(dtype), quant_max(dtype));
}

void check_channels(std::string_view fn, const std::vector<int64_t>& sizes, const std::vector<double>& scales,
                    size_t zero_points, int64_t axis) {
  const int64_t dim = static_cast<int64_t>(sizes.size());
  check_arg(axis >= 0 && axis < dim, fn, "axis", axis,
            "must be in [0, " + std::to_string(dim) + ") for a tensor of shape " + shape_str(sizes));
  check_arg(static_cast<int64_t>(scales.size()) == sizes[axis], fn, "scales.size()", scales.size(),
            "must equal the size along axis " + std::to_string(axis) + " (" + std::to_string(sizes[axis]) +
                ") of a tensor of shape " + shape_str(sizes));
  check_arg(zero_points == scales.size(), fn, "zero_points.size()", zero_points,
            "must equal scales.size() = " + std::to_string(scales.size()));
  for (size_t c = 0; c < scales.size(); ++c)
    if (!(std::isfinite(scales[c]) && scales[c] > 0 && static_cast<float>(scales[c]) > 0))  // message built on failure only
      check_scale(fn, "scales[" + std::to_string(c) + "]", scales[c]);
}

void check_per_channel(std::string_view fn, const std::vector<int64_t>& sizes, const std::vector<double>& scales,
                       const std::vector<int64_t>& zero_points, int64_t axis, DType dtype) {
  check_arg(dtype == DType::quint8 || dtype == DType::qint8 || dtype == DType::qint32, fn, "dtype", dtype_name(dtype),
            "must be quint8, qint8 or qint32 (quint4x2 needs float zero points)");
  check_channels(fn, sizes, scales, zero_points.size(), axis);
  const int64_t qmin = quant_min(dtype), qmax = quant_max(dtype);
  for (size_t c = 0; c < zero_points.size(); ++c)
    if (zero_points[c] < qmin || zero_points[c] > qmax)
      check_zero_point(fn, "zero_points[" + std::to_string(c) + "]", zero_points[c], qmin, qmax);
}

void check_per_channel(std::string_view fn, const std::vector<int64_t>& sizes, const std::vector<double>& scales,
                       const std::vector<float>& zero_points, int64_t axis, DType dtype) {
  check_arg(dtype == DType::quint8 || dtype == DType::quint4x2, fn, "dtype", dtype_name(dtype),
            "must be quint8 or quint4x2 with float zero points");
  check_channels(fn, sizes, scales, zero_points.size(), axis);
  for (size_t c = 0; c < zero_points.size(); ++c)
    if (!std::isfinite(zero_points[c]))
      throw_bad_arg(fn, "zero_points[" + std::to_string(c) + "]", zero_points[c], "must be finite");
}

}  // namespace

Quantizer make_per_tensor_quantizer(std::string_view fn, double scale, int64_t zero_point, DType dtype) {
  check_per_tensor(fn, scale, zero_point, dtype);
  Quantizer q;
  q.scheme = QScheme::per_tensor_affine;
  q.scale = scale;
  q.zero_point = zero_point;
  return q;
}

Quantizer make_per_channel_quantizer(std::string_view fn, const std::vector<int64_t>& sizes,
                                     const std::vector<double>& scales, const std::vector<int64_t>& zero_points,
                                     int64_t axis, DType dtype) {
  check_per_channel(fn, sizes, scales, zero_points, axis, dtype);
  Quantizer q;
  q.scheme = QScheme::per_channel_affine;
  q.scales = scales;
  q.zero_points = zero_points;
  q.axis = axis;
  return q;
}

Quantizer make_per_channel_quantizer(std::string_view fn, const std::vector<int64_t>& sizes,
                                     const std::vector<double>& scales, const std::vector<float>& zero_points,
                                     int64_t axis, DType dtype) {
  check_per_channel(fn, sizes, scales, zero_points, axis, dtype);
  Quantizer q;
  q.scheme = QScheme::per_channel_affine_float_qparams;
  q.scales = scales;
  q.float_zero_points = zero_points;
  q.axis = axis;
  return q;
}

void check_quantizer(std::string_view fn, const std::vector<int64_t>& sizes, DType dtype, const Quantizer& q) {
  switch (q.scheme) {
    case QScheme::per_tensor_affine:
    case QScheme::per_tensor_symmetric: check_per_tensor(fn, q.scale, q.zero_point, dtype); return;
    case QScheme::per_channel_affine:
    case QScheme::per_channel_symmetric: check_per_channel(fn, sizes, q.scales, q.zero_points, q.axis, dtype); return;
    case QScheme::per_channel_affine_float_qparams:
      check_per_channel(fn, sizes, q.scales, q.float_zero_points, q.axis, dtype);
      return;
    case QScheme::none: break;
  }
  throw_bad_arg(fn, "quantizer.scheme", qscheme_name(q.scheme), "a quantized tensor needs a quantization scheme");
}

Tensor empty_quantized(const std::vector<int64_t>& sizes, DType dtype, Quantizer quantizer, MemoryFormat format) {
  constexpr std::string_view fn = "empty_quantized";
  check_arg(is_quantized(dtype), fn, "dtype", dtype_name(dtype), "must be a quantized dtype");
  for (int64_t s : sizes) check_arg(s >= 0, fn, "sizes", shape_str(sizes), "sizes must be >= 0");
  check_arg(format == MemoryFormat::contiguous || ((sizes.size() == 4 || sizes.size() == 5) && dtype != DType::quint4x2),
            fn, "memory_format", memory_format_name(format),
            "needs a 4-D or 5-D tensor and a dtype other than quint4x2 (packed row-major)");
  check_quantizer(fn, sizes, dtype, quantizer);
  return Tensor::from_storage(std::make_shared<Storage>(storage_nbytes(sizes, dtype)), 0, sizes,
                              dense_strides(sizes, format), dtype,
                              std::make_shared<const Quantizer>(std::move(quantizer)));
}

Tensor empty_affine_quantized(const std::vector<int64_t>& sizes, double scale, int64_t zero_point, DType dtype,
                              MemoryFormat format) {
  return empty_quantized(sizes, dtype, make_per_tensor_quantizer("empty_affine_quantized", scale, zero_point, dtype),
                         format);
}

Tensor empty_per_channel_affine_quantized(const std::vector<int64_t>& sizes, const std::vector<double>& scales,
                                          const std::vector<int64_t>& zero_points, int64_t axis, DType dtype,
                                          MemoryFormat format) {
  return empty_quantized(
      sizes, dtype,
      make_per_channel_quantizer("empty_per_channel_affine_quantized", sizes, scales, zero_points, axis, dtype),
      format);
}

namespace {
// Copies stored integers into a fresh quantized tensor of the same memory format.
Tensor copy_into_quantized(const Tensor& int_repr, DType dtype, Quantizer q) {
  const MemoryFormat format = int_repr.suggest_memory_format();
  Tensor src = int_repr.contiguous(format);
  Tensor out = empty_quantized(int_repr.sizes(), dtype, std::move(q), format);
  std::memcpy(out.data_ptr(), src.data_ptr(), storage_nbytes(src.sizes(), src.dtype()));
  return out;
}

DType quantized_dtype_of(std::string_view fn, const Tensor& int_repr) {
  switch (int_repr.dtype()) {
    case DType::uint8: return DType::quint8;
    case DType::int8: return DType::qint8;
    case DType::int32: return DType::qint32;
    default: throw_bad_arg(fn, "int_repr.dtype", dtype_name(int_repr.dtype()), "must be uint8, int8 or int32");
  }
}

}  // namespace

Tensor make_per_tensor_quantized_tensor(const Tensor& int_repr, double scale, int64_t zero_point) {
  constexpr std::string_view fn = "make_per_tensor_quantized_tensor";
  const DType dtype = quantized_dtype_of(fn, int_repr);
  return copy_into_quantized(int_repr, dtype, make_per_tensor_quantizer(fn, scale, zero_point, dtype));
}

Tensor make_per_channel_quantized_tensor(const Tensor& int_repr, const std::vector<double>& scales,
                                         const std::vector<int64_t>& zero_points, int64_t axis) {
  constexpr std::string_view fn = "make_per_channel_quantized_tensor";
  const DType dtype = quantized_dtype_of(fn, int_repr);
  return copy_into_quantized(int_repr, dtype,
                             make_per_channel_quantizer(fn, int_repr.sizes(), scales, zero_points, axis, dtype));
}

Tensor make_per_channel_quantized_tensor(const Tensor& int_repr, const std::vector<double>& scales,
                                         const std::vector<float>& zero_points, int64_t axis, DType dtype) {
  constexpr std::string_view fn = "make_per_channel_quantized_tensor";
  check_arg(int_repr.dtype() == DType::uint8, fn, "int_repr.dtype", dtype_name(int_repr.dtype()), "must be uint8");
  Quantizer q = make_per_channel_quantizer(fn, int_repr.sizes(), scales, zero_points, axis, dtype);
  if (dtype == DType::quint8) return copy_into_quantized(int_repr, dtype, std::move(q));
  Tensor src = int_repr.contiguous();
  Tensor out = empty_quantized(src.sizes(), dtype, std::move(q));
  const uint8_t* s = src.data_ptr<uint8_t>();
  uint8_t* d = out.data_ptr<uint8_t>();
  const int64_t cols = src.dim() ? src.size(-1) : 1, rows = cols ? src.numel() / cols : 0, row_bytes = (cols + 1) / 2;
  std::memset(d, 0, out.storage()->nbytes());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const uint8_t v = s[r * cols + c];
      check_arg(v <= 15, fn, "int_repr[" + std::to_string(r * cols + c) + "]", v, "must be in [0, 15] for quint4x2");
      d[r * row_bytes + c / 2] |= static_cast<uint8_t>(v << (4 * (c % 2)));
    }
  return out;
}


const Quantizer& Tensor::quantizer() const {
  check_defined("Tensor::quantizer");
  check_arg(quantizer_ != nullptr, "Tensor::quantizer", "self.dtype", dtype_name(dtype_), "needs a quantized tensor");
  return *quantizer_;
}

QScheme Tensor::qscheme() const {
  check_defined("qscheme");
  check_arg(quantizer_ != nullptr, "qscheme", "self.dtype", dtype_name(dtype_), "needs a quantized tensor");
  return quantizer_->scheme;
}

const Quantizer& Tensor::per_tensor_quantizer(std::string_view fn) const {
  check_defined(fn);
  check_arg(quantizer_ != nullptr, fn, "self.dtype", dtype_name(dtype_), "needs a quantized tensor");
  check_arg(!is_per_channel(quantizer_->scheme), fn, "self.qscheme", qscheme_name(quantizer_->scheme),
            "needs a per-tensor quantized tensor (use the q_per_channel_* accessors)");
  return *quantizer_;
}

const Quantizer& Tensor::per_channel_quantizer(std::string_view fn) const {
  check_defined(fn);
  check_arg(quantizer_ != nullptr, fn, "self.dtype", dtype_name(dtype_), "needs a quantized tensor");
  check_arg(is_per_channel(quantizer_->scheme), fn, "self.qscheme", qscheme_name(quantizer_->scheme),
            "needs a per-channel quantized tensor (use q_scale / q_zero_point)");
  return *quantizer_;
}

double Tensor::q_scale() const { return per_tensor_quantizer("q_scale").scale; }
int64_t Tensor::q_zero_point() const { return per_tensor_quantizer("q_zero_point").zero_point; }
const std::vector<double>& Tensor::q_per_channel_scales() const {
  return per_channel_quantizer("q_per_channel_scales").scales;
}
const std::vector<int64_t>& Tensor::q_per_channel_zero_points() const {
  const Quantizer& q = per_channel_quantizer("q_per_channel_zero_points");
  check_arg(q.scheme != QScheme::per_channel_affine_float_qparams, "q_per_channel_zero_points", "self.qscheme",
            qscheme_name(q.scheme), "has float zero points (use q_per_channel_float_zero_points)");
  return q.zero_points;
}
const std::vector<float>& Tensor::q_per_channel_float_zero_points() const {
  const Quantizer& q = per_channel_quantizer("q_per_channel_float_zero_points");
  check_arg(q.scheme == QScheme::per_channel_affine_float_qparams, "q_per_channel_float_zero_points", "self.qscheme",
            qscheme_name(q.scheme), "has integer zero points (use q_per_channel_zero_points)");
  return q.float_zero_points;
}
int64_t Tensor::q_per_channel_axis() const { return per_channel_quantizer("q_per_channel_axis").axis; }

QScheme qscheme(const Tensor& t) { return t.qscheme(); }
double q_scale(const Tensor& t) { return t.q_scale(); }
int64_t q_zero_point(const Tensor& t) { return t.q_zero_point(); }
const std::vector<double>& q_per_channel_scales(const Tensor& t) { return t.q_per_channel_scales(); }
const std::vector<int64_t>& q_per_channel_zero_points(const Tensor& t) { return t.q_per_channel_zero_points(); }
const std::vector<float>& q_per_channel_float_zero_points(const Tensor& t) {
  return t.q_per_channel_float_zero_points();
}
int64_t q_per_channel_axis(const Tensor& t) { return t.q_per_channel_axis(); }


}  // namespace qjit
