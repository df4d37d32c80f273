// AVX2 GEMM microkernel.
//   u8x4-maddubs, 6 x 16: VPMADDUBSW (u8 x s8 -> int16 pairs, exact because the packer checked
//                 |b0 + b1| <= 128), VPMADDWD with ones (pairs -> int32), VPADDD. 16 registers: 12 accumulators +
//                 broadcast + product + ones, so B is read from memory by each row's multiply (2 multiplies per
//                 load keep the load ports below their limit).
//   s16x2-madd, 6 x 16: VPMADDWD on int16 pairs (exact for all inputs), VPADDD; the driver widened A to int16
//                 rows, so a k pair is one VPBROADCASTD load (a load-port op only: no shuffle on the vector
//                 pipes, which the multiplies and adds keep busy); weights are int16 in the panel. One multiply
//                 per B load would saturate the load ports, so B stays in registers: 12 accumulators +
//                 broadcast + 2 B vectors + product.
#include "jit/x86/gemm_microkernel.h"

namespace qjit::x86 {
namespace {

class GemmAvx2 final : public GemmMicrokernel<Xbyak::Ymm> {
 public:
  using GemmMicrokernel::GemmMicrokernel;

 protected:
  bool madd16() const { return d_.layout.dot == DotKind::madd16; }
  bool b_in_registers() const override { return madd16(); }
  Xbyak::Ymm product() const { return Xbyak::Ymm(first_free()); }
  // int16 ones (maddubs only).
  Xbyak::Ymm ones() const { return Xbyak::Ymm(first_free() + 1); }

  void prepare_dot() override {
    if (madd16()) return;
    mov(eax, 0x00010001u);  // int16 ones
    vmovd(Xbyak::Xmm(ones().getIdx()), eax);
    vpbroadcastd(ones(), Xbyak::Xmm(ones().getIdx()));
  }

  void dot(const Xbyak::Ymm& acc, const Xbyak::Ymm& a, const Xbyak::Operand& b) override {
    if (d_.layout.dot == DotKind::madd16) {
      vpmaddwd(product(), a, b);
    } else {
      vpmaddubsw(product(), a, b);
      vpmaddwd(product(), product(), ones());
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
