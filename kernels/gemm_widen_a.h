// Activations widened for the s16x2-madd GEMM layout: rows of u8 A copied as int16, each row zero-padded to
// widened_row_elems(K) elements, so that the microkernel broadcasts a k pair with one 32-bit load (no widening
// shuffle per row and k pair, and no K % 2 tail: the pad pairs the last odd k with a zero).
// The driver widens one block of rows at a time (a few hundred KiB), so the copy stays in L2 for the kernel.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qjit::detail {

// Elements per widened row: K rounded up to 16, so that the copy is whole 32-byte vectors.
inline size_t widened_row_elems(size_t K) { return (K + 15) / 16 * 16; }

// dst[r * widened_row_elems(K) + k] = a[r * lda + k] for k < K, 0 up to widened_row_elems(K). Never reads past
// the K bytes of a row. AVX2 (kernels/gemm_widen_a_avx2.cc): call only where the Exec's ISA has AVX2, as the
// s16x2 layout does (it exists on the AVX2 and AVX-512 paths only).
void widen_a_rows_avx2(const uint8_t* a, size_t lda, size_t rows, size_t K, int16_t* dst);

}  // namespace qjit::detail
