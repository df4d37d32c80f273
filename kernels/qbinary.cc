#include "kernels/qbinary.h"

#include <cmath>
#include <cstring>

#include "base/error.h"
#include "jit/isa_has_avx2.h"
#include "kernels/eltwise_run.h"
#include "kernels/reference/qbinary_ref.h"

namespace qjit {

namespace detail {
#if defined(__x86_64__)
// qbinary_avx2.cc
void qbinary_generic_avx2(bool mul, bool relu, bool is_signed, float a_scale, int32_t a_zp, float b_scale,
                          int32_t b_zp, float out_scale, int32_t out_zp, const void* a, ptrdiff_t a_stride,
                          const void* b, ptrdiff_t b_stride, uint8_t* out, size_t n, size_t vector_end);
void qadd_qnnpack_avx2(int32_t zero_point_product, int32_t a_multiplier, int32_t b_multiplier, int32_t remainder_mask,
                       int32_t remainder_threshold, uint32_t shift, int32_t out_zp, int32_t qmin, int32_t qmax,
                       const uint8_t* a, const uint8_t* b, uint8_t* out, size_t n);
#endif
}  // namespace detail

namespace {

void check_params(const char* fn, const QBinaryParams& p) {
  check_arg(p.type == QType::u8 || p.type == QType::s8, fn, "type", qtype_name(p.type), "must be u8 or s8");
  const int64_t lo = qtype_min(p.type), hi = qtype_max(p.type);
  check_scale(fn, "a_scale", p.a_scale);
  check_scale(fn, "b_scale", p.b_scale);
  check_scale(fn, "out_scale", p.out_scale);
  check_zero_point(fn, "a_zero_point", p.a_zero_point, lo, hi);
  check_zero_point(fn, "b_zero_point", p.b_zero_point, lo, hi);
  check_zero_point(fn, "out_zero_point", p.out_zero_point, lo, hi);
}

// bits of a float, for QNNPACK's exponent arithmetic
uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace

void qbinary_generic(const QBinaryParams& p, const void* a, ptrdiff_t a_stride, const void* b, ptrdiff_t b_stride,
                     void* out, size_t n, size_t vector_end, const Exec& exec) {
  constexpr const char* fn = "qbinary_generic";
  check_params(fn, p);
  check_arg(vector_end <= n, fn, "vector_end", vector_end, "must be <= n");
  check_isa_available(fn, exec.isa);
  if (n == 0) return;
  check_not_null(fn, "a", a);
  check_not_null(fn, "b", b);
  check_not_null(fn, "out", out);
  const bool simple_strides = (a_stride == 0 || a_stride == 1) && (b_stride == 0 || b_stride == 1);
  detail::for_each_share(exec, n, detail::kEltwiseMinPerShare, 64, [&](size_t begin, size_t end) {
    const size_t es = qtype_size(p.type);
    const void* ab = static_cast<const uint8_t*>(a) + static_cast<ptrdiff_t>(begin) * a_stride * static_cast<ptrdiff_t>(es);
    const void* bb = static_cast<const uint8_t*>(b) + static_cast<ptrdiff_t>(begin) * b_stride * static_cast<ptrdiff_t>(es);
    void* ob = static_cast<uint8_t*>(out) + begin * es;
    const size_t len = end - begin;
    const size_t vend = vector_end > begin ? std::min(vector_end - begin, len) : 0;
#if defined(__x86_64__)
    if (isa_has_avx2(exec.isa) && simple_strides) {
      detail::qbinary_generic_avx2(p.op == QBinaryOp::mul, p.relu, p.type == QType::s8, p.a_scale, p.a_zero_point,
                                   p.b_scale, p.b_zero_point, p.out_scale, p.out_zero_point, ab, a_stride, bb,
                                   b_stride, static_cast<uint8_t*>(ob), len, vend);
      return;
    }
#endif
    ref::qbinary_generic(p, ab, a_stride, bb, b_stride, ob, len, vend);
  });
}

QAddQnnpackParams qadd_qnnpack_params(float a_scale, int32_t a_zero_point, float b_scale, int32_t b_zero_point,
                                      float out_scale, int32_t out_zero_point, bool relu) {
  constexpr const char* fn = "qadd_qnnpack_params";
  check_scale(fn, "a_scale", a_scale);
  check_scale(fn, "b_scale", b_scale);
  check_scale(fn, "out_scale", out_scale);
  check_zero_point(fn, "a_zero_point", a_zero_point, 0, 255);
  check_zero_point(fn, "b_zero_point", b_zero_point, 0, 255);
  check_zero_point(fn, "out_zero_point", out_zero_point, 0, 255);
  const float a_ratio = a_scale / out_scale, b_ratio = b_scale / out_scale;
  // QNNPACK's supported range of the scale ratios (pytorch_qnnp_create_add_nc_q8 refuses others).
  check_arg(a_ratio >= 0x1.0p-14f && a_ratio < 0x1.0p+8f, fn, "a_scale / out_scale", a_ratio,
            "must be in [2^-14, 2^8) for QNNPACK's add");
  check_arg(b_ratio >= 0x1.0p-14f && b_ratio < 0x1.0p+8f, fn, "b_scale / out_scale", b_ratio,
            "must be in [2^-14, 2^8) for QNNPACK's add");
  const float max_ratio = a_ratio > b_ratio ? a_ratio : b_ratio;
  const int32_t exponent = static_cast<int32_t>(bits_of(max_ratio) >> 23) - 127;
  const uint32_t shift = static_cast<uint32_t>(21 - exponent);
  // QNNPACK asserts shift < 32, i.e. the larger ratio >= 2^-10.
  check_arg(shift < 32, fn, "max(a_scale, b_scale) / out_scale", max_ratio, "must be >= 2^-10 for QNNPACK's add");
  const float scale_multiplier = float_of(static_cast<uint32_t>(21 - exponent + 127) << 23);  // 2^shift
  QAddQnnpackParams p;
  const uint32_t am = static_cast<uint32_t>(static_cast<int32_t>(std::lrintf(a_ratio * scale_multiplier)));
  const uint32_t bm = static_cast<uint32_t>(static_cast<int32_t>(std::lrintf(b_ratio * scale_multiplier)));
  p.a_multiplier = static_cast<int32_t>(am);
  p.b_multiplier = static_cast<int32_t>(bm);
  p.zero_point_product = static_cast<int32_t>(
      0u - (am * static_cast<uint32_t>(a_zero_point) + bm * static_cast<uint32_t>(b_zero_point)));
  p.shift = shift;
  const uint32_t mask = (uint32_t{1} << shift) - 1u;
  p.remainder_mask = static_cast<int32_t>(mask);
  p.remainder_threshold = static_cast<int32_t>(mask >> 1);
  p.out_zero_point = out_zero_point;
  p.qmin = relu ? out_zero_point : 0;
  p.qmax = 255;
  return p;
}

void qadd_qnnpack(const QAddQnnpackParams& p, const uint8_t* a, const uint8_t* b, uint8_t* out, size_t n,
                  const Exec& exec) {
  constexpr const char* fn = "qadd_qnnpack";
  check_isa_available(fn, exec.isa);
  check_arg(p.shift >= 13 && p.shift < 32, fn, "shift", p.shift, "must be in [13, 32) (use qadd_qnnpack_params)");
  if (n == 0) return;
  check_not_null(fn, "a", a);
  check_not_null(fn, "b", b);
  check_not_null(fn, "out", out);
  detail::for_each_share(exec, n, detail::kEltwiseMinPerShare, 64, [&](size_t begin, size_t end) {
#if defined(__x86_64__)
    if (isa_has_avx2(exec.isa)) {
      detail::qadd_qnnpack_avx2(p.zero_point_product, p.a_multiplier, p.b_multiplier, p.remainder_mask,
                                p.remainder_threshold, p.shift, p.out_zero_point, p.qmin, p.qmax, a + begin,
                                b + begin, out + begin, end - begin);
      return;
    }
#endif
    ref::qadd_qnnpack(p, a + begin, b + begin, out + begin, end - begin);
  });
}

}  // namespace qjit
