#include "qlayers/quant_stubs.h"

#include <sstream>

#include "base/error.h"
#include "qlayers/quantize.h"

namespace qjit::nnq {

Quantize::Quantize(double scale_, int64_t zero_point_, DType dtype_)
    : scale(scale_), zero_point(zero_point_), dtype(dtype_) {
  check_arg(dtype == DType::quint8 || dtype == DType::qint8 || dtype == DType::qint32, "nnq.Quantize", "dtype",
            dtype_name(dtype), "must be quint8, qint8 or qint32");
  make_per_tensor_quantizer("nnq.Quantize", scale, zero_point, dtype);  // validates scale and zero point
}

std::string Quantize::extra_repr() const {
  std::ostringstream os;
  os << "scale=" << scale << ", zero_point=" << zero_point << ", dtype=torch." << dtype_name(dtype);
  return os.str();
}

Tensor Quantize::forward(const Tensor& x) {
  check_arg(x.defined() && x.dtype() == DType::float32, "nnq.Quantize.forward", "x",
            x.defined() ? x.to_string() : std::string("undefined"), "must be a float32 tensor");
  return quantize_per_tensor(x, scale, zero_point, dtype);
}

Tensor DeQuantize::forward(const Tensor& x) {
  check_arg(x.defined() && x.is_quantized(), "nnq.DeQuantize.forward", "x",
            x.defined() ? x.to_string() : std::string("undefined"), "must be a quantized tensor");
  return dequantize(x);
}

}  // namespace qjit::nnq
