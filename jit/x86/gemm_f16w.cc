// fp32 GEMM microkernel over fp16-stored weights, 6 x (2 vectors): per k, the panel row is widened with
// VCVTPH2PS, each row's activation broadcast, and accumulated with VFMADD231PS. One accumulator per output, k in
// order, so the result equals the reference's sequence of fmaf calls bit for bit.
// Registers: 12 accumulators + 2 widened weight vectors + broadcast = 15 (ymm), the same count on zmm.
#include <type_traits>

#include "jit/x86/gemm_f16w.h"
#include "jit/x86/generator.h"

namespace qjit::x86 {
namespace {

template <class Vmm>
class GemmF16wGenerator : public JitGenerator {
  static constexpr bool kZmm = std::is_same_v<Vmm, Xbyak::Zmm>;
  static constexpr int kLanes = kZmm ? 16 : 8, kNv = 2, kVecBytes = kLanes * 4;
  using HalfVec = std::conditional_t<kZmm, Xbyak::Ymm, Xbyak::Xmm>;

 public:
  explicit GemmF16wGenerator(const GemmF16Desc& d) : JitGenerator(d.name(), d.isa), d_(d) {}

  void generate() {
    const int mr = d_.mr, nr = kNv * kLanes;
    preamble({rbx, r12, r13, r14, r15});
    mov(reg_args, abi_param1);
    mov(reg_a, ptr[reg_args + offsetof(GemmF16KernelArgs, a)]);
    mov(reg_lda, ptr[reg_args + offsetof(GemmF16KernelArgs, lda)]);
    mov(reg_b, ptr[reg_args + offsetof(GemmF16KernelArgs, b)]);
    mov(reg_k, ptr[reg_args + offsetof(GemmF16KernelArgs, k)]);
    if (mr > 3) {
      lea(reg_a3, ptr[reg_a + reg_lda * 2]);
      add(reg_a3, reg_lda);
    }
    for (int m = 0; m < mr; ++m)
      for (int v = 0; v < kNv; ++v) vxorps(acc(m, v), acc(m, v), acc(m, v));

    Xbyak::Label l_loop, l_done;
    test(reg_k, reg_k);
    jz(l_done, T_NEAR);
    L(l_loop);
    for (int v = 0; v < kNv; ++v) vcvtph2ps(w(v), ptr[reg_b + v * kLanes * 2]);
    for (int m = 0; m < mr; ++m) {
      vbroadcastss(a_bcast(), a_row(m));
      for (int v = 0; v < kNv; ++v) vfmadd231ps(acc(m, v), a_bcast(), w(v));
    }
    add(reg_a, 4);
    if (mr > 3) add(reg_a3, 4);
    add(reg_b, nr * 2);
    dec(reg_k);
    jnz(l_loop, T_NEAR);
    L(l_done);

    mov(reg_bias, ptr[reg_args + offsetof(GemmF16KernelArgs, bias)]);
    if (d_.full_n) {
      mov(reg_out, ptr[reg_args + offsetof(GemmF16KernelArgs, c)]);
      mov(reg_ldo, ptr[reg_args + offsetof(GemmF16KernelArgs, ldc)]);
    } else {
      mov(reg_out, ptr[reg_args + offsetof(GemmF16KernelArgs, scratch)]);
      mov(reg_ldo, nr * 4);
    }
    for (int m = 0; m < mr; ++m) {
      for (int v = 0; v < kNv; ++v) {
        if (d_.has_bias) vaddps(acc(m, v), acc(m, v), ptr[reg_bias + v * kVecBytes]);
        vmovups(ptr[reg_out + v * kVecBytes], acc(m, v));
      }
      if (m + 1 < mr) add(reg_out, reg_ldo);
    }
    if (!d_.full_n) {
      // Copy the valid columns of each row from scratch to C.
      mov(reg_out, ptr[reg_args + offsetof(GemmF16KernelArgs, c)]);
      mov(reg_ldo, ptr[reg_args + offsetof(GemmF16KernelArgs, ldc)]);
      for (int m = 0; m < mr; ++m) {
        mov(rsi, ptr[reg_args + offsetof(GemmF16KernelArgs, scratch)]);
        if (m) add(rsi, m * nr * 4);
        mov(rdi, reg_out);
        mov(rcx, ptr[reg_args + offsetof(GemmF16KernelArgs, n_valid)]);
        shl(rcx, 2);
        rep();
        movsb();
        if (m + 1 < mr) add(reg_out, reg_ldo);
      }
    }
    postamble();
  }

 private:
  Vmm acc(int m, int v) const { return Vmm(m * kNv + v); }
  Vmm w(int v) const { return Vmm(12 + v); }
  Vmm a_bcast() const { return Vmm(14); }
  Xbyak::Address a_row(int m) {
    const Xbyak::Reg64& base = m < 3 ? reg_a : reg_a3;
    switch (m % 3) {
      case 0: return dword[base];
      case 1: return dword[base + reg_lda];
      default: return dword[base + reg_lda * 2];
    }
  }

  const GemmF16Desc d_;
  const Xbyak::Reg64 reg_args = r15, reg_a = r8, reg_a3 = r9, reg_lda = r10, reg_b = r11, reg_k = r12,
                     reg_bias = r13, reg_out = r14, reg_ldo = rbx;
};

}  // namespace

std::unique_ptr<JitCode> generate_gemm_f16w(const GemmF16Desc& d) {
  if (d.isa == Isa::avx512 || d.isa == Isa::avx512_vnni) {
    auto g = std::make_unique<GemmF16wGenerator<Xbyak::Zmm>>(d);
    g->generate();
    return finish(std::move(g));
  }
  auto g = std::make_unique<GemmF16wGenerator<Xbyak::Ymm>>(d);
  g->generate();
  return finish(std::move(g));
}

}  // namespace qjit::x86
