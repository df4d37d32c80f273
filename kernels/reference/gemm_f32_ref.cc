#include <cmath>

#include "kernels/reference/gemm_f32_ref.h"

namespace qjit::ref {

void gemm_f32(const float* a, size_t lda, const float* w, const float* bias, size_t M, size_t N, size_t K, float* c,
              size_t ldc) {
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      float acc = 0.0f;
      for (size_t k = 0; k < K; ++k) acc = std::fmaf(a[m * lda + k], w[k * N + n], acc);
      c[m * ldc + n] = bias ? acc + bias[n] : acc;
    }
}

}  // namespace qjit::ref
