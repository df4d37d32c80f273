// The AVX2 paths of the normalization kernels (kernels/qnorm.h). Batch norm is vectorised over channels on a
// channels-last row (alpha / beta loaded per 8 channels) and over the plane of one channel otherwise (alpha / beta
// broadcast); layer / group / instance norm over the elements of a slice, 32 then 8 per step, for both passes: the
// statistics are int32 pair sums (VPMADDWD) widened to int64 every 4096 steps, exact like the reference's int64
// sums, and the normalize pass does the reference's float operations in its order. Elements left over (fewer than
// 8) go to the scalar reference.
//
// Compiled for AVX2 through the pragma below, after every include, and reached only through the dispatch in
// qnorm.cc; no header template or inline function is instantiated here. The target is "avx2" without FMA on
// purpose: the reference multiplies and adds in two roundings, and with FMA enabled the compiler could fuse them.
// Rounding is VCVTPS2DQ under the default MXCSR mode (half to even), as the reference's nearbyint / lrint.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>

#include "kernels/reference/qnorm_ref.h"

#pragma GCC target("avx2")

namespace qjit::detail {
namespace {

constexpr int64_t kFlushSteps = 4096;  // 16-byte steps per int32 accumulation: 4096 * 2 * 255^2 < 2^31

__m256i load8(const uint8_t* s, bool is_signed) {
  const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s));
  return is_signed ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v);
}

// The range of the stored type and the output zero point, as int32 lanes.
struct Requant {
  __m256i qmin, qmax, zp;
  __m256 lo, hi;
  bool relu;
};

Requant make_requant(bool is_signed, int32_t zero_point, bool relu) {
  return {_mm256_set1_epi32(is_signed ? -128 : 0), _mm256_set1_epi32(is_signed ? 127 : 255),
          _mm256_set1_epi32(zero_point), _mm256_set1_ps(-ref::kRoundLimit), _mm256_set1_ps(ref::kRoundLimit), relu};
}

// zp + round(v) clamped to the range; v is clamped to +-kRoundLimit first (NaN goes low: MAXPS returns its second
// operand when the first is NaN), as the reference does.
__m256i requant(const Requant& r, __m256 v) {
  v = _mm256_min_ps(_mm256_max_ps(v, r.lo), r.hi);
  __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), r.zp);
  if (r.relu) q = _mm256_max_epi32(q, r.zp);
  return _mm256_min_epi32(_mm256_max_epi32(q, r.qmin), r.qmax);
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

int64_t hsum64(__m256i v) {
  const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return _mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1);
}

__m256i widen_add(__m256i acc64, __m256i v32) {
  acc64 = _mm256_add_epi64(acc64, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v32)));
  return _mm256_add_epi64(acc64, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v32, 1)));
}

void slice_sums(QType t, const uint8_t* x, int64_t n, int64_t& sum, int64_t& sum_sq) {
  const bool is_signed = t == QType::s8;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i sum64 = _mm256_setzero_si256(), sq64 = _mm256_setzero_si256();
  int64_t j = 0;
  while (j + 16 <= n) {
    const int64_t stop = n - j > 16 * kFlushSteps ? j + 16 * kFlushSteps : n;
    __m256i sum32 = _mm256_setzero_si256(), sq32 = _mm256_setzero_si256();
    for (; j + 16 <= stop; j += 16) {
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + j));
      const __m256i w = is_signed ? _mm256_cvtepi8_epi16(b) : _mm256_cvtepu8_epi16(b);
      sum32 = _mm256_add_epi32(sum32, _mm256_madd_epi16(w, ones));
      sq32 = _mm256_add_epi32(sq32, _mm256_madd_epi16(w, w));
    }
    sum64 = widen_add(sum64, sum32);
    sq64 = widen_add(sq64, sq32);
  }
  int64_t tail_sum = 0, tail_sq = 0;
  if (j < n) ref::slice_sums(t, x + j, n - j, tail_sum, tail_sq);
  sum = hsum64(sum64) + tail_sum;
  sum_sq = hsum64(sq64) + tail_sq;
}

// Elements [begin, end) of one slice: (f32(x - in_zp) - mean) [* inv_std] * g + b, times 1 / out_scale, requantized.
// g / b are per element (gamma / beta pointers, layer_norm) or one value each (group norm); pre_scale is inv_std
// for layer_norm (the reference multiplies by it before gamma) and null for group norm (folded into g).
struct Affine {
  const float* gamma;  // per element, indexed like x; null: g_all
  const float* beta;   // per element; null: b_all
  float g_all, b_all;
  bool pre_scale;
};

void normalize_run(const NormDesc& d, QType t, const ref::NormStats& s, int64_t slice, const uint8_t* x, uint8_t* y,
                   int64_t begin, int64_t end, const Affine& a) {
  const bool is_signed = t == QType::s8;
  const Requant r = make_requant(is_signed, d.out_zero_point, false);
  const __m256i in_zp = _mm256_set1_epi32(d.in_zero_point);
  const __m256 mean = _mm256_set1_ps(s.mean), inv_std = _mm256_set1_ps(s.inv_std);
  const __m256 inv_out = _mm256_set1_ps(1.0f / d.out_scale);
  const __m256 g_all = _mm256_set1_ps(a.g_all), b_all = _mm256_set1_ps(a.b_all);
  auto block = [&](int64_t j) {
    const __m256 v = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(load8(x + j, is_signed), in_zp)), mean);
    const __m256 g = a.gamma ? _mm256_loadu_ps(a.gamma + j) : g_all;
    const __m256 b = a.beta ? _mm256_loadu_ps(a.beta + j) : b_all;
    const __m256 scaled = a.pre_scale ? _mm256_mul_ps(v, inv_std) : v;
    return requant(r, _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(scaled, g), b), inv_out));
  };
  int64_t j = begin;
  for (; j + 32 <= end; j += 32) store32(y + j, block(j), block(j + 8), block(j + 16), block(j + 24), is_signed);
  for (; j + 8 <= end; j += 8) store8(y + j, block(j), is_signed);
  if (j < end) ref::normalize_span(d, t, s, slice, x, y, j, end);
}

}  // namespace

void quantized_normalize_avx2(const NormDesc& d, QType t, const void* x, void* y) {
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  const int64_t N = d.slice_size;
  for (int64_t i = 0; i < d.slices; ++i) {
    const uint8_t* xs = xb + i * N;
    uint8_t* ys = yb + i * N;
    int64_t sum, sum_sq;
    slice_sums(t, xs, N, sum, sum_sq);
    const ref::NormStats s = ref::norm_stats(d, sum, sum_sq);
    if (d.per_channel_affine) {
      const int64_t per_channel = N / d.channels_per_slice;
      for (int64_t k = 0; k < d.channels_per_slice; ++k) {
        const int64_t c = (i * d.channels_per_slice + k) % d.channels;
        // The reference's per-channel factor: gamma (or 1) times inv_std, one float rounding.
        const Affine a{nullptr, nullptr, (d.gamma ? d.gamma[c] : 1.0f) * s.inv_std, d.beta ? d.beta[c] : 0.0f,
                       false};
        normalize_run(d, t, s, i, xs, ys, k * per_channel, (k + 1) * per_channel, a);
      }
    } else {
      const Affine a{d.gamma, d.beta, 1.0f, 0.0f, true};
      normalize_run(d, t, s, i, xs, ys, 0, N, a);
    }
  }
}

void q_batch_norm_avx2(const BatchNormDesc& d, QType t, const void* x, void* y) {
  const bool is_signed = t == QType::s8;
  const Requant r = make_requant(is_signed, d.out_zero_point, d.relu);
  const __m256i in_zp = _mm256_set1_epi32(d.in_zero_point);
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  const int64_t C = d.channels, row = C * d.inner;
  // alpha * f32(x - in_zp) + beta: one multiply, one add, as the reference.
  auto block = [&](const uint8_t* s, __m256 alpha, __m256 beta) {
    const __m256 v = _mm256_cvtepi32_ps(_mm256_sub_epi32(load8(s, is_signed), in_zp));
    return requant(r, _mm256_add_ps(_mm256_mul_ps(alpha, v), beta));
  };
  for (int64_t o = 0; o < d.outer; ++o) {
    const uint8_t* xr = xb + o * row;
    uint8_t* yr = yb + o * row;
    if (d.inner == 1) {  // channels last: vectors across channels
      auto at = [&](int64_t c) { return block(xr + c, _mm256_loadu_ps(d.alpha + c), _mm256_loadu_ps(d.beta + c)); };
      int64_t c = 0;
      for (; c + 32 <= C; c += 32) store32(yr + c, at(c), at(c + 8), at(c + 16), at(c + 24), is_signed);
      for (; c + 8 <= C; c += 8) store8(yr + c, at(c), is_signed);
      if (c < C) ref::batch_norm_span(d, t, xr + c, yr + c, C - c, c, 1);
      continue;
    }
    for (int64_t c = 0; c < C; ++c) {  // one channel's plane: vectors along it
      const uint8_t* xp = xr + c * d.inner;
      uint8_t* yp = yr + c * d.inner;
      const __m256 alpha = _mm256_set1_ps(d.alpha[c]), beta = _mm256_set1_ps(d.beta[c]);
      int64_t j = 0;
      for (; j + 32 <= d.inner; j += 32)
        store32(yp + j, block(xp + j, alpha, beta), block(xp + j + 8, alpha, beta), block(xp + j + 16, alpha, beta),
                block(xp + j + 24, alpha, beta), is_signed);
      for (; j + 8 <= d.inner; j += 8) store8(yp + j, block(xp + j, alpha, beta), is_signed);
      if (j < d.inner) ref::batch_norm_span(d, t, xp + j, yp + j, d.inner - j, c, 0);
    }
  }
}

}  // namespace qjit::detail

#endif  // __x86_64__
