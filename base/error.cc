#include "base/error.h"

#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace qjit {

void check_scale(std::string_view fn, std::string_view arg, double scale) {
  if (!(std::isfinite(scale) && scale > 0)) throw_bad_arg(fn, arg, scale, "must be finite and > 0");
  // Kernels compute in float: a scale that is 0 or inf as a float is as bad as one in double.
  const float f = static_cast<float>(scale);
  if (!(std::isfinite(f) && f > 0)) throw_bad_arg(fn, arg, scale, "must be a finite, non-zero float32");
}

void check_zero_point(std::string_view fn, std::string_view arg, int64_t zp, int64_t qmin, int64_t qmax) {
  if (zp < qmin || zp > qmax) {
    throw_bad_arg(fn, arg, zp, "must be in [" + std::to_string(qmin) + ", " + std::to_string(qmax) + "]");
  }
}

std::string arg_name(ArgAt a) { return std::string(a.name) + "[" + std::to_string(a.index) + "]"; }

void check_scale(std::string_view fn, ArgAt arg, double scale) {
  const float f = static_cast<float>(scale);
  if (!(std::isfinite(scale) && scale > 0 && std::isfinite(f) && f > 0)) check_scale(fn, arg_name(arg), scale);
}

void check_zero_point(std::string_view fn, ArgAt arg, int64_t zp, int64_t qmin, int64_t qmax) {
  if (zp < qmin || zp > qmax) check_zero_point(fn, arg_name(arg), zp, qmin, qmax);
}

void check_at_least(std::string_view fn, std::string_view arg, size_t value, std::string_view min_name, size_t minimum) {
  if (value < minimum)
    throw_bad_arg(fn, arg, value, "must be >= " + std::string(min_name) + " (" + std::to_string(minimum) + ")");
}

void check_positive_finite(std::string_view fn, std::string_view name, const float* v, size_t n) {
  constexpr float kMax = 3.402823466e38f;
  // 0 < v <= FLT_MAX is false for NaN too. Four at a time with SSE2 (in every x86-64), as GCC -O2 leaves the
  // scalar loop alone.
  size_t i = 0;
  bool bad = false;
#if defined(__SSE2__)
  const __m128 zero = _mm_setzero_ps(), max = _mm_set1_ps(kMax);
  __m128 ok = _mm_castsi128_ps(_mm_set1_epi32(-1));
  for (; i + 4 <= n; i += 4) {
    const __m128 x = _mm_loadu_ps(v + i);
    ok = _mm_and_ps(ok, _mm_and_ps(_mm_cmpgt_ps(x, zero), _mm_cmple_ps(x, max)));
  }
  bad = _mm_movemask_ps(ok) != 0xf;
#endif
  for (; i < n; ++i) bad |= !(v[i] > 0.0f && v[i] <= kMax);
  if (!bad) return;
  for (size_t i = 0; i < n; ++i)
    check_arg(std::isfinite(v[i]) && v[i] > 0, fn, ArgAt{name, i}, v[i], "must be finite and > 0");
}

void check_not_null(std::string_view fn, std::string_view arg, const void* p) {
  if (p == nullptr) throw_bad_arg(fn, arg, "null", "must not be null");
}

}  // namespace qjit
