// Descriptor of a generated GEMM microkernel: the key of its code cache. A microkernel computes tiles of
// mr (<= layout mr) rows of A by one panel of B (nr columns) over the whole K, applies the zero-point
// corrections and the output stage, and stores each tile; it walks n_panels panels and, in each, m_tiles tiles
// in one call, so that neither tall nor wide problems pay a call per tile. The problem's M, N and K are *not* part of the key:
// new shapes only select among a bounded set of variants (mr 1..6, K % 4, full or partial panel).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jit/jit_code.h"
#include "kernels/gemm_output.h"
#include "packing/gemm_layout.h"

namespace qjit {

// Arguments of a GEMM microkernel, passed by pointer. The 16-lane arrays at the end are epilogue constants,
// broadcast once per GEMM call by the driver so that the kernel can use them as vector memory operands.
struct GemmKernelArgs {
  const uint8_t* a = nullptr;  // row 0 of the first tile (u8 activations)
  size_t lda = 0;              // bytes between rows of a
  const void* b = nullptr;     // the packed panel
  void* c = nullptr;           // row 0, column 0 of the output tile
  size_t ldc = 0;              // bytes between rows of c
  size_t k_groups = 0;         // whole k groups (of layout k_group) in the main loop
  size_t m_tiles = 1;          // tiles of mr rows, one after the other (a, c, row_sums, row_scale advance)
  size_t n_panels = 1;         // whole panels, one after the other (b, c and the column arrays advance)
  size_t panel_bytes = 0;      // bytes of one packed panel
  const int32_t* col_offset = nullptr;  // [nr]: -a_zp * colsum[n] + K * a_zp * b_zp[n]
  const int32_t* row_sums = nullptr;    // [mr]: sum over k of a[m][k]   (only with b_zp)
  const int32_t* b_zp = nullptr;        // [nr]                          (only with b_zp)
  const float* mult = nullptr;          // [nr] per channel (per tensor: mult_bcast below)
  const void* bias = nullptr;           // [nr] float (onednn, f32 out) or int32 (qnnpack)
  const float* row_scale = nullptr;     // [mr] (f32 out with per-row activation scales)
  const float* post_bias = nullptr;     // [nr] (f32 out)
  size_t n_valid = 0;                   // columns of this panel inside N (the scalar path reads it)
  alignas(64) float mult_bcast[16] = {};
  float zp_f[16] = {};    // onednn: output zero point as float
  int32_t zp_i[16] = {};  // qnnpack: output zero point
  int32_t lo[16] = {};    // clamp after rounding: qmin (onednn) or qmin - zp (qnnpack)
  int32_t hi[16] = {};
  float clip[16] = {};    // largest float below 2^31, applied before the float -> int32 conversion
};

using GemmKernelFn = void(const GemmKernelArgs*);

struct GemmUkernelDesc {
  GemmLayout layout;
  uint8_t mr = 1;       // rows in this tile, 1..layout.mr
  uint8_t k_tail = 0;   // K % k_group (activation bytes gathered with scalar loads); K % 8 with a_octets
  uint8_t n_valid = 0;  // 0: a whole panel; else the columns of a last, partial panel (exact-size stores)
  // s16x2 only: A arrives as int16 rows zero-padded to whole pairs (kernels/gemm_widen_a.h), k_tail is 0.
  bool a_widened = false;
  // s16x2 only, on u8 rows of A (AVX2): the kernel reads each row 8 bytes (4 k pairs) at a time, widens them in
  // a register and spreads each pair with an immediate shuffle, instead of a broadcast and a shuffle per pair;
  // B is read from memory by each multiply. k_groups counts these octets, k_tail is K % 8.
  bool a_octets = false;
  OutputKind out = OutputKind::s32;
  RequantFormula formula = RequantFormula::onednn;
  bool per_channel = false;
  bool has_bias = false;
  bool has_b_zp = false;
  bool has_row_scale = false;
  bool has_post_bias = false;

  bool operator==(const GemmUkernelDesc& o) const {
    return layout == o.layout && mr == o.mr && k_tail == o.k_tail && n_valid == o.n_valid && out == o.out &&
           formula == o.formula && per_channel == o.per_channel && has_bias == o.has_bias &&
           has_b_zp == o.has_b_zp && has_row_scale == o.has_row_scale && has_post_bias == o.has_post_bias && a_widened == o.a_widened &&
           a_octets == o.a_octets;
  }
  size_t hash() const {
    size_t h = static_cast<size_t>(layout.isa) | static_cast<size_t>(layout.dot) << 4 | size_t{mr} << 6 |
               size_t{k_tail} << 10 | static_cast<size_t>(out) << 13 |
               static_cast<size_t>(formula) << 15 | size_t{per_channel} << 16 | size_t{has_bias} << 17 |
               size_t{has_b_zp} << 18 | size_t{has_row_scale} << 19 | size_t{has_post_bias} << 20 |
               size_t{a_widened} << 21 | size_t{a_octets} << 22;
    return h ^ (static_cast<size_t>(layout.nr) << 24) ^ (size_t{n_valid} << 32);
  }
  // e.g. "qjit_gemm_u8s8_6x16_u8x4-maddubs_avx2_u8_onednn_pc_bias"
  std::string name() const;
  std::unique_ptr<JitCode> generate() const;
};

}  // namespace qjit
