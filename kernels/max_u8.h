// The largest byte of a uint8 buffer, or of a block of rows. The GEMM asks it whether every activation it is
// about to multiply is <= 127 (PyTorch's reduce_range activations), where the fast u8x4-maddubs panels are exact
// for any int8 weights (packing/packed_weights.h, PackOptions::a7_panels): one read of each A byte, next to the
// 2N multiply-adds the GEMM does per A byte.
// Promises: exact (it is a max), 0 for an empty buffer, never reads outside the bytes named.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/exec.h"

namespace qjit {

// max(x[0 .. n)), 0 when n == 0. Runs on the calling thread (exec.isa picks the path; threads are not used).
uint8_t max_u8(const uint8_t* x, size_t n, const Exec& exec = {});

// max over rows r < rows of x[r * ld .. r * ld + cols), 0 when rows or cols is 0; ld >= cols.
uint8_t max_u8_rows(const uint8_t* x, size_t ld, size_t rows, size_t cols, const Exec& exec = {});

namespace detail {
// The AVX2 body (kernels/max_u8_avx2.cc): call only where the Exec's ISA has AVX2. No argument checks.
uint8_t max_u8_avx2(const uint8_t* x, size_t n);
}  // namespace detail

}  // namespace qjit
