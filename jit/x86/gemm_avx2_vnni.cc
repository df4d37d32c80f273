// AVX2 + AVX-VNNI GEMM microkernel, 6 x 16: VEX-encoded VPDPBUSD (u8 x s8, 4 products summed into int32 with no
// intermediate saturation). 16 registers: 12 accumulators + broadcast + the 2 B vectors of a k group.
#include "jit/x86/gemm_microkernel.h"

namespace qjit::x86 {
namespace {

class GemmAvx2Vnni final : public GemmMicrokernel<Xbyak::Ymm> {
 public:
  using GemmMicrokernel::GemmMicrokernel;

 protected:
  bool b_in_registers() const override { return true; }
  void dot(const Xbyak::Ymm& acc, const Xbyak::Ymm& a, const Xbyak::Operand& b) override {
    vpdpbusd(acc, a, b, Xbyak::VexEncoding);
  }
};

}  // namespace

std::unique_ptr<JitCode> generate_gemm_avx2_vnni(const GemmUkernelDesc& d) {
  auto g = std::make_unique<GemmAvx2Vnni>(d);
  g->generate();
  return finish(std::move(g));
}

}  // namespace qjit::x86
