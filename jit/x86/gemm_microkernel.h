// The shape every x86 GEMM microkernel shares; the ISA families (gemm_avx2.cc, gemm_avx2_vnni.cc, gemm_avx512.cc,
// gemm_avx512_vnni.cc) supply the dot product and where B lives.
//
//   acc[m][v] = col_offset[v]                       mr x nv accumulators (v: vectors across the panel), starting
//                                                   at the activation zero-point term (int32 sums wrap: any order)
//   for each k group:                               4 k (u8x4) or 2 k (s16x2)
//     [load the nv B vectors]                       when the register file has room for them
//     for m: a = broadcast(A[m][k group])           4 bytes per 32-bit lane: 4 x u8, or on s16x2 2 x int16 (A
//                                                   widened by the driver, desc a_widened) or 2 u8 widened here
//            for v: acc[m][v] += dot(a, B[v])       VPDPBUSD, or VPMADDUBSW+VPMADDWD, or VPMADDWD
//   (a_octets: for each octet of 4 k pairs, for m: 8 bytes of row m widened once, then for each pair:
//    a = that pair in every lane (VPSHUFD), for v: acc[m][v] += dot(a, B[pair][v] from memory))
//   K % k_group tail (none on widened A: its rows are zero-padded to whole pairs): the last activation bytes
//   gathered with scalar loads (never reading past a row of A)
//   epilogue per row: [- row_sum * b_zp], then the output stage, stored
//   with exact-size stores in a last, partial panel (never writing past the N columns of C)
//
// Register plan (indices): accumulators 0 .. mr*nv-1 (at most 6*2 ymm or 6*4 zmm); after them the broadcast
// activation, the B vectors if kept in registers, and the dot product's temporaries; a_octets takes the top two
// for the widened octet and zero bytes (6 x 2 accumulators + pair + product + those two = 16 ymm). The epilogue
// reuses the top four registers, which the K loop has finished with.
#pragma once

#include <type_traits>

#include "jit/gemm_desc.h"
#include "jit/x86/generator.h"

namespace qjit::x86 {

template <class Vmm>
class GemmMicrokernel : public JitGenerator {
 public:
  static constexpr bool kZmm = std::is_same_v<Vmm, Xbyak::Zmm>;
  static constexpr int kLanes = kZmm ? 16 : 8;
  static constexpr int kVecBytes = kLanes * 4;
  static constexpr int kNumVmm = kZmm ? 32 : 16;

  explicit GemmMicrokernel(const GemmUkernelDesc& d)
      : JitGenerator(d.name(), d.layout.isa, 32 * 1024), d_(d), nv_(d.layout.nr / kLanes) {}

  void generate();

 protected:
  // acc += dot(a, b) for one k group. b is a register or a memory operand.
  virtual void dot(const Vmm& acc, const Vmm& a, const Xbyak::Operand& b) = 0;
  // Keep the nv B vectors of a k group in registers (else each dot reads B from memory).
  virtual bool b_in_registers() const = 0;
  // Called before each tile's K loop (constants for the dot product, e.g. a vector of int16 ones).
  virtual void prepare_dot() {}
  // dst = the activations of one k group of one row, spread for dot(): by default the 4 bytes at src (4 x u8,
  // or 2 x int16 of widened A) broadcast to every 32-bit lane.
  virtual void broadcast_a(const Vmm& dst, const Xbyak::RegExp& src) { vpbroadcastd(dst, dword[src]); }
  // Called after the code: constant tables of the ISA family (referenced rip-relative).
  virtual void emit_data() {}
  // s16x2 on u8 rows of A, one pair at a time: broadcast_a widens each pair of bytes to 2 x int16.
  bool widen_in_broadcast() const { return d_.layout.dot == DotKind::madd16 && !d_.a_widened && !d_.a_octets; }
  // Bytes of A per k group: 4 (u8x4, or s16x2 on widened A), or 2 when broadcast_a widens them.
  int a_group_bytes() const { return widen_in_broadcast() ? 2 : 4; }

  Vmm acc(int m, int v) const { return Vmm(m * nv_ + v); }
  Vmm a_reg() const { return Vmm(d_.layout.mr * nv_); }
  Vmm b_reg(int v) const { return Vmm(d_.layout.mr * nv_ + 1 + v); }
  // First register after the accumulators, broadcast and (if kept) B vectors: for temporaries of dot().
  int first_free() const { return d_.layout.mr * nv_ + 1 + (b_in_registers() ? nv_ : 0); }
  void zero(const Vmm& v) {
    if constexpr (kZmm)
      vpxord(v, v, v);
    else
      vpxor(v, v, v);
  }

  const GemmUkernelDesc d_;
  const int nv_;

  // General-purpose register plan. rsi, rdi and rcx stay free for the partial-panel copy (rep movsb).
  const Xbyak::Reg64 reg_args = r15, reg_a0 = r8, reg_a3 = r9, reg_lda = r10, reg_b = r11, reg_k = r12,
                     reg_c = r13, reg_ldc = r14, reg_out = rbx, reg_tmp = rax, reg_tmp2 = rdx, reg_tiles = rbp;
  // Stack frame: where the current tile starts in A and C and its first row times 4 bytes (row arrays); where
  // the current panel starts in B and C, its first column times 4 bytes (column arrays), panels left.
  static constexpr int kTileA = 0, kTileC = 8, kTileRowBytes = 16, kPanelB = 24, kPanelC = 32, kColBytes = 40,
                       kPanelsLeft = 48, kFrameBytes = 64;

 private:
  Xbyak::RegExp a_row(int m, int byte_offset = 0);
  void k_group(int unroll_index);
  void k_loop();
  void k_tail();
  // The a_octets K loop (desc a_octets): 8 bytes of each row, 4 k pairs, per step; the K % 8 tail at its end.
  void k_loop_octets();
  void octet_step(int a_offset, int b_offset, bool tail);  // tail: the K % 8 bytes left
  void octet_tail_load(int m);
  // The octet registers: the row's 8 bytes widened (pairs 0..3 in each 128-bit lane), and zero bytes.
  Vmm octet_wide() const { return Vmm(kNumVmm - 1); }
  Vmm octet_zero() const { return Vmm(kNumVmm - 2); }
  void epilogue();
  void store_row(int m);
  // Stores the low `bytes` bytes of x (1..16) at addr with the fewest exact-size stores.
  void store_bytes(const Xbyak::RegExp& addr, const Xbyak::Xmm& x, int bytes);
  // Epilogue temporaries: the top registers, unused once the K loop is done.
  Vmm e_perm() const { return Vmm(kNumVmm - 1); }
  Vmm e_tmp() const { return Vmm(kNumVmm - 2); }
  Vmm e_tmp2() const { return Vmm(kNumVmm - 3); }
  Xbyak::Label l_narrow_, l_store_mask_;
};

// Entry points of the ISA families.
std::unique_ptr<JitCode> generate_gemm_avx2(const GemmUkernelDesc& d);
std::unique_ptr<JitCode> generate_gemm_avx2_vnni(const GemmUkernelDesc& d);
std::unique_ptr<JitCode> generate_gemm_avx512(const GemmUkernelDesc& d);
std::unique_ptr<JitCode> generate_gemm_avx512_vnni(const GemmUkernelDesc& d);

}  // namespace qjit::x86
