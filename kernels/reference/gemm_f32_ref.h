// Scalar oracle of the fp32 GEMM (the fp16-weight path's contract): c[m][n] = fmaf over k in order, starting
// from 0, then + bias[n]; w is K x N floats.
#pragma once

#include <cstddef>

namespace qjit::ref {

void gemm_f32(const float* a, size_t lda, const float* w, const float* bias, size_t M, size_t N, size_t K, float* c,
              size_t ldc);

}  // namespace qjit::ref
