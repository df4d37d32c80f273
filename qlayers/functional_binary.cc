#include "qlayers/functional_binary.h"

#include <cmath>
#include <string>

#include "base/error.h"
#include "kernels/qbinary.h"
#include "kernels/qlut.h"
#include "qlayers/elementwise_util.h"
#include "qlayers/engine.h"

namespace qjit {

using detail::check_q8_per_tensor;
using detail::elementwise_format;

std::vector<int64_t> broadcast_shapes(const char* fn, const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  const size_t nd = std::max(a.size(), b.size());
  std::vector<int64_t> out(nd);
  for (size_t i = 0; i < nd; ++i) {
    const int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    const int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    if (da != db && da != 1 && db != 1)
      throw_bad_arg(fn, "shapes", shape_str(a) + " and " + shape_str(b), "must broadcast (sizes equal or 1)");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// Dimensions innermost first, in the order the dense output lays them out.
std::vector<size_t> memory_order(size_t ndim, MemoryFormat fmt) {
  if (fmt == MemoryFormat::channels_last && ndim == 4) return {1, 3, 2, 0};
  if (fmt == MemoryFormat::channels_last && ndim == 5) return {1, 4, 3, 2, 0};
  std::vector<size_t> order(ndim);
  for (size_t i = 0; i < ndim; ++i) order[i] = ndim - 1 - i;
  return order;
}

// t's element strides seen as a tensor of out_sizes (right-aligned; 0 along broadcast dimensions).
std::vector<int64_t> broadcast_strides(const Tensor& t, const std::vector<int64_t>& out_sizes) {
  const size_t nd = out_sizes.size(), td = static_cast<size_t>(t.dim());
  std::vector<int64_t> s(nd, 0);
  for (size_t i = 0; i < td; ++i) {
    const size_t o = nd - td + i;
    s[o] = t.size(static_cast<int64_t>(i)) == 1 ? 0 : t.stride(static_cast<int64_t>(i));
  }
  return s;
}

// TensorIterator's view of a binary op: dimensions in the output's memory order, coalesced as
// TensorIterator::coalesce_dimensions does (size-1 dimensions and contiguous neighbours merge).
struct BinaryLoop {
  std::vector<int64_t> size, out, a, b;  // innermost first
};

BinaryLoop make_loop(const std::vector<int64_t>& out_sizes, const Tensor& out, const Tensor& a, const Tensor& b,
                     MemoryFormat fmt) {
  const std::vector<int64_t> sa = broadcast_strides(a, out_sizes), sb = broadcast_strides(b, out_sizes);
  BinaryLoop l;
  for (size_t d : memory_order(out_sizes.size(), fmt)) {
    l.size.push_back(out_sizes[d]);
    l.out.push_back(out.stride(static_cast<int64_t>(d)));
    l.a.push_back(sa[d]);
    l.b.push_back(sb[d]);
  }
  if (l.size.empty()) {  // 0-d: one element
    l = BinaryLoop{{1}, {1}, {0}, {0}};
    return l;
  }
  size_t prev = 0;
  for (size_t d = 1; d < l.size.size(); ++d) {
    const int64_t s0 = l.size[prev], s1 = l.size[d];
    const bool can = s0 == 1 || s1 == 1 ||
                     (s0 * l.out[prev] == l.out[d] && s0 * l.a[prev] == l.a[d] && s0 * l.b[prev] == l.b[d]);
    if (can) {
      if (s0 == 1) {
        l.out[prev] = l.out[d];
        l.a[prev] = l.a[d];
        l.b[prev] = l.b[d];
      }
      l.size[prev] *= s1;
    } else {
      ++prev;
      l.size[prev] = s1;
      l.out[prev] = l.out[d];
      l.a[prev] = l.a[d];
      l.b[prev] = l.b[d];
    }
  }
  l.size.resize(prev + 1);
  l.out.resize(prev + 1);
  l.a.resize(prev + 1);
  l.b.resize(prev + 1);
  return l;
}

void check_binary_inputs(const char* fn, const Tensor& a, const Tensor& b, double scale, int64_t zero_point) {
  check_q8_per_tensor(fn, "a", a);
  check_q8_per_tensor(fn, "b", b);
  check_arg(a.dtype() == b.dtype(), fn, "b.dtype", dtype_name(b.dtype()),
            std::string("must equal a.dtype (") + dtype_name(a.dtype()) + ")");
  check_scale(fn, "scale", scale);
  check_zero_point(fn, "zero_point", zero_point, quant_min(a.dtype()), quant_max(a.dtype()));
}

Tensor generic_binary(const Tensor& a, const Tensor& b, const std::vector<int64_t>& out_sizes, QBinaryParams p,
                      double scale, int64_t zero_point) {
  const MemoryFormat fmt = out_sizes.size() == 4 || out_sizes.size() == 5 ? elementwise_format(a)
                                                                          : MemoryFormat::contiguous;
  Tensor out = empty_affine_quantized(out_sizes, scale, zero_point, a.dtype(), fmt);
  if (out.numel() == 0) return out;
  const BinaryLoop l = make_loop(out_sizes, out, a, b, fmt);
  const auto n0 = static_cast<size_t>(l.size[0]);
  const bool vectorizable = (l.a[0] == 1 || l.a[0] == 0) && (l.b[0] == 1 || l.b[0] == 0);
  const size_t vend = vectorizable ? aten_vector_end(n0) : 0;
  const auto* pa = static_cast<const uint8_t*>(a.data_ptr<void>());  // 1-byte elements: offsets are in bytes
  const auto* pb = static_cast<const uint8_t*>(b.data_ptr<void>());
  auto* po = static_cast<uint8_t*>(out.data_ptr<void>());
  const size_t outer_dims = l.size.size() - 1;
  std::vector<int64_t> idx(outer_dims, 0);
  int64_t oa = 0, ob = 0, oo = 0;
  const auto rows = static_cast<size_t>(out.numel()) / n0;
  for (size_t r = 0; r < rows; ++r) {
    qbinary_generic(p, pa + oa, l.a[0], pb + ob, l.b[0], po + oo, n0, vend);
    for (size_t k = 0; k < outer_dims; ++k) {  // odometer over the outer dimensions
      const size_t d = k + 1;
      oa += l.a[d];
      ob += l.b[d];
      oo += l.out[d];
      if (++idx[k] < l.size[d]) break;
      oa -= l.a[d] * l.size[d];
      ob -= l.b[d] * l.size[d];
      oo -= l.out[d] * l.size[d];
      idx[k] = 0;
    }
  }
  return out;
}

Tensor binary_op(const char* fn, QBinaryOp op, bool relu, const Tensor& a, const Tensor& b, double scale,
                 int64_t zero_point) {
  check_binary_inputs(fn, a, b, scale, zero_point);
  const std::vector<int64_t> out_sizes = broadcast_shapes(fn, a.sizes(), b.sizes());
  if (op == QBinaryOp::add && engine() == QEngine::qnnpack && a.sizes() == b.sizes() && a.dtype() == DType::quint8) {
    const MemoryFormat fmt = elementwise_format(a);
    const Tensor ac = a.contiguous(fmt), bc = b.contiguous(fmt);
    Tensor out = empty_affine_quantized(a.sizes(), scale, zero_point, a.dtype(), fmt);
    const QAddQnnpackParams p = qadd_qnnpack_params(
        static_cast<float>(a.q_scale()), static_cast<int32_t>(a.q_zero_point()), static_cast<float>(b.q_scale()),
        static_cast<int32_t>(b.q_zero_point()), static_cast<float>(scale), static_cast<int32_t>(zero_point), relu);
    qadd_qnnpack(p, ac.data_ptr<uint8_t>(), bc.data_ptr<uint8_t>(), out.data_ptr<uint8_t>(),
                 static_cast<size_t>(out.numel()));
    return out;
  }
  QBinaryParams p;
  p.op = op;
  p.relu = relu;
  p.type = qtype_of(a.dtype());
  p.a_scale = static_cast<float>(a.q_scale());
  p.a_zero_point = static_cast<int32_t>(a.q_zero_point());
  p.b_scale = static_cast<float>(b.q_scale());
  p.b_zero_point = static_cast<int32_t>(b.q_zero_point());
  p.out_scale = static_cast<float>(scale);
  p.out_zero_point = static_cast<int32_t>(zero_point);
  return generic_binary(a, b, out_sizes, p, scale, zero_point);
}

// A byte map over x into a new tensor with the given qparams, x's sizes and memory format.
Tensor map_bytes(const Tensor& x, const QLut& table, double scale, int64_t zero_point) {
  const Tensor xd = detail::dense_in_own_format(x);
  return detail::apply_luts(xd, table, table, scale, zero_point);
}

QLut byte_table(DType dtype, const std::function<int32_t(int32_t)>& f) {
  QLut t{};
  for (int byte = 0; byte < 256; ++byte) {
    const int32_t q = dtype == DType::qint8 ? static_cast<int8_t>(byte) : byte;
    t[static_cast<size_t>(byte)] = static_cast<uint8_t>(f(q));
  }
  return t;
}

Tensor add_scalar(const char* fn, const Tensor& a, double other, bool relu) {
  check_q8_per_tensor(fn, "a", a);
  check_arg(std::isfinite(other), fn, "other", other, "must be finite");
  const double s = a.q_scale();
  const int64_t z = a.q_zero_point();
  const int64_t qmin = quant_min(a.dtype()), qmax = quant_max(a.dtype());
  check_arg(std::fabs(other / s) < 2147483648.0, fn, "other", other, "must be within 2^31 quantization steps");
  const auto c_q = static_cast<int64_t>(std::nearbyint(other / s));
  double s_prime;
  int64_t z_prime;
  if (qmin > z - c_q) {
    s_prime = (static_cast<double>(qmax) - static_cast<double>(z - c_q)) / (static_cast<double>(qmax) - qmin) * s;
    z_prime = qmin;
  } else if (qmax < z - c_q) {
    s_prime = (static_cast<double>(z - c_q) - qmin) / (static_cast<double>(qmax) - qmin) * s;
    z_prime = qmax;
  } else {  // only the zero point moves: the integers are kept (ReLU clamps them at the new zero point)
    z_prime = z - c_q;
    const QLut t = byte_table(a.dtype(), [&](int32_t q) {
      return relu ? std::max<int32_t>(q, static_cast<int32_t>(z_prime)) : q;
    });
    return map_bytes(a, t, s, z_prime);
  }
  // ATen's qadd_scalar_kernel: requantize_from_int(q - z + c_q) with the float multiplier s / s'.
  const float multiplier = static_cast<float>(s) * (1.0f / static_cast<float>(s_prime));
  const QLut t = byte_table(a.dtype(), [&](int32_t q) {
    const auto c = static_cast<int32_t>(q - z + c_q);
    int64_t r = z_prime + std::lrintf(static_cast<float>(c) * multiplier);
    r = std::clamp(r, qmin, qmax);
    if (relu) r = std::max(r, z_prime);
    return static_cast<int32_t>(r);
  });
  return map_bytes(a, t, s_prime, z_prime);
}

int64_t normalize_dim(const char* fn, int64_t dim, int64_t ndim) {
  check_arg(dim >= -ndim && dim < ndim, fn, "dim", dim, "must be in [-" + std::to_string(ndim) + ", " +
                                                              std::to_string(ndim) + ")");
  return dim < 0 ? dim + ndim : dim;
}

}  // namespace

Tensor quantized_add(const Tensor& a, const Tensor& b, double scale, int64_t zero_point) {
  return binary_op("quantized_add", QBinaryOp::add, false, a, b, scale, zero_point);
}
Tensor quantized_add_relu(const Tensor& a, const Tensor& b, double scale, int64_t zero_point) {
  return binary_op("quantized_add_relu", QBinaryOp::add, true, a, b, scale, zero_point);
}
Tensor quantized_mul(const Tensor& a, const Tensor& b, double scale, int64_t zero_point) {
  return binary_op("quantized_mul", QBinaryOp::mul, false, a, b, scale, zero_point);
}
Tensor quantized_mul_relu(const Tensor& a, const Tensor& b, double scale, int64_t zero_point) {
  return binary_op("quantized_mul_relu", QBinaryOp::mul, true, a, b, scale, zero_point);
}

Tensor quantized_add_scalar(const Tensor& a, double other) { return add_scalar("quantized_add_scalar", a, other, false); }
Tensor quantized_add_scalar_relu(const Tensor& a, double other) {
  return add_scalar("quantized_add_scalar_relu", a, other, true);
}

Tensor quantized_mul_scalar(const Tensor& a, double other) {
  constexpr const char* fn = "quantized_mul_scalar";
  check_q8_per_tensor(fn, "a", a);
  check_arg(std::isfinite(other), fn, "other", other, "must be finite");
  const int64_t qmin = quant_min(a.dtype()), qmax = quant_max(a.dtype());
  if (other > 0.0) {
    const double s = other * a.q_scale();
    check_scale(fn, "other * a.q_scale()", s);
    return map_bytes(a, byte_table(a.dtype(), [](int32_t q) { return q; }), s, a.q_zero_point());
  }
  if (other == 0.0) return map_bytes(a, byte_table(a.dtype(), [](int32_t) { return 0; }), 1.0, 0);
  const double s = std::fabs(other) * a.q_scale();
  check_scale(fn, "|other| * a.q_scale()", s);
  const int64_t z_prime = qmax - (a.q_zero_point() - qmin);
  return map_bytes(a, byte_table(a.dtype(), [&](int32_t q) { return static_cast<int32_t>(qmax + qmin - q); }), s,
                   z_prime);
}

Tensor quantized_cat(const std::vector<Tensor>& tensors, int64_t dim, double scale, int64_t zero_point) {
  constexpr const char* fn = "quantized_cat";
  check_arg(!tensors.empty(), fn, "tensors.size()", tensors.size(), "must be >= 1");
  const Tensor& first = tensors[0];
  for (size_t i = 0; i < tensors.size(); ++i) {
    check_q8_per_tensor(fn, std::string("tensors[") + std::to_string(i) + "]", tensors[i]);
    check_arg(tensors[i].dtype() == first.dtype(), fn, ArgAt{"tensors", i}, dtype_name(tensors[i].dtype()),
              std::string("must have the dtype of tensors[0] (") + dtype_name(first.dtype()) + ")");
    check_arg(tensors[i].dim() == first.dim() && tensors[i].dim() > 0, fn, ArgAt{"tensors", i},
              shape_str(tensors[i].sizes()), "must have as many dimensions (>= 1) as tensors[0] " +
                                                 shape_str(first.sizes()));
  }
  check_scale(fn, "scale", scale);
  check_zero_point(fn, "zero_point", zero_point, quant_min(first.dtype()), quant_max(first.dtype()));
  const int64_t nd = first.dim();
  const int64_t d = normalize_dim(fn, dim, nd);
  std::vector<int64_t> out_sizes = first.sizes();
  out_sizes[static_cast<size_t>(d)] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    for (int64_t k = 0; k < nd; ++k)
      if (k != d)
        check_arg(tensors[i].size(k) == first.size(k), fn, ArgAt{"tensors", i}, shape_str(tensors[i].sizes()),
                  "must match tensors[0] " + shape_str(first.sizes()) + " outside dim " + std::to_string(d));
    out_sizes[static_cast<size_t>(d)] += tensors[i].size(d);
  }
  Tensor out = empty_affine_quantized(out_sizes, scale, zero_point, first.dtype());
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < d; ++k) outer *= out_sizes[static_cast<size_t>(k)];
  for (int64_t k = d + 1; k < nd; ++k) inner *= out_sizes[static_cast<size_t>(k)];
  const int64_t out_row = out_sizes[static_cast<size_t>(d)] * inner;
  auto* po = static_cast<uint8_t*>(out.data_ptr<void>());
  const QType type = qtype_of(first.dtype());
  int64_t offset = 0;
  bool same_format = true;
  for (const Tensor& t : tensors) {
    same_format = same_format && elementwise_format(t) == elementwise_format(first);
    // ATen's generic cat: dequantize each input, concatenate in float, quantize with the output qparams.
    const QLut table = detail::build_unary_lut(type, static_cast<float>(t.q_scale()),
                                               static_cast<int32_t>(t.q_zero_point()), detail::inv_scale_f32(scale),
                                               static_cast<int32_t>(zero_point), detail::Dequant::plain,
                                               [](float v) { return v; });
    const Tensor tc = t.contiguous();
    const auto* pt = static_cast<const uint8_t*>(tc.data_ptr<void>());
    const int64_t row = t.size(d) * inner;
    for (int64_t o = 0; o < outer; ++o)
      qlut_apply(table, pt + o * row, po + o * out_row + offset, static_cast<size_t>(row));
    offset += row;
  }
  const MemoryFormat fmt = same_format ? elementwise_format(first) : MemoryFormat::contiguous;
  return fmt == MemoryFormat::contiguous ? out : out.contiguous(fmt);
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  constexpr const char* fn = "cat";
  check_arg(!tensors.empty(), fn, "tensors.size()", tensors.size(), "must be >= 1");
  for (size_t i = 0; i < tensors.size(); ++i) {
    check_arg(tensors[i].defined() && tensors[i].is_quantized(), fn, ArgAt{"tensors", i},
              tensors[i].defined() ? dtype_name(tensors[i].dtype()) : "undefined",
              "must be quantized (a mix of quantized and float tensors is not supported)");
  }
  check_q8_per_tensor(fn, "tensors[0]", tensors[0]);
  const double s = tensors[0].q_scale();
  const int64_t z = tensors[0].q_zero_point();
  for (size_t i = 1; i < tensors.size(); ++i) {
    check_q8_per_tensor(fn, std::string("tensors[") + std::to_string(i) + "]", tensors[i]);
    check_arg(tensors[i].q_scale() == s && tensors[i].q_zero_point() == z, fn, ArgAt{"tensors", i},
              tensors[i].to_string(), "must share the quantization parameters of tensors[0] (PyTorch requires it)");
  }
  return quantized_cat(tensors, dim, s, z);
}

}  // namespace qjit
