// The layout a GEMM microkernel reads its weights in, chosen per ISA and, on the paths without VNNI, per weight
// tensor (see "exact on every path" below). It is part of the packed weights and of the microkernel descriptor.
//
// u8x4 layouts (vnni, maddubs): B is cut into panels of NR columns; inside a panel, for each group of 4
// consecutive k, the 4 int8 values of column n are adjacent: panel[k/4][n][k%4]. One 32-bit lane of a vector
// then holds the 4 weights that VPDPBUSD (or VPMADDUBSW + VPMADDWD) multiplies with 4 broadcast activations.
// s16x2 layout (madd16): the same with pairs of k as int16, panel[k/2][n][k%2], for VPMADDWD on activations
// widened to int16.
//
// Exact on every path: VPMADDUBSW adds two u8 x s8 products into a *saturating* int16, so 255 * (b0 + b1) must fit
// in int16 for every pair of weights it sees: |b0 + b1| <= 128. Weight tensors that pass this check use maddubs;
// the others use madd16, which is exact for all inputs at about 3/4 of the speed. VNNI never saturates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "jit/cpu.h"

namespace qjit {

enum class DotKind : uint8_t { vnni, maddubs, madd16 };

struct GemmLayout {
  Isa isa = Isa::scalar;
  DotKind dot = DotKind::maddubs;
  int mr = 6;       // rows of A per microkernel tile
  int nr = 16;      // columns per panel
  int k_group = 4;  // k values per 32-bit lane: 4 (u8x4) or 2 (s16x2)

  bool operator==(const GemmLayout& o) const {
    return isa == o.isa && dot == o.dot && mr == o.mr && nr == o.nr && k_group == o.k_group;
  }
  bool operator!=(const GemmLayout& o) const { return !(*this == o); }
  size_t elem_bytes() const { return dot == DotKind::madd16 ? 2 : 1; }
  size_t k_padded(size_t K) const { return (K + k_group - 1) / k_group * k_group; }
  size_t panel_bytes(size_t K) const { return k_padded(K) * static_cast<size_t>(nr) * elem_bytes(); }
};

const char* dot_kind_name(DotKind d);

// The layout for `isa` and N columns; `pairs_fit_int16` is the result of weight_pairs_fit_int16 (ignored on VNNI
// paths). Panels are 2 (ymm) or 4 (zmm) vectors wide, or one vector when N fits in one, so that narrow outputs
// (tall-skinny problems, N <= 8 or 16) do not compute columns they throw away; on ymm, N = 17..24 also takes
// one-vector panels (three of them, instead of two 16-wide panels whose second would be at most half used).
GemmLayout gemm_layout(Isa isa, bool pairs_fit_int16, size_t N);

// True when every pair of weights that VPMADDUBSW would add (k = 2j, 2j + 1 of one column) has |b0 + b1| <= 128.
// w is K x N, row stride ldw.
bool weight_pairs_fit_int16(const int8_t* w, size_t ldw, size_t K, size_t N);

}  // namespace qjit
