// AVX2 GEMM microkernel, 6 x 16 (12 ymm accumulators).
//   u8x4-maddubs: VPMADDUBSW (u8 x s8 -> int16 pairs, exact because the packer checked |b0 + b1| <= 128),
//                 VPMADDWD with ones (pairs -> int32), VPADDD.
//   s16x2-madd:   VPMADDWD on int16 activations and weights (exact for all inputs), VPADDD.
// 16 registers: 12 accumulators + broadcast + product + ones, so B is read from memory by each row's multiply.
#include "jit/x86/gemm_microkernel.h"

namespace qjit::x86 {
namespace {

class GemmAvx2 final : public GemmMicrokernel<Xbyak::Ymm> {
 public:
  using GemmMicrokernel::GemmMicrokernel;

 protected:
  bool b_in_registers() const override { return false; }
  Xbyak::Ymm product() const { return Xbyak::Ymm(first_free()); }
  Xbyak::Ymm ones16() const { return Xbyak::Ymm(first_free() + 1); }

  void prepare_dot() override {
    if (d_.layout.dot != DotKind::maddubs) return;
    mov(eax, 0x00010001);
    vmovd(Xbyak::Xmm(ones16().getIdx()), eax);
    vpbroadcastd(ones16(), Xbyak::Xmm(ones16().getIdx()));
  }

  void dot(const Xbyak::Ymm& acc, const Xbyak::Ymm& a, const Xbyak::Operand& b) override {
    if (d_.layout.dot == DotKind::madd16) {
      vpmaddwd(product(), a, b);
    } else {
      vpmaddubsw(product(), a, b);
      vpmaddwd(product(), product(), ones16());
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
