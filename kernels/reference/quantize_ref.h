// Scalar oracle of quantize / dequantize / requantize / min-max / f16 conversion: the plainest code that states
// the numerics of ../shared/golden/NUMERICS.md. The JIT paths are tested bit-exactly against these.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/qtype.h"
#include "kernels/requantize.h"

namespace qjit::ref {

// The largest float below 2^31: where ATen's vector path clips x/scale before converting to int32.
inline constexpr float kInt32ClipF = 2147483520.0f;

inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

// float -> int32 the way cvtps2dq does on an already integral value: out of range (and NaN) gives INT32_MIN.
inline int32_t cvt_i32(float r) {
  return (r >= -2147483648.0f && r < 2147483648.0f) ? static_cast<int32_t>(r) : INT32_MIN;
}

inline int32_t quantize_val(float x, float inv_scale, int32_t zp, QType t) {
  const float v = x * inv_scale;
  if (t == QType::s32) {
    const float r = std::nearbyint(v) + static_cast<float>(zp);  // ATen adds a qint32 zero point in float
    return r >= 2147483648.0f ? INT32_MAX : cvt_i32(r);
  }
  const float c = v < kInt32ClipF ? v : kInt32ClipF;  // NaN -> clip value -> qmax
  const int64_t r = cvt_i32(std::nearbyint(c));
  return static_cast<int32_t>(clamp64(r + zp, qtype_min(t), qtype_max(t)));
}

inline int32_t quantize_val_float_zp(float x, float inv_scale, float zp, QType t) {
  const float v = x * inv_scale + zp;
  const float c = v < kInt32ClipF ? v : kInt32ClipF;
  const int64_t r = cvt_i32(std::nearbyint(c));
  return static_cast<int32_t>(clamp64(r, qtype_min(t), qtype_max(t)));
}

inline float dequantize_val(int32_t q, float scale, int32_t zp) {
  // q - zp wraps in int32 as ATen's does (visible only at qint32 extremes).
  const int32_t d = static_cast<int32_t>(static_cast<uint32_t>(q) - static_cast<uint32_t>(zp));
  return static_cast<float>(d) * scale;
}

inline float dequantize_val_float_zp(int32_t q, float scale, float zp) { return (static_cast<float>(q) - zp) * scale; }

inline int32_t load_q(const void* q, size_t i, QType t) {
  switch (t) {
    case QType::u8: return static_cast<const uint8_t*>(q)[i];
    case QType::s8: return static_cast<const int8_t*>(q)[i];
    case QType::s32: return static_cast<const int32_t*>(q)[i];
  }
  return 0;
}

inline void store_q(void* q, size_t i, QType t, int32_t v) {
  switch (t) {
    case QType::u8: static_cast<uint8_t*>(q)[i] = static_cast<uint8_t>(v); break;
    case QType::s8: static_cast<int8_t*>(q)[i] = static_cast<int8_t>(v); break;
    case QType::s32: static_cast<int32_t*>(q)[i] = v; break;
  }
}

inline int32_t requantize_val(int32_t acc, size_t col, const RequantizeParams& p) {
  const float m = p.multiplier[p.per_channel ? col : 0];
  int64_t r;
  if (p.formula == RequantFormula::onednn) {
    float v = static_cast<float>(acc);
    if (p.bias_f) v = v + p.bias_f[col];
    v = v * m + static_cast<float>(p.zero_point);
    const float c = v < kInt32ClipF ? v : kInt32ClipF;
    r = cvt_i32(std::nearbyint(c));
  } else {
    const int32_t a =
        p.bias_i ? static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(p.bias_i[col])) : acc;
    const float v = static_cast<float>(a) * m;
    const float c = v < kInt32ClipF ? v : kInt32ClipF;
    r = static_cast<int64_t>(cvt_i32(std::nearbyint(c))) + p.zero_point;
  }
  return static_cast<int32_t>(clamp64(r, p.qmin, p.qmax));
}

// IEEE half from float, round to nearest even; NaN quietened with the payload's top bits, as F16C does.
inline uint16_t f32_to_f16_val(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t exp = (x >> 23) & 0xffu;
  uint32_t mant = x & 0x7fffffu;
  if (exp == 0xffu) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u | (mant >> 13) : 0));
  const int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);  // below half the smallest subnormal: rounds to zero
    mant |= 0x800000u;
    const int shift = 14 - e;  // 24-bit significand down to the subnormal's 10 bits
    const uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    const uint32_t rounded = h + ((rem > half || (rem == half && (h & 1))) ? 1 : 0);
    return static_cast<uint16_t>(sign | rounded);
  }
  const uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13), rem = mant & 0x1fffu;
  const uint32_t rounded = h + ((rem > 0x1000u || (rem == 0x1000u && (h & 1))) ? 1 : 0);  // may carry into inf
  return static_cast<uint16_t>(sign | rounded);
}

inline float f16_to_f32_val(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t x;
  if (exp == 0x1fu) {
    x = sign | 0x7f800000u | (mant << 13) | (mant ? 0x400000u : 0);  // NaN quietened
  } else if (exp == 0) {
    if (mant == 0) {
      x = sign;
    } else {  // subnormal half: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400u));
      x = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ffu) << 13;
    }
  } else {
    x = sign | (exp - 15 + 127) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

// Buffer forms: the oracle the tests compare whole outputs with.
void quantize_per_tensor(const float* x, void* q, size_t n, QType t, float scale, int32_t zp);
void quantize_per_channel(const float* x, void* q, size_t outer, size_t channels, size_t inner, QType t,
                          const float* scales, const int32_t* zps);
void quantize_per_channel_float_qparams(const float* x, void* q, size_t outer, size_t channels, size_t inner,
                                        QType t, const float* scales, const float* zps);
void dequantize_per_tensor(const void* q, float* x, size_t n, QType t, float scale, int32_t zp);
void dequantize_per_channel(const void* q, float* x, size_t outer, size_t channels, size_t inner, QType t,
                            const float* scales, const int32_t* zps);
void dequantize_per_channel_float_qparams(const void* q, float* x, size_t outer, size_t channels, size_t inner,
                                          QType t, const float* scales, const float* zps);
void requantize(const int32_t* acc, void* out, size_t rows, size_t cols, size_t acc_stride, size_t out_stride,
                const RequantizeParams& p);
void min_max(const float* x, size_t n, float* min_out, float* max_out);
void f32_to_f16(const float* x, uint16_t* h, size_t n);
void f16_to_f32(const uint16_t* h, float* x, size_t n);

}  // namespace qjit::ref
