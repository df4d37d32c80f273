// f32 <-> f16 with the F16C instructions; the rounding immediate 0 (nearest even) ignores MXCSR.
#include "jit/x86/eltwise_generator.h"

namespace qjit::x86 {
namespace {

template <class Vmm>
class ConvertF16Generator : public EltwiseGenerator<Vmm> {
  using Base = EltwiseGenerator<Vmm>;
  using Base::reg_dst, Base::reg_src;
  // A half vector is half as wide: xmm under ymm, ymm under zmm.
  using HalfVmm = std::conditional_t<Base::kZmm, Xbyak::Ymm, Xbyak::Xmm>;

 public:
  using Base::Base;

  void generate() {
    const bool to_f16 = this->desc_.op == EltwiseOp::f32_to_f16;
    this->preamble();
    this->load_common_args();
    const int src_bytes = to_f16 ? 4 : 2, dst_bytes = to_f16 ? 2 : 4;
    this->element_loop(4, {{reg_src, src_bytes}, {reg_dst, dst_bytes}}, [&](int u, int off) {
      const Vmm v = this->vmm(u);
      if (to_f16) {
        this->vmovups(v, this->ptr[reg_src + off * 4]);
        this->vcvtps2ph(this->ptr[reg_dst + off * 2], v, 0);
      } else {
        this->vcvtph2ps(v, this->ptr[reg_src + off * 2]);
        this->vmovups(this->ptr[reg_dst + off * 4], v);
      }
    });
    this->postamble();
  }
};

}  // namespace

std::unique_ptr<JitCode> generate_convert_f16(const EltwiseDesc& d) {
  return generate_for_width<ConvertF16Generator>(d);
}

}  // namespace qjit::x86
