// AVX-512 VNNI GEMM microkernel, 6 x 64: EVEX VPDPBUSD zmm. 32 registers: 24 accumulators + broadcast + 4 B
// vectors; two VPDPBUSD per cycle need about 10 loads per 24 multiplies, within the load ports' budget.
#include "jit/x86/gemm_microkernel.h"

namespace qjit::x86 {
namespace {

class GemmAvx512Vnni final : public GemmMicrokernel<Xbyak::Zmm> {
 public:
  using GemmMicrokernel::GemmMicrokernel;

 protected:
  bool b_in_registers() const override { return true; }
  void dot(const Xbyak::Zmm& acc, const Xbyak::Zmm& a, const Xbyak::Operand& b) override { vpdpbusd(acc, a, b); }
};

}  // namespace

std::unique_ptr<JitCode> generate_gemm_avx512_vnni(const GemmUkernelDesc& d) {
  auto g = std::make_unique<GemmAvx512Vnni>(d);
  g->generate();
  return finish(std::move(g));
}

}  // namespace qjit::x86
