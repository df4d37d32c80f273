#include "workflow/fake_quantize_ops.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "base/error.h"
#include "workflow/aten_math.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace qjit {
namespace {

// rint (round half to even) without a libm call (baseline x86-64 has no roundss): below 2^23 in magnitude, adding
// and subtracting 2^23 with the value's sign rounds to an integer in the default rounding mode; larger magnitudes,
// inf and NaN are integers / pass through already. The sign of a zero result may differ from nearbyint's, which
// nothing below can observe (the value is added to the zero point and compared or converted).
inline float rint_f(float v) {
  const float big = std::copysign(8388608.0f, v);
  return std::fabs(v) < 8388608.0f ? (v + big) - big : v;
}

// static_cast<int64_t>(q) for the float q = zp + rint(x / scale), where ATen's conversion is defined; NaN gives
// INT64_MIN as x86's cvttss2si does (so PyTorch's quant_min), beyond the int64 range the nearer end.
inline int64_t to_int64(float q) {
  if (std::isnan(q)) return std::numeric_limits<int64_t>::min();
  if (q >= 9.2233720368547758e18f) return std::numeric_limits<int64_t>::max();
  if (q < -9.2233720368547758e18f) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(q);
}

// Float32 compares with quant_min / quant_max are exact, and so the fast loops below, when every integer involved
// is a float32 integer.
constexpr int64_t kExactFloatInt = int64_t{1} << 24;
bool small_range(int64_t quant_min, int64_t quant_max) {
  return quant_min >= -kExactFloatInt && quant_max <= kExactFloatInt;
}

// One run of values sharing scale and integer zero point (NUMERICS.md section 3): q = zp + rint(x * inv) computed in
// float (ATen adds the int zero point to the float nearbyint), y = (clamp(q) - zp) * scale, mask = q in range.
void fake_quant_run(const float* x, float* y, uint8_t* mask, size_t n, float scale, int64_t zp, int64_t qmin,
                    int64_t qmax) {
  const float inv = 1.0f / scale;
  const float zpf = static_cast<float>(zp);
  if (small_range(qmin, qmax)) {
    // Every value here is an exact float32 integer: clamping and subtracting in float is ATen's int64 / double
    // arithmetic, and (c - zp) * scale rounds once like ATen's double product stored to float.
    const float lo = static_cast<float>(qmin), hi = static_cast<float>(qmax);
    size_t i = 0;
#if defined(__SSE2__)
    // The same arithmetic on four lanes (SSE2 is the x86-64 baseline), 16 values per step so the mask bytes are
    // stored at once. maxps returns its second operand for NaN: max(q, lo) sends NaN to quant_min, as above.
    const __m128 vinv = _mm_set1_ps(inv), vzp = _mm_set1_ps(zpf), vlo = _mm_set1_ps(lo), vhi = _mm_set1_ps(hi);
    const __m128 vscale = _mm_set1_ps(scale), vsign = _mm_set1_ps(-0.0f), vbig = _mm_set1_ps(8388608.0f);
    auto lane4 = [&](const float* src, float* dst) {
      const __m128 t = _mm_mul_ps(_mm_loadu_ps(src), vinv);
      const __m128 big = _mm_or_ps(_mm_and_ps(t, vsign), vbig);                   // copysign(2^23, t)
      const __m128 small = _mm_cmplt_ps(_mm_andnot_ps(vsign, t), vbig);          // |t| < 2^23
      const __m128 r = _mm_or_ps(_mm_and_ps(small, _mm_sub_ps(_mm_add_ps(t, big), big)), _mm_andnot_ps(small, t));
      const __m128 q = _mm_add_ps(vzp, r);
      const __m128 c = _mm_min_ps(_mm_max_ps(q, vlo), vhi);
      _mm_storeu_ps(dst, _mm_mul_ps(_mm_sub_ps(c, vzp), vscale));
      return _mm_castps_si128(_mm_and_ps(_mm_cmpge_ps(q, vlo), _mm_cmple_ps(q, vhi)));
    };
    for (; i + 16 <= n; i += 16) {
      const __m128i m0 = lane4(x + i, y + i), m1 = lane4(x + i + 4, y + i + 4);
      const __m128i m2 = lane4(x + i + 8, y + i + 8), m3 = lane4(x + i + 12, y + i + 12);
      if (mask) {
        const __m128i bytes = _mm_packs_epi16(_mm_packs_epi32(m0, m1), _mm_packs_epi32(m2, m3));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + i), _mm_and_si128(bytes, _mm_set1_epi8(1)));
      }
    }
#endif
    for (; i < n; ++i) {
      const float q = zpf + rint_f(x[i] * inv);
      const float c = q >= lo ? (q <= hi ? q : hi) : lo;  // NaN -> quant_min, as ATen's INT64_MIN clamps
      y[i] = (c - zpf) * scale;
      if (mask) mask[i] = q >= lo && q <= hi;
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    const int64_t q = to_int64(zpf + rint_f(x[i] * inv));
    const int64_t c = std::clamp(q, qmin, qmax);
    y[i] = static_cast<float>((static_cast<double>(c) - static_cast<double>(zp)) * static_cast<double>(scale));
    if (mask) mask[i] = q >= qmin && q <= qmax;
  }
}

// Float zero point (ATen's per-channel kernel with a float zero_point tensor): q = lrintf(zp + x * inv) (the zero
// point added before rounding), y = f32((double(clamp(q)) - zp) * scale) in double.
void fake_quant_run_float_zp(const float* x, float* y, uint8_t* mask, size_t n, float scale, float zp, int64_t qmin,
                             int64_t qmax) {
  const float inv = 1.0f / scale;
  for (size_t i = 0; i < n; ++i) {
    const int64_t q = to_int64(rint_f(zp + x[i] * inv));
    const int64_t c = std::clamp(q, qmin, qmax);
    y[i] = static_cast<float>((static_cast<double>(c) - static_cast<double>(zp)) * static_cast<double>(scale));
    if (mask) mask[i] = q >= qmin && q <= qmax;
  }
}

void check_input(std::string_view fn, const Tensor& x) {
  check_arg(x.defined(), fn, "x", "undefined", "must be a defined tensor");
  check_arg(x.dtype() == DType::float32, fn, "x.dtype", dtype_name(x.dtype()), "must be float32");
}

void check_range(std::string_view fn, int64_t quant_min, int64_t quant_max) {
  // Messages are built only on failure, here and below: the ops allocate nothing but their outputs.
  if (quant_min > quant_max) throw_bad_arg(fn, "quant_min", quant_min, "must be <= quant_max = " + std::to_string(quant_max));
}

// Output (and mask) tensors in the memory format x suggests, over dense data.
struct Dense {
  Tensor x, y, mask;
};
Dense dense_outputs(const Tensor& x, bool with_mask, MemoryFormat format) {
  Dense d;
  d.x = x.contiguous(format);
  d.y = empty(x.sizes(), DType::float32, format);
  if (with_mask) d.mask = empty(x.sizes(), DType::uint8, format);
  return d;
}

FakeQuantizeResult per_tensor(std::string_view fn, const Tensor& x, double scale, int64_t zero_point,
                              int64_t quant_min, int64_t quant_max, bool with_mask) {
  check_input(fn, x);
  check_scale(fn, "scale", scale);
  check_range(fn, quant_min, quant_max);
  check_zero_point(fn, "zero_point", zero_point, quant_min, quant_max);
  Dense d = dense_outputs(x, with_mask, x.suggest_memory_format());
  fake_quant_run(d.x.data_ptr<float>(), d.y.data_ptr<float>(), with_mask ? d.mask.data_ptr<uint8_t>() : nullptr,
                 static_cast<size_t>(x.numel()), static_cast<float>(scale), zero_point, quant_min, quant_max);
  return {d.y, d.mask};
}

// Per-channel: the data as [outer][channels][inner]; channels-last input with the channel axis 1 is read in place as
// [N*H*W][C][1], anything else row-major.
template <class ZeroPoint, class Run>
FakeQuantizeResult per_channel(std::string_view fn, const Tensor& x, const std::vector<float>& scale,
                               const std::vector<ZeroPoint>& zero_point, int64_t axis, int64_t quant_min,
                               int64_t quant_max, bool with_mask, Run run) {
  check_input(fn, x);
  if (!(axis >= 0 && axis < x.dim()))
    throw_bad_arg(fn, "axis", axis,
                  "must be in [0, " + std::to_string(x.dim()) + ") for input of shape " + shape_str(x.sizes()));
  const size_t channels = static_cast<size_t>(x.size(axis));
  if (scale.size() != channels)
    throw_bad_arg(fn, "scale.size()", scale.size(), "must equal x.size(axis) = " + std::to_string(channels));
  if (zero_point.size() != channels)
    throw_bad_arg(fn, "zero_point.size()", zero_point.size(), "must equal x.size(axis) = " + std::to_string(channels));
  check_range(fn, quant_min, quant_max);
  for (size_t c = 0; c < channels; ++c) {
    check_scale(fn, ArgAt{"scale", c}, scale[c]);
    if constexpr (std::is_same_v<ZeroPoint, int64_t>) {
      check_zero_point(fn, ArgAt{"zero_point", c}, zero_point[c], quant_min, quant_max);
    } else {
      check_arg(std::isfinite(zero_point[c]), fn, ArgAt{"zero_point", c}, zero_point[c], "must be finite");
    }
  }
  const bool nhwc = x.suggest_memory_format() == MemoryFormat::channels_last && axis == 1;
  Dense d = dense_outputs(x, with_mask, nhwc ? MemoryFormat::channels_last : MemoryFormat::contiguous);
  size_t outer = 1, inner = 1;
  if (nhwc) {
    outer = static_cast<size_t>(x.numel()) / std::max<size_t>(channels, 1);
  } else {
    for (int64_t k = 0; k < x.dim(); ++k) {
      if (k < axis) outer *= static_cast<size_t>(x.size(k));
      else if (k > axis) inner *= static_cast<size_t>(x.size(k));
    }
  }
  const float* src = d.x.data_ptr<float>();
  float* dst = d.y.data_ptr<float>();
  uint8_t* mask = with_mask ? d.mask.data_ptr<uint8_t>() : nullptr;
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c) {
      const size_t at = (o * channels + c) * inner;
      run(src + at, dst + at, mask ? mask + at : nullptr, inner, scale[c], zero_point[c], quant_min, quant_max);
    }
  return {d.y, d.mask};
}

}  // namespace

// ---------------------------------------------------------------------------------------------------- per tensor

Tensor fake_quantize_per_tensor_affine(const Tensor& x, double scale, int64_t zero_point, int64_t quant_min,
                                       int64_t quant_max) {
  return per_tensor("fake_quantize_per_tensor_affine", x, scale, zero_point, quant_min, quant_max, false).output;
}

FakeQuantizeResult fake_quantize_per_tensor_affine_cachemask(const Tensor& x, double scale, int64_t zero_point,
                                                             int64_t quant_min, int64_t quant_max) {
  return per_tensor("fake_quantize_per_tensor_affine_cachemask", x, scale, zero_point, quant_min, quant_max, true);
}

// ---------------------------------------------------------------------------------------------------- per channel

Tensor fake_quantize_per_channel_affine(const Tensor& x, const std::vector<float>& scale,
                                        const std::vector<int64_t>& zero_point, int64_t axis, int64_t quant_min,
                                        int64_t quant_max) {
  return per_channel("fake_quantize_per_channel_affine", x, scale, zero_point, axis, quant_min, quant_max, false,
                     fake_quant_run)
      .output;
}

FakeQuantizeResult fake_quantize_per_channel_affine_cachemask(const Tensor& x, const std::vector<float>& scale,
                                                              const std::vector<int64_t>& zero_point, int64_t axis,
                                                              int64_t quant_min, int64_t quant_max) {
  return per_channel("fake_quantize_per_channel_affine_cachemask", x, scale, zero_point, axis, quant_min, quant_max,
                     true, fake_quant_run);
}

Tensor fake_quantize_per_channel_affine_float_qparams(const Tensor& x, const std::vector<float>& scale,
                                                      const std::vector<float>& zero_point, int64_t axis,
                                                      int64_t quant_min, int64_t quant_max) {
  return per_channel("fake_quantize_per_channel_affine_float_qparams", x, scale, zero_point, axis, quant_min,
                     quant_max, false, fake_quant_run_float_zp)
      .output;
}

FakeQuantizeResult fake_quantize_per_channel_affine_float_qparams_cachemask(const Tensor& x,
                                                                            const std::vector<float>& scale,
                                                                            const std::vector<float>& zero_point,
                                                                            int64_t axis, int64_t quant_min,
                                                                            int64_t quant_max) {
  return per_channel("fake_quantize_per_channel_affine_float_qparams_cachemask", x, scale, zero_point, axis,
                     quant_min, quant_max, true, fake_quant_run_float_zp);
}

// ---------------------------------------------------------------------------------------------------- backward

Tensor fake_quantize_backward(const Tensor& grad_y, const Tensor& mask) {
  constexpr std::string_view fn = "fake_quantize_backward";
  check_arg(grad_y.defined(), fn, "grad_y", "undefined", "must be a defined tensor");
  check_arg(mask.defined(), fn, "mask", "undefined", "must be a defined tensor");
  check_arg(grad_y.dtype() == DType::float32, fn, "grad_y.dtype", dtype_name(grad_y.dtype()), "must be float32");
  check_arg(mask.dtype() == DType::uint8, fn, "mask.dtype", dtype_name(mask.dtype()), "must be uint8");
  if (grad_y.sizes() != mask.sizes())
    throw_bad_arg(fn, "grad_y", shape_str(grad_y.sizes()), "must have the mask's shape " + shape_str(mask.sizes()));
  const MemoryFormat format = mask.suggest_memory_format();
  const Tensor g = grad_y.contiguous(format), m = mask.contiguous(format);
  Tensor out = empty(mask.sizes(), DType::float32, format);
  const float* gp = g.data_ptr<float>();
  const uint8_t* mp = m.data_ptr<uint8_t>();
  float* op = out.data_ptr<float>();
  // grad * mask in float: a masked-out gradient is grad * 0 (-0.0 for a negative one, NaN for inf), as in ATen.
  const size_t n = static_cast<size_t>(grad_y.numel());
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  const __m128 one = _mm_set1_ps(1.0f);
  for (; i + 16 <= n; i += 16) {
    // Mask bytes -> all-ones 32-bit lanes where set (two sign-extending unpacks of the 0x00 / 0xff compare).
    const __m128i set = _mm_xor_si128(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(mp + i)), zero),
                                      _mm_set1_epi8(-1));
    const __m128i lo16 = _mm_unpacklo_epi8(set, set), hi16 = _mm_unpackhi_epi8(set, set);
    const __m128i m[4] = {_mm_unpacklo_epi16(lo16, lo16), _mm_unpackhi_epi16(lo16, lo16),
                          _mm_unpacklo_epi16(hi16, hi16), _mm_unpackhi_epi16(hi16, hi16)};
    for (int k = 0; k < 4; ++k) {
      const __m128 factor = _mm_and_ps(_mm_castsi128_ps(m[k]), one);  // 1.0f or +0.0f
      _mm_storeu_ps(op + i + 4 * k, _mm_mul_ps(_mm_loadu_ps(gp + i + 4 * k), factor));
    }
  }
#endif
  for (; i < n; ++i) op[i] = gp[i] * static_cast<float>(mp[i] != 0);
  return out;
}

// ---------------------------------------------------------------------------------------------------- LSQ

namespace {
// ATen's _get_zero_point_from_tensor: rint(zp) for the forward, zp + 0.5 for the backward, clamped in float,
// then truncated.
int64_t lsq_zero_point(float zero_point, int64_t quant_min, int64_t quant_max, bool forward) {
  float zp = forward ? std::nearbyint(zero_point) : zero_point + 0.5f;
  zp = std::min(std::max(zp, static_cast<float>(quant_min)), static_cast<float>(quant_max));
  return static_cast<int64_t>(zp);
}

void check_lsq(std::string_view fn, const Tensor& x, float scale, float zero_point, int64_t quant_min,
               int64_t quant_max, double grad_factor) {
  check_input(fn, x);
  check_scale(fn, "scale", scale);
  check_arg(std::isfinite(zero_point), fn, "zero_point", zero_point, "must be finite");
  if (!(quant_min <= 0 && quant_max >= 0 && quant_min < quant_max)) {
    std::string range = "[";  // appended: GCC 12 warns (falsely, -Wrestrict) on "literal" + std::string
    range.append(std::to_string(quant_min)).append(", ").append(std::to_string(quant_max)).append("]");
    throw_bad_arg(fn, "quant_min", range, "quant_min < quant_max and the range must include 0");
  }
  check_arg(std::isfinite(grad_factor), fn, "grad_factor", grad_factor, "must be finite");
}
}  // namespace

Tensor fake_quantize_learnable_per_tensor_affine(const Tensor& x, float scale, float zero_point, int64_t quant_min,
                                                 int64_t quant_max, double grad_factor) {
  constexpr std::string_view fn = "fake_quantize_learnable_per_tensor_affine";
  check_lsq(fn, x, scale, zero_point, quant_min, quant_max, grad_factor);
  return fake_quantize_per_tensor_affine(x, scale, lsq_zero_point(zero_point, quant_min, quant_max, true), quant_min,
                                         quant_max);
}

LearnableFakeQuantizeGrads fake_quantize_learnable_per_tensor_affine_backward(const Tensor& grad_y, const Tensor& x,
                                                                             float scale, float zero_point,
                                                                             int64_t quant_min, int64_t quant_max,
                                                                             double grad_factor) {
  constexpr std::string_view fn = "fake_quantize_learnable_per_tensor_affine_backward";
  check_lsq(fn, x, scale, zero_point, quant_min, quant_max, grad_factor);
  check_arg(grad_y.defined() && grad_y.dtype() == DType::float32, fn, "grad_y",
            grad_y.defined() ? dtype_name(grad_y.dtype()) : "undefined", "must be a float32 tensor");
  if (grad_y.sizes() != x.sizes())
    throw_bad_arg(fn, "grad_y", shape_str(grad_y.sizes()), "must have x's shape " + shape_str(x.sizes()));
  const int64_t zp = lsq_zero_point(zero_point, quant_min, quant_max, false);
  const float inv = 1.0f / scale, factor = static_cast<float>(grad_factor);
  const float dscale_small = static_cast<float>(quant_min - zp), dscale_big = static_cast<float>(quant_max - zp);
  const MemoryFormat format = x.suggest_memory_format();
  const Tensor xs = x.contiguous(format), gs = grad_y.contiguous(format);
  LearnableFakeQuantizeGrads g;
  g.grad_x = empty(x.sizes(), DType::float32, format);
  const size_t n = static_cast<size_t>(x.numel());
  std::vector<float> dscale(n), dzero(n);
  const float* xp = xs.data_ptr<float>();
  const float* dy = gs.data_ptr<float>();
  float* dx = g.grad_x.data_ptr<float>();
  // _fake_quantize_grad_learnable_tensor_kernel_cpu, operation by operation (float32, left to right).
  for (size_t i = 0; i < n; ++i) {
    const int64_t q = to_int64(rint_f(static_cast<float>(zp) + xp[i] * inv));  // zp added *before* rounding here
    const bool in = q >= quant_min && q <= quant_max;
    dx[i] = dy[i] * (in ? 1.0f : 0.0f);
    const float xfq = static_cast<float>(std::clamp(q, quant_min, quant_max) - zp) * scale;
    if (!in) {
      dzero[i] = dy[i] * -1.0f * scale * factor;
      dscale[i] = (q < quant_min ? dy[i] * dscale_small : dy[i] * dscale_big) * factor;
    } else {
      dzero[i] = 0.0f;
      dscale[i] = dy[i] * (xfq - xp[i]) * inv * factor;
    }
  }
  g.grad_scale = detail::aten_float_sum(dscale.data(), n);
  g.grad_zero_point = detail::aten_float_sum(dzero.data(), n);
  return g;
}

}  // namespace qjit
