// Int8 GEMM over prepacked weights: C[M x N] = output_stage((A - a_zp) x (B - b_zp)), A uint8 (M x K, row stride
// lda elements), B the PackedWeights (int8, K x N), exact int32 accumulation on every path. C has row stride ldc
// elements of the output kind. Threads split M and N (default pool, or the caller's partition in Exec).
// The Exec's ISA must be the one the weights were packed for.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/exec.h"
#include "kernels/gemm_output.h"
#include "packing/packed_weights.h"

namespace qjit {

void gemm(const uint8_t* a, size_t lda, int32_t a_zero_point, size_t M, const PackedWeights& w, void* c, size_t ldc,
          const OutputStage& out, const Exec& exec = {});

}  // namespace qjit
