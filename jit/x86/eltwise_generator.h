// Shared scaffolding of the element-wise generators (quantize, dequantize, requantize, min/max, f16): one class
// template over the vector register type, Ymm for the avx2 paths and Zmm for the avx512 paths, so both paths run
// the same instruction sequence at two widths.
//
// Calling convention: void kernel(const EltwiseArgs* args); args->n is a multiple of kVecElems.
// Loop structure: an unrolled loop of `unroll` vectors per iteration, then one vector at a time.
#pragma once

#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "jit/eltwise_desc.h"
#include "jit/x86/generator.h"

namespace qjit::x86 {

template <class Vmm>
class EltwiseGenerator : public JitGenerator {
 public:
  static constexpr bool kZmm = std::is_same_v<Vmm, Xbyak::Zmm>;
  static constexpr int kVecElems = kZmm ? 16 : 8;  // 32-bit lanes per register
  static constexpr int kNumVmm = kZmm ? 32 : 16;

  explicit EltwiseGenerator(const EltwiseDesc& d) : JitGenerator(d.name(), d.isa), desc_(d) {}

 protected:
  const EltwiseDesc desc_;

  // Register roles common to all element-wise kernels.
  const Xbyak::Reg64 reg_args = abi_param1;
  const Xbyak::Reg64 reg_src = rsi, reg_dst = rdx, reg_n = rcx, reg_scale = r8, reg_zp = r9, reg_bias = r10;
  const Xbyak::Reg64 reg_tmp = rax;

  void load_common_args() {
    mov(reg_src, ptr[reg_args + offsetof(EltwiseArgs, src)]);
    mov(reg_dst, ptr[reg_args + offsetof(EltwiseArgs, dst)]);
    mov(reg_n, ptr[reg_args + offsetof(EltwiseArgs, n)]);
    mov(reg_scale, ptr[reg_args + offsetof(EltwiseArgs, scale)]);
    mov(reg_zp, ptr[reg_args + offsetof(EltwiseArgs, zero_point)]);
    mov(reg_bias, ptr[reg_args + offsetof(EltwiseArgs, bias)]);
  }

  Vmm vmm(int i) const { return Vmm(i); }
  Xbyak::Xmm xmm_of(const Vmm& v) const { return Xbyak::Xmm(v.getIdx()); }

  // v = {bits, bits, ...}
  void broadcast_imm32(const Vmm& v, uint32_t bits) {
    mov(reg_tmp.cvt32(), bits);
    broadcast_gpr32(v, reg_tmp.cvt32());
  }
  void broadcast_gpr32(const Vmm& v, const Xbyak::Reg32& r) {
    if constexpr (kZmm) {
      vpbroadcastd(v, r);
    } else {
      vmovd(xmm_of(v), r);
      vpbroadcastd(v, xmm_of(v));
    }
  }
  void broadcast_f32(const Vmm& v, float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    broadcast_imm32(v, bits);
  }

  // dst = round-half-even(src) as int32, for src already clipped below 2^31 (NaN impossible here).
  // Rounding by immediate rather than MXCSR, so a caller's rounding mode cannot change the result.
  void round_to_int32(const Vmm& dst, const Vmm& src) {
    if constexpr (kZmm)
      vrndscaleps(dst, src, 0);
    else
      vroundps(dst, src, 0);
    vcvttps2dq(dst, dst);
  }

  // Loads `kVecElems` quantized values at addr, widened to int32.
  void load_q_as_int32(const Vmm& dst, const Xbyak::Address& addr, QType t) {
    switch (t) {
      case QType::u8: vpmovzxbd(dst, addr); break;
      case QType::s8: vpmovsxbd(dst, addr); break;
      case QType::s32: vmovdqu32_or_u(dst, addr); break;
    }
  }

  void vmovdqu32_or_u(const Vmm& dst, const Xbyak::Address& addr) {
    if constexpr (kZmm)
      vmovdqu32(dst, addr);
    else
      vmovdqu(dst, addr);
  }

  // Stores int32 lanes already clamped to the range of t. AVX2 narrows with a byte shuffle inside each 128-bit
  // lane followed by a cross-lane dword permute (vshuf/vperm prepared by prepare_narrowing()).
  void store_int32_as_q(const Xbyak::Address& addr, const Vmm& v, QType t) {
    if (t == QType::s32) {
      if constexpr (kZmm)
        vmovdqu32(addr, v);
      else
        vmovdqu(addr, v);
      return;
    }
    if constexpr (kZmm) {
      vpmovdb(addr, v);
    } else {
      vpshufb(v, v, narrow_shuffle_);
      vpermd(v, narrow_permute_, v);
      vmovq(addr, xmm_of(v));
    }
  }
  // Reserves two registers for AVX2 narrowing (no-op on zmm paths).
  void prepare_narrowing(int shuffle_reg, int permute_reg) {
    if constexpr (!kZmm) {
      narrow_shuffle_ = Vmm(shuffle_reg);
      narrow_permute_ = Vmm(permute_reg);
      // Byte 0 of each dword to the low 4 bytes of each 128-bit lane; then dwords 0 and 4 to the bottom.
      Xbyak::Label l_data, l_done;
      jmp(l_done, T_NEAR);
      align(32);
      L(l_data);
      for (int lane = 0; lane < 2; ++lane) {
        dd(0x0c080400u);
        dd(0x80808080u);
        dd(0x80808080u);
        dd(0x80808080u);
      }
      for (uint32_t i : {0u, 4u, 0u, 0u, 0u, 0u, 0u, 0u}) dd(i);
      L(l_done);
      vmovdqu(narrow_shuffle_, ptr[rip + l_data]);
      vmovdqu(narrow_permute_, ptr[rip + l_data + 32]);
    }
  }

  // Runs body(u, element_offset) for `unroll` vectors per iteration while n >= unroll * kVecElems, then one
  // vector at a time; advances each (register, bytes per element) pointer in `pointers`.
  void element_loop(int unroll, const std::vector<std::pair<Xbyak::Reg64, int>>& pointers,
                    const std::function<void(int u, int elem_offset)>& body) {
    Xbyak::Label l_unrolled, l_single, l_done;
    auto advance = [&](int elems) {
      for (const auto& [reg, bytes] : pointers) add(reg, elems * bytes);
      sub(reg_n, elems);
    };
    if (unroll > 1) {
      L(l_unrolled);
      cmp(reg_n, unroll * kVecElems);
      jb(l_single, T_NEAR);
      for (int u = 0; u < unroll; ++u) body(u, u * kVecElems);
      advance(unroll * kVecElems);
      jmp(l_unrolled, T_NEAR);
    }
    L(l_single);
    cmp(reg_n, kVecElems);
    jb(l_done, T_NEAR);
    body(0, 0);
    advance(kVecElems);
    jmp(l_single, T_NEAR);
    L(l_done);
  }

 private:
  Vmm narrow_shuffle_{0}, narrow_permute_{0};
};

// One entry point per op; each picks Ymm or Zmm from the descriptor's ISA.
std::unique_ptr<JitCode> generate_quantize(const EltwiseDesc& d);
std::unique_ptr<JitCode> generate_dequantize(const EltwiseDesc& d);
std::unique_ptr<JitCode> generate_requantize(const EltwiseDesc& d);
std::unique_ptr<JitCode> generate_minmax(const EltwiseDesc& d);
std::unique_ptr<JitCode> generate_convert_f16(const EltwiseDesc& d);

// Builds a generator of the right width for d.isa and finishes it.
template <template <class> class Gen>
std::unique_ptr<JitCode> generate_for_width(const EltwiseDesc& d) {
  if (d.isa == Isa::avx512 || d.isa == Isa::avx512_vnni) {
    auto g = std::make_unique<Gen<Xbyak::Zmm>>(d);
    g->generate();
    return finish(std::move(g));
  }
  auto g = std::make_unique<Gen<Xbyak::Ymm>>(d);
  g->generate();
  return finish(std::move(g));
}

}  // namespace qjit::x86
