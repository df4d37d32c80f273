// The AVX2 path of the embedding-bag lookup (kernels/embedding_bag.cc dispatches to it). This file is compiled
// for AVX2 + FMA + F16C through the pragma below, after every include: no inline function or template from a
// header may be instantiated here (the linker could keep that AVX2 copy for callers on other CPUs), so the code
// uses intrinsics, builtins and plain operators only.
//
// Bit-exact to kernels/reference/embedding_bag_ref.cc: each output element sees the same float operations in the
// same order (one fused multiply-add per row; the row loop stays innermost per column block only to keep the
// accumulators in registers, which does not change any element's sequence).
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#pragma GCC target("avx2,fma,f16c")

namespace qjit::detail {

namespace {

struct RowQ {
  float scale, bias;
};

template <int Bits>
inline RowQ row_qparams(const uint8_t* row, size_t vbytes) {
  if constexpr (Bits == 8) {
    float s, b;
    __builtin_memcpy(&s, row + vbytes, 4);
    __builtin_memcpy(&b, row + vbytes + 4, 4);
    return {s, b};
  } else {
    uint16_t s, b;
    __builtin_memcpy(&s, row + vbytes, 2);
    __builtin_memcpy(&b, row + vbytes + 2, 2);
    return {_cvtsh_ss(s), _cvtsh_ss(b)};
  }
}

// Eight stored values from column j (a multiple of 8), as floats.
template <int Bits>
inline __m256 load8(const uint8_t* row, size_t j) {
  if constexpr (Bits == 8) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + j))));
  } else if constexpr (Bits == 4) {
    uint32_t w;
    __builtin_memcpy(&w, row + j / 2, 4);
    const __m256i v = _mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(w)), _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28));
    return _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0xF)));
  } else {
    uint16_t w;
    __builtin_memcpy(&w, row + j / 4, 2);
    const __m256i v = _mm256_srlv_epi32(_mm256_set1_epi32(w), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
    return _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0x3)));
  }
}

template <int Bits>
inline float load1(const uint8_t* row, size_t j) {
  constexpr size_t per_byte = 8 / Bits;
  return static_cast<float>((row[j / per_byte] >> ((j % per_byte) * Bits)) & ((1u << Bits) - 1));
}

inline float fma1(float a, float b, float c) {
  return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}

// Sum (and mean) of one non-empty bag: per row acc = fma(w * scale, q, acc + w * bias), columns in blocks of 32,
// then 8, then one by one.
template <int Bits, class Index>
void bag_sum(const uint8_t* table, size_t row_bytes, size_t vbytes, size_t dim, const Index* idx, size_t len,
             const float* psw, float* out) {
  size_t j = 0;
  for (; j + 32 <= dim; j += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < len; ++i) {
      const uint8_t* row = table + static_cast<size_t>(idx[i]) * row_bytes;
      const RowQ q = row_qparams<Bits>(row, vbytes);
      const float w = psw ? psw[i] : 1.0f;
      const __m256 s = _mm256_set1_ps(w * q.scale), b = _mm256_set1_ps(w * q.bias);
      a0 = _mm256_fmadd_ps(s, load8<Bits>(row, j), _mm256_add_ps(a0, b));
      a1 = _mm256_fmadd_ps(s, load8<Bits>(row, j + 8), _mm256_add_ps(a1, b));
      a2 = _mm256_fmadd_ps(s, load8<Bits>(row, j + 16), _mm256_add_ps(a2, b));
      a3 = _mm256_fmadd_ps(s, load8<Bits>(row, j + 24), _mm256_add_ps(a3, b));
    }
    _mm256_storeu_ps(out + j, a0);
    _mm256_storeu_ps(out + j + 8, a1);
    _mm256_storeu_ps(out + j + 16, a2);
    _mm256_storeu_ps(out + j + 24, a3);
  }
  for (; j + 8 <= dim; j += 8) {
    __m256 a = _mm256_setzero_ps();
    for (size_t i = 0; i < len; ++i) {
      const uint8_t* row = table + static_cast<size_t>(idx[i]) * row_bytes;
      const RowQ q = row_qparams<Bits>(row, vbytes);
      const float w = psw ? psw[i] : 1.0f;
      a = _mm256_fmadd_ps(_mm256_set1_ps(w * q.scale), load8<Bits>(row, j), _mm256_add_ps(a, _mm256_set1_ps(w * q.bias)));
    }
    _mm256_storeu_ps(out + j, a);
  }
  if (j < dim) {
    const size_t j0 = j;
    for (size_t k = j0; k < dim; ++k) out[k] = 0.0f;
    for (size_t i = 0; i < len; ++i) {
      const uint8_t* row = table + static_cast<size_t>(idx[i]) * row_bytes;
      const RowQ q = row_qparams<Bits>(row, vbytes);
      const float w = psw ? psw[i] : 1.0f;
      const float s = w * q.scale, b = w * q.bias;
      for (size_t k = j0; k < dim; ++k) out[k] = fma1(s, load1<Bits>(row, k), out[k] + b);
    }
  }
}

// Max of one non-empty bag: per column the largest fma(scale, q, bias); `v > m ? v : m` as _mm256_max_ps(v, m).
template <int Bits, class Index>
void bag_max(const uint8_t* table, size_t row_bytes, size_t vbytes, size_t dim, const Index* idx, size_t len,
             float* out) {
  size_t j = 0;
  for (; j + 8 <= dim; j += 8) {
    __m256 m = _mm256_setzero_ps();
    for (size_t i = 0; i < len; ++i) {
      const uint8_t* row = table + static_cast<size_t>(idx[i]) * row_bytes;
      const RowQ q = row_qparams<Bits>(row, vbytes);
      const __m256 v = _mm256_fmadd_ps(_mm256_set1_ps(q.scale), load8<Bits>(row, j), _mm256_set1_ps(q.bias));
      m = i == 0 ? v : _mm256_max_ps(v, m);
    }
    _mm256_storeu_ps(out + j, m);
  }
  for (size_t i = 0; i < len && j < dim; ++i) {
    const uint8_t* row = table + static_cast<size_t>(idx[i]) * row_bytes;
    const RowQ q = row_qparams<Bits>(row, vbytes);
    for (size_t k = j; k < dim; ++k) {
      const float v = fma1(q.scale, load1<Bits>(row, k), q.bias);
      out[k] = (i == 0 || v > out[k]) ? v : out[k];
    }
  }
}

template <int Bits, class Index>
void bag(const uint8_t* table, size_t row_bytes, size_t vbytes, size_t dim, const Index* idx, size_t len,
         const float* psw, int mode, float* out) {
  if (len == 0) {
    for (size_t j = 0; j < dim; ++j) out[j] = 0.0f;
    return;
  }
  if (mode == 2) {
    bag_max<Bits>(table, row_bytes, vbytes, dim, idx, len, out);
    return;
  }
  bag_sum<Bits>(table, row_bytes, vbytes, dim, idx, len, psw, out);
  if (mode == 1) {
    const float inv_len = 1.0f / static_cast<float>(len);
    size_t j = 0;
    for (; j + 8 <= dim; j += 8) _mm256_storeu_ps(out + j, _mm256_mul_ps(_mm256_loadu_ps(out + j), _mm256_set1_ps(inv_len)));
    for (; j < dim; ++j) out[j] *= inv_len;
  }
}

template <class Index>
void bag_any(int bits, const uint8_t* table, size_t row_bytes, size_t vbytes, size_t dim, const Index* idx,
             size_t len, const float* psw, int mode, float* out) {
  if (bits == 8)
    bag<8>(table, row_bytes, vbytes, dim, idx, len, psw, mode, out);
  else if (bits == 4)
    bag<4>(table, row_bytes, vbytes, dim, idx, len, psw, mode, out);
  else
    bag<2>(table, row_bytes, vbytes, dim, idx, len, psw, mode, out);
}

}  // namespace

// One bag (see embedding_bag.cc): rows idx[0, len) of a table with rows of row_bytes bytes, vbytes of them values;
// mode 0 sum, 1 mean, 2 max; an empty bag writes zeros.
void embedding_bag_one_avx2(int bits, const uint8_t* table, size_t row_bytes, size_t vbytes, size_t dim,
                            const int64_t* idx, size_t len, const float* psw, int mode, float* out) {
  bag_any(bits, table, row_bytes, vbytes, dim, idx, len, psw, mode, out);
}
void embedding_bag_one_avx2(int bits, const uint8_t* table, size_t row_bytes, size_t vbytes, size_t dim,
                            const int32_t* idx, size_t len, const float* psw, int mode, float* out) {
  bag_any(bits, table, row_bytes, vbytes, dim, idx, len, psw, mode, out);
}

}  // namespace qjit::detail

#endif  // __x86_64__
