// Int8 GEMM over prepacked weights: C[M x N] = output_stage((A - a_zp) x (B - b_zp)), A uint8 (M x K, row stride
// lda elements), B the PackedWeights (int8, K x N), exact int32 accumulation on every path. C has row stride ldc
// elements of the output kind. Threads split M and N (default pool, or the caller's partition in Exec).
// The Exec's ISA must be the one the weights were packed for.
// Weights packed with PackOptions::a7_panels: each call takes the max of the A it reads (kernels/max_u8.h) and
// multiplies by the u8x4-maddubs panels when it is <= 127, by the exact s16x2 panels otherwise; the verbose line
// says which and why (":a7=u8x4 (a max 90 <= 127)").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/exec.h"
#include "kernels/gemm_output.h"
#include "packing/packed_weights.h"

namespace qjit {

void gemm(const uint8_t* a, size_t lda, int32_t a_zero_point, size_t M, const PackedWeights& w, void* c, size_t ldc,
          const OutputStage& out, const Exec& exec = {});

namespace detail {
// gemm() for a caller that knows a bound on every byte of A (the convolution: the max of its input, and the zero
// point when padding is read), so that the call does not scan A again. a_max_bound < 0: unknown, gemm() scans.
// The bound must hold: a wrong one can give saturated (wrong) sums.
void gemm_with_a_bound(const uint8_t* a, size_t lda, int32_t a_zero_point, size_t M, const PackedWeights& w, void* c,
                       size_t ldc, const OutputStage& out, const Exec& exec, int a_max_bound);
// Whether weights with a7 panels run them for activations whose max is a_max (-1: no a7 panels, or not known),
// and the verbose-log text of that choice ("" without a7 panels). Shared by gemm() and conv().
inline bool a7_panels_chosen(int a_max) { return a_max >= 0 && a_max <= 127; }
std::string a7_choice_text(int a_max);
}  // namespace detail

}  // namespace qjit
