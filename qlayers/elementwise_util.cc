#include "qlayers/elementwise_util.h"

#include "base/error.h"
#include "kernels/qbinary.h"
#include "kernels/reference/qbinary_ref.h"

namespace qjit::detail {

void check_q8_per_tensor(std::string_view fn, std::string_view arg, const Tensor& x) {
  check_arg(x.defined(), fn, arg, "undefined", "must be a defined tensor");
  check_arg(x.dtype() == DType::quint8 || x.dtype() == DType::qint8, fn, arg, dtype_name(x.dtype()),
            "must be quint8 or qint8");
  const QScheme s = x.qscheme();
  check_arg(s == QScheme::per_tensor_affine || s == QScheme::per_tensor_symmetric, fn, arg, qscheme_name(s),
            "must be per-tensor quantized");
}

MemoryFormat elementwise_format(const Tensor& x) {
  return (x.dim() == 4 || x.dim() == 5) ? x.suggest_memory_format() : MemoryFormat::contiguous;
}

Tensor dense_in_own_format(const Tensor& x) { return x.contiguous(elementwise_format(x)); }

float inv_scale_f32(double scale) { return 1.0f / static_cast<float>(scale); }
float inv_scale_f64(double scale) { return static_cast<float>(1.0 / scale); }

QLut build_unary_lut(QType type, float in_scale, int32_t in_zero_point, float inv_out_scale, int32_t out_zero_point,
                     Dequant dequant, const std::function<float(float)>& f) {
  QLut t{};
  const float inv = inv_out_scale;
  const float nszp = ref::neg_scale_zp(in_scale, in_zero_point);
  for (int byte = 0; byte < 256; ++byte) {
    const int32_t q = type == QType::s8 ? static_cast<int8_t>(byte) : byte;
    const float x = dequant == Dequant::fma ? ref::dequantize_fma(q, in_scale, nszp)
                                            : ref::dequantize_val(q, in_scale, in_zero_point);
    const int32_t y = ref::quantize_val(f(x), inv, out_zero_point, type);
    t[static_cast<size_t>(byte)] = static_cast<uint8_t>(y);
  }
  return t;
}

Tensor apply_luts(const Tensor& x_dense, const QLut& vector_table, const QLut& tail_table, double out_scale,
                  int64_t out_zero_point) {
  const MemoryFormat fmt = elementwise_format(x_dense);
  Tensor y = empty_affine_quantized(x_dense.sizes(), out_scale, out_zero_point, x_dense.dtype(), fmt);
  const auto n = static_cast<size_t>(x_dense.numel());
  const auto* in = static_cast<const uint8_t*>(x_dense.data_ptr<void>());
  auto* out = static_cast<uint8_t*>(y.data_ptr<void>());
  const size_t vend = aten_vector_end(n);
  qlut_apply(vector_table, in, out, vend);
  qlut_apply(tail_table, in + vend, out + vend, n - vend);
  return y;
}

Tensor unary_lut_op(std::string_view fn, const Tensor& x, double out_scale, int64_t out_zero_point,
                    const std::function<float(float)>& f, bool fma_in_vector_blocks,
                    const std::function<float(float)>& f_vector, float vector_inv_scale) {
  check_q8_per_tensor(fn, "input", x);
  check_scale(fn, "output_scale", out_scale);
  check_zero_point(fn, "output_zero_point", out_zero_point, quant_min(x.dtype()), quant_max(x.dtype()));
  const Tensor xd = dense_in_own_format(x);
  const QType type = qtype_of(x.dtype());
  const auto s = static_cast<float>(x.q_scale());
  const auto zp = static_cast<int32_t>(x.q_zero_point());
  const float tail_inv = inv_scale_f32(out_scale);
  const float vec_inv = vector_inv_scale > 0.0f ? vector_inv_scale : tail_inv;
  const auto ozp = static_cast<int32_t>(out_zero_point);
  const QLut tail = build_unary_lut(type, s, zp, tail_inv, ozp, Dequant::plain, f);
  if (!fma_in_vector_blocks && !f_vector && vec_inv == tail_inv) return apply_luts(xd, tail, tail, out_scale, out_zero_point);
  const QLut vec = build_unary_lut(type, s, zp, vec_inv, ozp, fma_in_vector_blocks ? Dequant::fma : Dequant::plain,
                                   f_vector ? f_vector : f);
  return apply_luts(xd, vec, tail, out_scale, out_zero_point);
}

}  // namespace qjit::detail
