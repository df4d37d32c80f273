// The AVX2 paths of max and average pooling (kernels/pool.h), vectorised over channels: 32 then 16 channels per
// step for max, 8 int32 sums per vector (four vectors, 32 channels, per step, then one) for average; the remaining
// channels of each pixel (fewer than 16 / 8) go to the scalar reference. Compiled for AVX2 through the pragma below, after every include, and reached
// only through the dispatch in pool.cc; no header template or inline function is instantiated here. The target
// is "avx2" without FMA on purpose: with FMA enabled the compiler may fuse the multiply and add of the
// requantization, which would round differently from the scalar reference.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/reference/pool_ref.h"

#pragma GCC target("avx2")

namespace qjit::detail {
namespace {

int64_t image_elems(const PoolDesc& d) { return d.in[0] * d.in[1] * d.in[2] * d.channels; }

__m256i max8(__m256i a, __m256i b, bool is_signed) {
  return is_signed ? _mm256_max_epi8(a, b) : _mm256_max_epu8(a, b);
}

}  // namespace

void max_pool_nhwc_avx2(const PoolDesc& d, QType t, const void* x, void* y) {
  const bool is_signed = t == QType::s8;
  const __m256i lowest = _mm256_set1_epi8(is_signed ? -128 : 0);
  const int64_t C = d.channels;
  const int64_t row = d.in[2] * C, plane = d.in[1] * row;
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  for (int64_t n = 0; n < d.batch; ++n) {
    const uint8_t* image = xb + n * image_elems(d);
    for (int64_t od = 0; od < d.out[0]; ++od)
      for (int64_t oh = 0; oh < d.out[1]; ++oh)
        for (int64_t ow = 0; ow < d.out[2]; ++ow) {
          uint8_t* pixel = yb + (((n * d.out[0] + od) * d.out[1] + oh) * d.out[2] + ow) * C;
          const int64_t sd = od * d.stride[0] - d.pad[0], sh = oh * d.stride[1] - d.pad[1],
                        sw = ow * d.stride[2] - d.pad[2];
          int64_t c = 0;
          for (; c + 32 <= C; c += 32) {
            __m256i m = lowest;
            for (int64_t kd = 0; kd < d.kernel[0]; ++kd) {
              const int64_t id = sd + kd * d.dilation[0];
              if (id < 0 || id >= d.in[0]) continue;
              for (int64_t kh = 0; kh < d.kernel[1]; ++kh) {
                const int64_t ih = sh + kh * d.dilation[1];
                if (ih < 0 || ih >= d.in[1]) continue;
                const uint8_t* r = image + id * plane + ih * row + c;
                for (int64_t kw = 0; kw < d.kernel[2]; ++kw) {
                  const int64_t iw = sw + kw * d.dilation[2];
                  if (iw < 0 || iw >= d.in[2]) continue;
                  m = max8(m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + iw * C)), is_signed);
                }
              }
            }
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(pixel + c), m);
          }
          for (; c + 16 <= C; c += 16) {
            __m128i m = _mm256_castsi256_si128(lowest);
            for (int64_t kd = 0; kd < d.kernel[0]; ++kd) {
              const int64_t id = sd + kd * d.dilation[0];
              if (id < 0 || id >= d.in[0]) continue;
              for (int64_t kh = 0; kh < d.kernel[1]; ++kh) {
                const int64_t ih = sh + kh * d.dilation[1];
                if (ih < 0 || ih >= d.in[1]) continue;
                const uint8_t* r = image + id * plane + ih * row + c;
                for (int64_t kw = 0; kw < d.kernel[2]; ++kw) {
                  const int64_t iw = sw + kw * d.dilation[2];
                  if (iw < 0 || iw >= d.in[2]) continue;
                  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r + iw * C));
                  m = is_signed ? _mm_max_epi8(m, v) : _mm_max_epu8(m, v);
                }
              }
            }
            _mm_storeu_si128(reinterpret_cast<__m128i*>(pixel + c), m);
          }
          if (c < C) ref::max_pool_pixel(d, t, image, pixel, od, oh, ow, c);
        }
  }
}

void avg_pool_nhwc_avx2(const PoolDesc& d, const AvgPoolParams& p, QType t, const void* x, void* y) {
  const bool is_signed = t == QType::s8;
  const int64_t C = d.channels;
  const int64_t row = d.in[2] * C, plane = d.in[1] * row;
  const __m256i qmin = _mm256_set1_epi32(is_signed ? -128 : 0), qmax = _mm256_set1_epi32(is_signed ? 127 : 255);
  const __m256 out_zp = _mm256_set1_ps(static_cast<float>(p.out_zero_point));
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  // 8 channels widened to int32.
  auto load8 = [is_signed](const uint8_t* s) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s));
    return is_signed ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v);
  };
  // float(sum) * multiplier + float(zp), rounded half to even (the default MXCSR mode), clamped to the range.
  auto requant = [&](__m256i sum, __m256 mult) {
    const __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(sum), mult), out_zp);
    return _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(v), qmin), qmax);
  };
  // Packs 32 int32 lanes (already in range) to 32 bytes in channel order.
  auto pack32 = [is_signed](__m256i a, __m256i b, __m256i c, __m256i e) {
    const __m256i ab = _mm256_packs_epi32(a, b), ce = _mm256_packs_epi32(c, e);  // int16, lanes interleaved
    const __m256i bytes = is_signed ? _mm256_packs_epi16(ab, ce) : _mm256_packus_epi16(ab, ce);
    return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  };
  for (int64_t n = 0; n < d.batch; ++n) {
    const uint8_t* image = xb + n * image_elems(d);
    for (int64_t od = 0; od < d.out[0]; ++od)
      for (int64_t oh = 0; oh < d.out[1]; ++oh)
        for (int64_t ow = 0; ow < d.out[2]; ++ow) {
          uint8_t* pixel = yb + (((n * d.out[0] + od) * d.out[1] + oh) * d.out[2] + ow) * C;
          const ref::AvgWindow w = ref::avg_window(d, p, od, oh, ow);
          int64_t c = 0;
          if (!w.empty) {
            const __m256 mult = _mm256_set1_ps(w.multiplier);
            const __m256i corr = _mm256_set1_epi32(w.zp_correction);
            for (; c + 32 <= C; c += 32) {
              __m256i s0 = corr, s1 = corr, s2 = corr, s3 = corr;
              for (int64_t id = w.begin[0]; id < w.end[0]; ++id)
                for (int64_t ih = w.begin[1]; ih < w.end[1]; ++ih) {
                  const uint8_t* r = image + id * plane + ih * row + c;
                  for (int64_t iw = w.begin[2]; iw < w.end[2]; ++iw) {
                    const uint8_t* s = r + iw * C;
                    s0 = _mm256_add_epi32(s0, load8(s));
                    s1 = _mm256_add_epi32(s1, load8(s + 8));
                    s2 = _mm256_add_epi32(s2, load8(s + 16));
                    s3 = _mm256_add_epi32(s3, load8(s + 24));
                  }
                }
              const __m256i out = pack32(requant(s0, mult), requant(s1, mult), requant(s2, mult), requant(s3, mult));
              _mm256_storeu_si256(reinterpret_cast<__m256i*>(pixel + c), out);
            }
            for (; c + 8 <= C; c += 8) {
              __m256i s0 = corr;
              for (int64_t id = w.begin[0]; id < w.end[0]; ++id)
                for (int64_t ih = w.begin[1]; ih < w.end[1]; ++ih) {
                  const uint8_t* r = image + id * plane + ih * row + c;
                  for (int64_t iw = w.begin[2]; iw < w.end[2]; ++iw) s0 = _mm256_add_epi32(s0, load8(r + iw * C));
                }
              // 8 int32 in range -> 8 bytes: pack within lanes, then take the low dword of each lane.
              const __m256i v = requant(s0, mult);
              const __m256i w16 = _mm256_packs_epi32(v, v);
              const __m256i w8 = is_signed ? _mm256_packs_epi16(w16, w16) : _mm256_packus_epi16(w16, w16);
              const uint32_t lo = static_cast<uint32_t>(_mm256_extract_epi32(w8, 0));
              const uint32_t hi = static_cast<uint32_t>(_mm256_extract_epi32(w8, 4));
              const uint64_t bytes = static_cast<uint64_t>(lo) | (static_cast<uint64_t>(hi) << 32);
              _mm_storel_epi64(reinterpret_cast<__m128i*>(pixel + c), _mm_cvtsi64_si128(static_cast<long long>(bytes)));
            }
          }
          if (c < C) ref::avg_pool_pixel(d, w, p.out_zero_point, t, image, pixel, c);
        }
  }
}

}  // namespace qjit::detail

#endif  // __x86_64__
