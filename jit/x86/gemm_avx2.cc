// AVX2 GEMM microkernel.
//   u8x4-maddubs, 6 x 16: VPMADDUBSW (u8 x s8 -> int16 pairs, exact because the packer checked
//                 |b0 + b1| <= 128), VPMADDWD with ones (pairs -> int32), VPADDD. 16 registers: 12 accumulators +
//                 broadcast + product + ones, so B is read from memory by each row's multiply (2 multiplies per
//                 load keep the load ports below their limit).
//   s16x2-madd, 6 x 16: VPMADDWD on int16 pairs (exact for all inputs), VPADDD; weights are int16 in the
//                 panel. Activations: when each row meets several panels, the driver widened them to int16 rows
//                 (a k pair is one VPBROADCASTD load, no vector-pipe op); else they are widened in the
//                 broadcast (VPBROADCASTW + VPSHUFB), cheaper than a widening pass for a single use. One multiply per
//                 B load would saturate the load ports, so B stays in registers: 12 accumulators + broadcast +
//                 2 B vectors + product, and the shuffle's mask is a memory operand.
//                 a_octets (single panel): 8 bytes of a row widened once for 4 pairs (GemmMicrokernel::octet_step),
//                 B from memory.
#include "jit/x86/gemm_microkernel.h"

namespace qjit::x86 {
namespace {

class GemmAvx2 final : public GemmMicrokernel<Xbyak::Ymm> {
 public:
  using GemmMicrokernel::GemmMicrokernel;

 protected:
  bool madd16() const { return d_.layout.dot == DotKind::madd16; }
  bool b_in_registers() const override { return madd16() && !d_.a_octets; }
  Xbyak::Label l_widen_;
  Xbyak::Ymm product() const { return Xbyak::Ymm(first_free()); }
  // The second constant: int16 ones (maddubs) or the widening shuffle (madd16).
  Xbyak::Ymm constant() const { return Xbyak::Ymm(first_free() + 1); }

  void prepare_dot() override {
    if (madd16()) return;
    mov(eax, 0x00010001u);  // int16 ones
    vmovd(Xbyak::Xmm(constant().getIdx()), eax);
    vpbroadcastd(constant(), Xbyak::Xmm(constant().getIdx()));
  }

  void broadcast_a(const Xbyak::Ymm& dst, const Xbyak::RegExp& src) override {
    if (!widen_in_broadcast()) return GemmMicrokernel::broadcast_a(dst, src);
    vpbroadcastw(dst, word[src]);
    vpshufb(dst, dst, ptr[rip + l_widen_]);
  }

  void emit_data() override {
    if (!widen_in_broadcast()) return;
    // [a0 a1] -> [a0 0 a1 0] in each dword: shuffle indices 0, -, 1, -.
    align(32);
    L(l_widen_);
    for (int i = 0; i < 8; ++i) dd(0x80018000u);
  }

  void dot(const Xbyak::Ymm& acc, const Xbyak::Ymm& a, const Xbyak::Operand& b) override {
    if (d_.layout.dot == DotKind::madd16) {
      vpmaddwd(product(), a, b);
    } else {
      vpmaddubsw(product(), a, b);
      vpmaddwd(product(), product(), constant());
    }
    vpaddd(acc, acc, product());
  }
};

}  // namespace

std::unique_ptr<JitCode> generate_gemm_avx2(const GemmUkernelDesc& d) {
  auto g = std::make_unique<GemmAvx2>(d);
  g->generate();
  return finish(std::move(g));
}

}  // namespace qjit::x86
