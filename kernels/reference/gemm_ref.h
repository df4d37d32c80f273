// Scalar oracle of the int8 GEMM: C = A (u8, M x K, zero point a_zp) x B (s8, K x N, zero point b_zp[n]) in exact
// int32, followed by the output stage. Every JIT path is tested bit-exactly against it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/gemm_output.h"

namespace qjit::ref {

// b is K x N with row stride ldb; b_zp has N entries (or is null for zeros).
void gemm_u8s8(const uint8_t* a, size_t lda, int32_t a_zp, const int8_t* b, size_t ldb, const int32_t* b_zp,
               size_t M, size_t N, size_t K, void* c, size_t ldc, const OutputStage& out);

// The output stage on one accumulator (row m, column n).
int32_t output_stage_int(int32_t acc, size_t n, const OutputStage& out);
float output_stage_f32(int32_t acc, size_t m, size_t n, const OutputStage& out);

// Writes accumulator `acc` of row m, column n, wrapped to int32 as the library's int32 sums wrap, through the
// output stage into element i of y (of out.kind). Shared by every int8 reference whose result is a GEMM's.
void store_output(int64_t acc, size_t m, size_t n, void* y, size_t i, const OutputStage& out);

}  // namespace qjit::ref
