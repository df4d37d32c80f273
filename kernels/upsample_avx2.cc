// The AVX2 paths of upsampling (kernels/upsample.h), vectorised over the channels of each output pixel: nearest
// copies 32 then 16 bytes per step; bilinear weighs 8 channels per vector (four vectors, 32 channels, per step,
// then one) with the reference's float operations in its order. Source indices and weights come from the
// reference's functions, once per output row / pixel; the channels left over (fewer than 16 / 8) go to the scalar
// reference.
//
// Compiled for AVX2 through the pragma below, after every include, and reached only through the dispatch in
// upsample.cc; no header template or inline function is instantiated here. The target is "avx2" without FMA on
// purpose: with FMA the compiler could fuse the weights' multiplies and adds, which round separately in the
// reference. Rounding is VCVTPS2DQ under the default MXCSR mode (half to even), as the reference's nearbyint.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/reference/upsample_ref.h"

#pragma GCC target("avx2")

namespace qjit::detail {
namespace {

__m256 load8f(const uint8_t* s, bool is_signed) {
  const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s));
  return _mm256_cvtepi32_ps(is_signed ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v));
}

// 32 int32 lanes, already in range, to 32 bytes in order.
void store32(uint8_t* dst, __m256i a, __m256i b, __m256i c, __m256i e, bool is_signed) {
  const __m256i ab = _mm256_packs_epi32(a, b), ce = _mm256_packs_epi32(c, e);  // int16, lanes interleaved
  const __m256i bytes = is_signed ? _mm256_packs_epi16(ab, ce) : _mm256_packus_epi16(ab, ce);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                      _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

// 8 int32 lanes, already in range, to 8 bytes.
void store8(uint8_t* dst, __m256i v, bool is_signed) {
  const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i w8 = is_signed ? _mm_packs_epi16(w16, w16) : _mm_packus_epi16(w16, w16);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), w8);
}

}  // namespace

void upsample_nearest_nhwc_avx2(const UpsampleDesc& d, QType t, const void* x, void* y) {
  const int64_t C = d.channels;
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  for (int64_t n = 0; n < d.batch; ++n) {
    const uint8_t* image = xb + n * d.in_h * d.in_w * C;
    for (int64_t oh = 0; oh < d.out_h; ++oh) {
      const uint8_t* row = image + ref::nearest_index(oh, d.in_h, d.out_h, d.scale_h) * d.in_w * C;
      for (int64_t ow = 0; ow < d.out_w; ++ow) {
        const uint8_t* src = row + ref::nearest_index(ow, d.in_w, d.out_w, d.scale_w) * C;
        uint8_t* pixel = yb + ((n * d.out_h + oh) * d.out_w + ow) * C;
        int64_t c = 0;
        for (; c + 32 <= C; c += 32)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(pixel + c),
                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + c)));
        for (; c + 16 <= C; c += 16)
          _mm_storeu_si128(reinterpret_cast<__m128i*>(pixel + c),
                           _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + c)));
        if (c < C) ref::nearest_pixel(d, t, image, pixel, oh, ow, c);
      }
    }
  }
}

void upsample_bilinear_nhwc_avx2(const UpsampleDesc& d, QType t, int32_t zero_point, const void* x, void* y) {
  const int64_t C = d.channels;
  if (d.in_h == d.out_h && d.in_w == d.out_w) {  // ATen copies
    std::memcpy(y, x, static_cast<size_t>(d.batch * d.in_h * d.in_w * C));
    return;
  }
  const bool is_signed = t == QType::s8;
  const __m256i qmin = _mm256_set1_epi32(is_signed ? -128 : 0), qmax = _mm256_set1_epi32(is_signed ? 127 : 255);
  const __m256i zp_i = _mm256_set1_epi32(zero_point);
  const __m256 zp_f = _mm256_set1_ps(static_cast<float>(zero_point));
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  const float rh = ref::linear_scale(d.in_h, d.out_h, d.align_corners, d.scale_h);
  const float rw = ref::linear_scale(d.in_w, d.out_w, d.align_corners, d.scale_w);
  for (int64_t n = 0; n < d.batch; ++n) {
    const uint8_t* image = xb + n * d.in_h * d.in_w * C;
    for (int64_t oh = 0; oh < d.out_h; ++oh) {
      const ref::LinearIndex h = ref::linear_index(rh, oh, d.in_h, d.align_corners);
      const __m256 h0 = _mm256_set1_ps(h.l0), h1 = _mm256_set1_ps(h.l1);
      const int64_t dh = h.step * d.in_w * C;
      for (int64_t ow = 0; ow < d.out_w; ++ow) {
        const ref::LinearIndex w = ref::linear_index(rw, ow, d.in_w, d.align_corners);
        const __m256 w0 = _mm256_set1_ps(w.l0), w1 = _mm256_set1_ps(w.l1);
        const int64_t dw = w.step * C;
        const uint8_t* p = image + (h.i0 * d.in_w + w.i0) * C;
        uint8_t* pixel = yb + ((n * d.out_h + oh) * d.out_w + ow) * C;
        // h0 * (w0 * a + w1 * b) + h1 * (w0 * c + w1 * d) - zp, then zp + round, clamped.
        auto block = [&](int64_t c) {
          const __m256 top = _mm256_add_ps(_mm256_mul_ps(w0, load8f(p + c, is_signed)),
                                           _mm256_mul_ps(w1, load8f(p + c + dw, is_signed)));
          const __m256 bottom = _mm256_add_ps(_mm256_mul_ps(w0, load8f(p + c + dh, is_signed)),
                                              _mm256_mul_ps(w1, load8f(p + c + dh + dw, is_signed)));
          const __m256 v = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(h0, top), _mm256_mul_ps(h1, bottom)), zp_f);
          const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), zp_i);
          return _mm256_min_epi32(_mm256_max_epi32(q, qmin), qmax);
        };
        int64_t c = 0;
        for (; c + 32 <= C; c += 32) store32(pixel + c, block(c), block(c + 8), block(c + 16), block(c + 24), is_signed);
        for (; c + 8 <= C; c += 8) store8(pixel + c, block(c), is_signed);
        if (c < C) ref::bilinear_pixel(d, t, zero_point, image, pixel, h, w, c);
      }
    }
  }
}

}  // namespace qjit::detail

#endif  // __x86_64__
