// AVX-512BW GEMM microkernel, 6 x 64 (24 zmm accumulators): the AVX2 sequences at twice the width
// (VPMADDUBSW + VPMADDWD, or VPMADDWD alone on the s16x2 layout, with activations widened by the driver or in
// the broadcast).
// 32 registers: 24 accumulators + broadcast + 4 B vectors + product + ones (or the widening shuffle).
#include "jit/x86/gemm_microkernel.h"

namespace qjit::x86 {
namespace {

class GemmAvx512 final : public GemmMicrokernel<Xbyak::Zmm> {
 public:
  using GemmMicrokernel::GemmMicrokernel;

 protected:
  bool b_in_registers() const override { return true; }
  bool madd16() const { return d_.layout.dot == DotKind::madd16; }
  Xbyak::Zmm product() const { return Xbyak::Zmm(first_free()); }
  Xbyak::Zmm constant() const { return Xbyak::Zmm(first_free() + 1); }

  void prepare_dot() override {
    if (madd16() && !widen_in_broadcast()) return;
    mov(eax, madd16() ? 0x80018000u : 0x00010001u);  // widening shuffle, or int16 ones
    vpbroadcastd(constant(), eax);
  }

  void broadcast_a(const Xbyak::Zmm& dst, const Xbyak::RegExp& src) override {
    if (!widen_in_broadcast()) return GemmMicrokernel::broadcast_a(dst, src);
    vpbroadcastw(dst, word[src]);
    vpshufb(dst, dst, constant());
  }

  void dot(const Xbyak::Zmm& acc, const Xbyak::Zmm& a, const Xbyak::Operand& b) override {
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

std::unique_ptr<JitCode> generate_gemm_avx512(const GemmUkernelDesc& d) {
  auto g = std::make_unique<GemmAvx512>(d);
  g->generate();
  return finish(std::move(g));
}

}  // namespace qjit::x86
