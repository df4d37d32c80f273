#include "jit/x86/gemm_microkernel.h"

#include <algorithm>
#include <cstddef>

namespace qjit::x86 {

template <class Vmm>
Xbyak::RegExp GemmMicrokernel<Vmm>::a_row(int m, int byte_offset) {
  const Xbyak::Reg64& base = m < 3 ? reg_a0 : reg_a3;
  switch (m % 3) {
    case 0: return base + byte_offset;
    case 1: return base + reg_lda + byte_offset;
    default: return base + reg_lda * 2 + byte_offset;
  }
}

template <class Vmm>
void GemmMicrokernel<Vmm>::generate() {
  preamble({rbx, rbp, r12, r13, r14, r15});
  mov(reg_args, abi_param1);
  // Per-tile state lives on the stack: the epilogue needs every register.
  sub(rsp, kFrameBytes);
  const auto arg = [&](size_t offset) { return ptr[reg_args + offset]; };
  mov(rax, arg(offsetof(GemmKernelArgs, b)));
  mov(ptr[rsp + kPanelB], rax);
  mov(rax, arg(offsetof(GemmKernelArgs, c)));
  mov(ptr[rsp + kPanelC], rax);
  mov(qword[rsp + kColBytes], 0);
  mov(rax, arg(offsetof(GemmKernelArgs, n_panels)));
  mov(ptr[rsp + kPanelsLeft], rax);

  Xbyak::Label l_panel, l_tile;
  L(l_panel);
  mov(rax, arg(offsetof(GemmKernelArgs, a)));
  mov(ptr[rsp + kTileA], rax);
  mov(rax, ptr[rsp + kPanelC]);
  mov(ptr[rsp + kTileC], rax);
  mov(qword[rsp + kTileRowBytes], 0);
  mov(reg_tiles, arg(offsetof(GemmKernelArgs, m_tiles)));

  L(l_tile);
  mov(reg_a0, ptr[rsp + kTileA]);
  mov(reg_lda, arg(offsetof(GemmKernelArgs, lda)));
  mov(reg_b, ptr[rsp + kPanelB]);
  mov(reg_c, ptr[rsp + kTileC]);
  mov(reg_ldc, arg(offsetof(GemmKernelArgs, ldc)));
  mov(reg_k, arg(offsetof(GemmKernelArgs, k_groups)));
  if (d_.mr > 3) {
    lea(reg_a3, ptr[reg_a0 + reg_lda * 2]);
    add(reg_a3, reg_lda);
  }
  // The accumulators start at the panel's col_offset (zero-point terms) rather than at zero: a load instead of
  // an add per output vector in the epilogue, where narrow panels and small K spend a third of their time.
  mov(reg_tmp, arg(offsetof(GemmKernelArgs, col_offset)));
  add(reg_tmp, ptr[rsp + kColBytes]);
  for (int m = 0; m < d_.mr; ++m)
    for (int v = 0; v < nv_; ++v) vmovups(acc(m, v), ptr[reg_tmp + v * kVecBytes]);
  prepare_dot();
  if (d_.a_octets) {
    k_loop_octets();
  } else {
    k_loop();
    if (d_.k_tail) k_tail();
  }
  epilogue();
  // Next tile: mr rows further down A, C and the per-row arrays.
  mov(rax, arg(offsetof(GemmKernelArgs, lda)));
  imul(rax, rax, d_.mr);
  add(ptr[rsp + kTileA], rax);
  mov(rax, arg(offsetof(GemmKernelArgs, ldc)));
  imul(rax, rax, d_.mr);
  add(ptr[rsp + kTileC], rax);
  add(qword[rsp + kTileRowBytes], d_.mr * 4);
  dec(reg_tiles);
  jnz(l_tile, T_NEAR);
  // Next panel: the packed panels are contiguous; C and the column arrays move nr columns right.
  mov(rax, arg(offsetof(GemmKernelArgs, panel_bytes)));
  add(ptr[rsp + kPanelB], rax);
  add(qword[rsp + kPanelC], d_.layout.nr * static_cast<int>(output_kind_size(d_.out)));
  add(qword[rsp + kColBytes], d_.layout.nr * 4);
  dec(qword[rsp + kPanelsLeft]);
  jnz(l_panel, T_NEAR);

  add(rsp, kFrameBytes);
  postamble();
  emit_data();

  if (!kZmm && d_.n_valid && output_kind_size(d_.out) == 4) {
    // 8 x -1 then 8 x 0: loading 8 dwords from (8 - valid) * 4 gives a vpmaskmovd mask of `valid` lanes.
    align(32);
    L(l_store_mask_);
    for (int i = 0; i < 16; ++i) dd(i < 8 ? 0xffffffffu : 0u);
  }
  if (!kZmm && (d_.out == OutputKind::u8 || d_.out == OutputKind::s8)) {
    // Narrowing int32 -> bytes on AVX2: byte 0 of each dword to the bottom of each 128-bit lane, then dwords 0
    // and 4 together.
    align(32);
    L(l_narrow_);
    for (int lane = 0; lane < 2; ++lane) {
      dd(0x0c080400u);
      dd(0x80808080u);
      dd(0x80808080u);
      dd(0x80808080u);
    }
    for (uint32_t i : {0u, 4u, 0u, 0u, 0u, 0u, 0u, 0u}) dd(i);
  }
}

template <class Vmm>
void GemmMicrokernel<Vmm>::k_group(int unroll_index) {
  const int a_off = unroll_index * a_group_bytes();
  const int b_off = unroll_index * nv_ * kVecBytes;
  if (b_in_registers())
    for (int v = 0; v < nv_; ++v) vmovups(b_reg(v), ptr[reg_b + b_off + v * kVecBytes]);
  for (int m = 0; m < d_.mr; ++m) {
    broadcast_a(a_reg(), a_row(m, a_off));
    for (int v = 0; v < nv_; ++v) {
      if (b_in_registers())
        dot(acc(m, v), a_reg(), b_reg(v));
      else
        dot(acc(m, v), a_reg(), ptr[reg_b + b_off + v * kVecBytes]);
    }
  }
}

template <class Vmm>
void GemmMicrokernel<Vmm>::k_loop() {
  // Unrolled by kUnroll groups so that the loop's own instructions (pointer updates, counter, branch) do not
  // compete with the multiplies for dispatch slots when a tile has few rows; then single groups.
  constexpr int kUnroll = 4;
  auto advance = [&](int groups) {
    add(reg_a0, groups * a_group_bytes());
    if (d_.mr > 3) add(reg_a3, groups * a_group_bytes());
    add(reg_b, groups * nv_ * kVecBytes);
  };
  Xbyak::Label l_unrolled, l_single, l_single_loop, l_done;
  cmp(reg_k, kUnroll);
  jb(l_single, T_NEAR);
  L(l_unrolled);
  for (int u = 0; u < kUnroll; ++u) k_group(u);
  advance(kUnroll);
  sub(reg_k, kUnroll);
  cmp(reg_k, kUnroll);
  jae(l_unrolled, T_NEAR);
  L(l_single);
  test(reg_k, reg_k);
  jz(l_done, T_NEAR);
  L(l_single_loop);
  k_group(0);
  advance(1);
  dec(reg_k);
  jnz(l_single_loop, T_NEAR);
  L(l_done);
}

template <class Vmm>
void GemmMicrokernel<Vmm>::k_tail() {
  // The last K % k_group activations of each row, gathered byte by byte so that nothing past the row is read;
  // the panel is zero-padded there, so the missing bytes (zero here) contribute nothing. On s16x2 the single
  // byte left, zero-extended, is already the lane [a, 0] of int16 that VPMADDWD wants (widened A has no tail).
  if (b_in_registers())
    for (int v = 0; v < nv_; ++v) vmovups(b_reg(v), ptr[reg_b + v * kVecBytes]);
  const Xbyak::Xmm a_x(a_reg().getIdx());
  for (int m = 0; m < d_.mr; ++m) {
    lea(reg_tmp2, ptr[a_row(m)]);
    switch (d_.k_tail) {
      case 1: movzx(eax, byte[reg_tmp2]); break;
      case 2: movzx(eax, word[reg_tmp2]); break;
      default:
        movzx(eax, word[reg_tmp2]);
        movzx(ecx, byte[reg_tmp2 + 2]);
        shl(ecx, 16);
        or_(eax, ecx);
        break;
    }
    vmovd(a_x, eax);
    vpbroadcastd(a_reg(), a_x);
    for (int v = 0; v < nv_; ++v) {
      if (b_in_registers())
        dot(acc(m, v), a_reg(), b_reg(v));
      else
        dot(acc(m, v), a_reg(), ptr[reg_b + v * kVecBytes]);
    }
  }
}

template <class Vmm>
void GemmMicrokernel<Vmm>::octet_step(int a_offset, int b_offset, bool tail) {
  const int pairs = tail ? (d_.k_tail + 1) / 2 : 4;
  // Per row: one load (VPBROADCASTQ puts the 8 bytes in every quadword) and one VPUNPCKLBW for 4 pairs, then one
  // VPSHUFD per pair: 1.25 shuffles per row and k pair where the per-pair broadcast and widening take 2 (Zen 3
  // has two shuffle pipes; one-vector panels gained 15-35 %, two-vector ones nothing measurable: see
  // bench/RESULTS.md). B comes from memory, one load per multiply: no register is left for it (6 x 2
  // accumulators), and the loads go to other ports than the shuffles.
  for (int m = 0; m < d_.mr; ++m) {
    if (tail)
      octet_tail_load(m);
    else
      vpbroadcastq(octet_wide(), qword[a_row(m, a_offset)]);
    vpunpcklbw(octet_wide(), octet_wide(), octet_zero());
    for (int j = 0; j < pairs; ++j) {
      vpshufd(a_reg(), octet_wide(), 0x55 * j);
      for (int v = 0; v < nv_; ++v) dot(acc(m, v), a_reg(), ptr[reg_b + b_offset + (j * nv_ + v) * kVecBytes]);
    }
  }
}

template <class Vmm>
void GemmMicrokernel<Vmm>::octet_tail_load(int m) {
  // The last K % 8 bytes of row m gathered into rax with exact-size loads (never past the row), the bytes above
  // them zero: an odd last k pairs with a zero, as the zero-padded panel expects.
  lea(reg_tmp2, ptr[a_row(m)]);
  int offset = 0;
  for (int piece : {4, 2, 1}) {
    if (!(d_.k_tail & piece)) continue;
    switch (piece) {
      case 4: mov(ecx, dword[reg_tmp2 + offset]); break;
      case 2: movzx(ecx, word[reg_tmp2 + offset]); break;
      default: movzx(ecx, byte[reg_tmp2 + offset]); break;
    }
    if (offset) {
      shl(rcx, offset * 8);
      or_(reg_tmp, rcx);
    } else {
      mov(reg_tmp, rcx);
    }
    offset += piece;
  }
  const Xbyak::Xmm wide_x(octet_wide().getIdx());
  vmovq(wide_x, reg_tmp);
  vpbroadcastq(octet_wide(), wide_x);
}

template <class Vmm>
void GemmMicrokernel<Vmm>::k_loop_octets() {
  // Two octets per iteration, then one: the loop's own instructions stay a few percent of the step's.
  const int b_octet_bytes = 4 * nv_ * kVecBytes;
  auto advance = [&](int octets) {
    add(reg_a0, octets * 8);
    if (d_.mr > 3) add(reg_a3, octets * 8);
    add(reg_b, octets * b_octet_bytes);
  };
  zero(octet_zero());
  Xbyak::Label l_pair_loop, l_single, l_done;
  cmp(reg_k, 2);
  jb(l_single, T_NEAR);
  L(l_pair_loop);
  octet_step(0, 0, false);
  octet_step(8, b_octet_bytes, false);
  advance(2);
  sub(reg_k, 2);
  cmp(reg_k, 2);
  jae(l_pair_loop, T_NEAR);
  L(l_single);
  test(reg_k, reg_k);
  jz(l_done, T_NEAR);
  octet_step(0, 0, false);
  advance(1);
  L(l_done);
  if (d_.k_tail) octet_step(0, 0, true);
}

template <class Vmm>
void GemmMicrokernel<Vmm>::epilogue() {
  const bool requant = d_.out == OutputKind::u8 || d_.out == OutputKind::s8;
  // The K loop's pointer registers are free now: reuse them for the epilogue's arrays.
  const Xbyak::Reg64 &reg_mult = reg_a3, &reg_bias = reg_lda, &reg_bzp = reg_b,
                     &reg_post = reg_k;
  auto arg = [&](size_t offset) { return ptr[reg_args + offset]; };
  // Column arrays of the current panel: base + the panel's first column * 4 bytes.
  for (const auto& [reg, offset] : {std::pair{reg_mult, offsetof(GemmKernelArgs, mult)},
                                    std::pair{reg_bias, offsetof(GemmKernelArgs, bias)},
                                    std::pair{reg_bzp, offsetof(GemmKernelArgs, b_zp)},
                                    std::pair{reg_post, offsetof(GemmKernelArgs, post_bias)}}) {
    mov(reg, arg(offset));
    add(reg, ptr[rsp + kColBytes]);
  }
  mov(rsi, arg(offsetof(GemmKernelArgs, row_sums)));
  add(rsi, ptr[rsp + kTileRowBytes]);
  mov(rdi, arg(offsetof(GemmKernelArgs, row_scale)));
  add(rdi, ptr[rsp + kTileRowBytes]);
  mov(reg_out, reg_c);
  if (!kZmm && requant) vmovdqu(e_perm(), ptr[rip + l_narrow_ + 32]);

  const auto mult_operand = [&](int v) {
    return d_.per_channel ? ptr[reg_mult + v * kVecBytes] : arg(offsetof(GemmKernelArgs, mult_bcast));
  };
  for (int m = 0; m < d_.mr; ++m) {
    if (d_.has_b_zp) {
      vpbroadcastd(e_tmp(), dword[rsi + m * 4]);
      for (int v = 0; v < nv_; ++v) {
        vpmulld(e_tmp2(), e_tmp(), ptr[reg_bzp + v * kVecBytes]);
        vpsubd(acc(m, v), acc(m, v), e_tmp2());
      }
    }
    for (int v = 0; v < nv_; ++v) {
      const Vmm x = acc(m, v);
      if (d_.out == OutputKind::f32) {
        vcvtdq2ps(x, x);
        if (d_.has_bias) vaddps(x, x, ptr[reg_bias + v * kVecBytes]);
        if (d_.has_row_scale) {
          vbroadcastss(e_tmp(), dword[rdi + m * 4]);
          vmulps(e_tmp2(), e_tmp(), mult_operand(v));
          vmulps(x, x, e_tmp2());
        } else {
          vmulps(x, x, mult_operand(v));
        }
        if (d_.has_post_bias) vaddps(x, x, ptr[reg_post + v * kVecBytes]);
      } else if (requant) {
        const bool onednn = d_.formula == RequantFormula::onednn;
        if (!onednn && d_.has_bias) vpaddd(x, x, ptr[reg_bias + v * kVecBytes]);
        vcvtdq2ps(x, x);
        if (onednn && d_.has_bias) vaddps(x, x, ptr[reg_bias + v * kVecBytes]);
        vmulps(x, x, mult_operand(v));  // multiply and add stay separate: the reference rounds after each
        if (onednn) vaddps(x, x, arg(offsetof(GemmKernelArgs, zp_f)));
        vminps(x, x, arg(offsetof(GemmKernelArgs, clip)));
        if constexpr (kZmm)
          vrndscaleps(x, x, 0);
        else
          vroundps(x, x, 0);
        vcvttps2dq(x, x);
        vpmaxsd(x, x, arg(offsetof(GemmKernelArgs, lo)));
        vpminsd(x, x, arg(offsetof(GemmKernelArgs, hi)));
        if (!onednn) vpaddd(x, x, arg(offsetof(GemmKernelArgs, zp_i)));
      }
    }
    store_row(m);
  }
}

template <class Vmm>
void GemmMicrokernel<Vmm>::store_row(int m) {
  const int out_size = static_cast<int>(output_kind_size(d_.out));
  for (int v = 0; v < nv_; ++v) {
    const int valid = d_.n_valid ? std::clamp(d_.n_valid - v * kLanes, 0, kLanes) : kLanes;
    if (valid == 0) continue;
    const Vmm x = acc(m, v);
    const Xbyak::RegExp at = reg_out + v * kLanes * out_size;
    const Xbyak::Xmm x_low(x.getIdx());
    if (out_size == 4) {
      if (valid == kLanes) {
        vmovups(ptr[at], x);
      } else if constexpr (kZmm) {
        mov(eax, (1u << valid) - 1);
        kmovw(k1, eax);
        vmovups(ptr[at] | k1, x);
      } else {
        vmovdqu(e_tmp(), ptr[rip + l_store_mask_ + (kLanes - valid) * 4]);
        vpmaskmovd(ptr[at], e_tmp(), x);
      }
    } else {
      if constexpr (kZmm) {
        vpmovdb(x_low, x);
      } else {
        vpshufb(x, x, ptr[rip + l_narrow_]);
        vpermd(x, e_perm(), x);
      }
      store_bytes(at, x_low, valid);
    }
  }
  if (m + 1 < d_.mr) add(reg_out, reg_ldc);
}

template <class Vmm>
void GemmMicrokernel<Vmm>::store_bytes(const Xbyak::RegExp& addr, const Xbyak::Xmm& x, int bytes) {
  int off = 0;
  if (bytes == 16) {
    // xmm16-31 (the zmm kernels' upper accumulators) have only EVEX encodings.
    if (x.getIdx() >= 16)
      vmovdqu32(ptr[addr], x);
    else
      vmovdqu(ptr[addr], x);
    return;
  }
  // Each piece stores the low bytes, then shifts them out.
  for (int piece : {8, 4, 2, 1}) {
    if (bytes < piece) continue;
    switch (piece) {
      case 8: vmovq(ptr[addr + off], x); break;
      case 4: vmovd(ptr[addr + off], x); break;
      case 2: vpextrw(ptr[addr + off], x, 0); break;
      default: vpextrb(ptr[addr + off], x, 0); break;
    }
    bytes -= piece;
    off += piece;
    if (bytes) vpsrldq(x, x, piece);
  }
}

template class GemmMicrokernel<Xbyak::Ymm>;
template class GemmMicrokernel<Xbyak::Zmm>;

}  // namespace qjit::x86
