// fp32 GEMM over fp16-stored weights: C[M x N] = A (f32, M x K, row stride lda) x W (K x N, halves) + bias, in
// fp32 with one fused multiply-add per k in order (so every path equals the reference bit for bit). The dynamic
// float16 Linear of PyTorch (float16_dynamic_qconfig). Threads split N panels or M.
#pragma once

#include <cstddef>

#include "kernels/exec.h"
#include "packing/packed_weights_f16.h"

namespace qjit {

void gemm_f32_f16w(const float* a, size_t lda, size_t M, const PackedWeightsF16& w, float* c, size_t ldc,
                   const Exec& exec = {});

}  // namespace qjit
