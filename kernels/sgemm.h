// Single-precision GEMM for the float paths (workflow/nn float modules, and any fp32 fallback of a quantized
// layer): a thin, checked wrapper over OpenBLAS's cblas_sgemm, row-major as the rest of the library.
// Promise: C = alpha * op(A) * op(B) + beta * C with op(X) = X or X^T; A is M x K after op, B is K x N after op.
// Summation order is OpenBLAS's (not the fmaf-in-k order of kernels/reference/gemm_f32_ref.h), so results agree
// with a scalar loop to rounding, not bit for bit.
#pragma once

#include <cstddef>

namespace qjit {

void sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha, const float* a, size_t lda,
           const float* b, size_t ldb, float beta, float* c, size_t ldc);

}  // namespace qjit
