// The AVX2 paths of kernels/qbinary.h (dispatched from qbinary.cc). Compiled for AVX2+FMA through the pragma below,
// after every include: no inline function or template from a header may be instantiated here (the linker could
// keep that AVX2 copy for callers on other CPUs), so the code uses intrinsics and plain operators only.
// Lanes compute exactly what kernels/reference/qbinary_ref.h states: the same float operations in the same order
// (fma where the reference calls std::fma), round half to even by cvtps2dq in the default rounding mode.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#pragma GCC target("avx2,fma")
// No contraction of a multiply and an add into an fma where the reference rounds twice (GCC contracts vector
// intrinsics' products and sums otherwise): the only fmas are the explicit _mm256_fmadd_ps.
#pragma GCC optimize("fp-contract=off")

namespace qjit::detail {

namespace {

// 8 consecutive (stride 1) or one broadcast (stride 0) quantized values as int32 lanes.
inline __m256i load8(const void* base, ptrdiff_t stride, size_t i, bool is_signed) {
  if (stride == 0) {
    const int32_t v = is_signed ? *static_cast<const int8_t*>(base) : *static_cast<const uint8_t*>(base);
    return _mm256_set1_epi32(v);
  }
  __m128i bytes;
  std::memcpy(&bytes, static_cast<const uint8_t*>(base) + i, 8);  // movq
  return is_signed ? _mm256_cvtepi8_epi32(bytes) : _mm256_cvtepu8_epi32(bytes);
}

// r (already rounded to int32) + zp, clamped to [qmin, qmax], as 8 bytes. Clamping before adding the zero point
// keeps the int32 sum from wrapping (cvtps2dq gives INT32_MIN for out-of-range values).
inline void store8(uint8_t* out, __m256i r, __m256i lo, __m256i hi, __m256i zp, bool is_signed) {
  r = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(r, lo), hi), zp);
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
  const __m128i b = is_signed ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
  std::memcpy(out, &b, 8);
}

struct Consts {
  __m256 a_scale, b_scale, a_nszp, b_nszp, inv, clip, zero;
  __m256i a_zp, b_zp, lo, hi, out_zp;
};

template <bool kFma, bool kMul, bool kRelu>
inline void block8(const Consts& c, const void* a, ptrdiff_t as, const void* b, ptrdiff_t bs, uint8_t* out,
                   size_t i, bool is_signed) {
  const __m256i qa = load8(a, as, i, is_signed), qb = load8(b, bs, i, is_signed);
  __m256 da, db;
  if (kFma) {
    da = _mm256_fmadd_ps(c.a_scale, _mm256_cvtepi32_ps(qa), c.a_nszp);
    db = _mm256_fmadd_ps(c.b_scale, _mm256_cvtepi32_ps(qb), c.b_nszp);
  } else {
    da = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(qa, c.a_zp)), c.a_scale);
    db = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(qb, c.b_zp)), c.b_scale);
  }
  __m256 v = kMul ? _mm256_mul_ps(da, db) : _mm256_add_ps(da, db);
  if (kRelu) v = _mm256_max_ps(v, c.zero);
  v = _mm256_min_ps(_mm256_mul_ps(v, c.inv), c.clip);  // NaN -> clip -> qmax, as the reference
  store8(out, _mm256_cvtps_epi32(v), c.lo, c.hi, c.out_zp, is_signed);
}

template <bool kFma, bool kMul, bool kRelu>
void run_range(const Consts& c, const void* a, ptrdiff_t as, const void* b, ptrdiff_t bs, uint8_t* out, size_t begin,
               size_t end, bool is_signed) {
  size_t i = begin;
  for (; i + 8 <= end; i += 8) block8<kFma, kMul, kRelu>(c, a, as, b, bs, out + i, i, is_signed);
  if (i == end) return;
  // The last 1..7 elements through padded copies, so no load or store leaves the caller's buffers.
  const size_t rest = end - i;
  alignas(16) uint8_t pa[8] = {}, pb[8] = {}, po[8];
  std::memcpy(pa, static_cast<const uint8_t*>(a) + (as ? i : 0), as ? rest : 1);
  std::memcpy(pb, static_cast<const uint8_t*>(b) + (bs ? i : 0), bs ? rest : 1);
  block8<kFma, kMul, kRelu>(c, pa, as, pb, bs, po, 0, is_signed);
  std::memcpy(out + i, po, rest);
}

template <bool kMul, bool kRelu>
void run(const Consts& c, const void* a, ptrdiff_t as, const void* b, ptrdiff_t bs, uint8_t* out, size_t n,
         size_t vector_end, bool is_signed) {
  if (!kMul) run_range<true, kMul, kRelu>(c, a, as, b, bs, out, 0, vector_end, is_signed);
  else vector_end = 0;  // mul dequantizes the plain way everywhere
  run_range<false, kMul, kRelu>(c, a, as, b, bs, out, vector_end, n, is_signed);
}

}  // namespace

// a_stride, b_stride in {0, 1}; parameters already checked.
void qbinary_generic_avx2(bool mul, bool relu, bool is_signed, float a_scale, int32_t a_zp, float b_scale,
                          int32_t b_zp, float out_scale, int32_t out_zp, const void* a, ptrdiff_t a_stride,
                          const void* b, ptrdiff_t b_stride, uint8_t* out, size_t n, size_t vector_end) {
  Consts c;
  c.a_scale = _mm256_set1_ps(a_scale);
  c.b_scale = _mm256_set1_ps(b_scale);
  c.a_nszp = _mm256_set1_ps(a_scale * -static_cast<float>(a_zp));
  c.b_nszp = _mm256_set1_ps(b_scale * -static_cast<float>(b_zp));
  c.inv = _mm256_set1_ps(1.0f / out_scale);
  c.clip = _mm256_set1_ps(2147483520.0f);
  c.zero = _mm256_setzero_ps();
  c.a_zp = _mm256_set1_epi32(a_zp);
  c.b_zp = _mm256_set1_epi32(b_zp);
  const int32_t qmin = is_signed ? -128 : 0, qmax = is_signed ? 127 : 255;
  c.lo = _mm256_set1_epi32(qmin - out_zp);
  c.hi = _mm256_set1_epi32(qmax - out_zp);
  c.out_zp = _mm256_set1_epi32(out_zp);
  if (mul) {
    if (relu) run<true, true>(c, a, a_stride, b, b_stride, out, n, vector_end, is_signed);
    else run<true, false>(c, a, a_stride, b, b_stride, out, n, vector_end, is_signed);
  } else {
    if (relu) run<false, true>(c, a, a_stride, b, b_stride, out, n, vector_end, is_signed);
    else run<false, false>(c, a, a_stride, b, b_stride, out, n, vector_end, is_signed);
  }
}

namespace {
inline void qnnpack_block8(const uint8_t* a, const uint8_t* b, uint8_t* out, __m256i zpp, __m256i am, __m256i bm,
                           __m256i mask, __m256i thr, __m128i shift, __m256i lo, __m256i hi, __m256i zp) {
  __m128i ba, bb;
  std::memcpy(&ba, a, 8);
  std::memcpy(&bb, b, 8);
  const __m256i qa = _mm256_cvtepu8_epi32(ba), qb = _mm256_cvtepu8_epi32(bb);
  const __m256i acc = _mm256_add_epi32(zpp, _mm256_add_epi32(_mm256_mullo_epi32(qa, am), _mm256_mullo_epi32(qb, bm)));
  // rem = (acc & mask) - (acc < 0); y = (acc >> shift) + (rem > threshold): compare masks are -1 where true.
  const __m256i rem = _mm256_add_epi32(_mm256_and_si256(acc, mask), _mm256_cmpgt_epi32(_mm256_setzero_si256(), acc));
  const __m256i y = _mm256_sub_epi32(_mm256_sra_epi32(acc, shift), _mm256_cmpgt_epi32(rem, thr));
  store8(out, y, lo, hi, zp, false);
}
}  // namespace

void qadd_qnnpack_avx2(int32_t zero_point_product, int32_t a_multiplier, int32_t b_multiplier, int32_t remainder_mask,
                       int32_t remainder_threshold, uint32_t shift, int32_t out_zp, int32_t qmin, int32_t qmax,
                       const uint8_t* a, const uint8_t* b, uint8_t* out, size_t n) {
  const __m256i zpp = _mm256_set1_epi32(zero_point_product), am = _mm256_set1_epi32(a_multiplier),
                bm = _mm256_set1_epi32(b_multiplier), mask = _mm256_set1_epi32(remainder_mask),
                thr = _mm256_set1_epi32(remainder_threshold), zp = _mm256_set1_epi32(out_zp),
                lo = _mm256_set1_epi32(qmin - out_zp), hi = _mm256_set1_epi32(qmax - out_zp);
  const __m128i sh = _mm_cvtsi32_si128(static_cast<int>(shift));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) qnnpack_block8(a + i, b + i, out + i, zpp, am, bm, mask, thr, sh, lo, hi, zp);
  if (i == n) return;
  const size_t rest = n - i;
  alignas(16) uint8_t pa[8] = {}, pb[8] = {}, po[8];
  std::memcpy(pa, a + i, rest);
  std::memcpy(pb, b + i, rest);
  qnnpack_block8(pa, pb, po, zpp, am, bm, mask, thr, sh, lo, hi, zp);
  std::memcpy(out + i, po, rest);
}

}  // namespace qjit::detail

#endif  // __x86_64__
