// Dequantize u8 / s8 / s32 -> f32, per tensor or per channel, integer or float zero point.
// x = f32(int32(q - zp)) * scale (the subtraction wraps in int32 as ATen's does); float zp: (f32(q) - zp) * scale.
#include "jit/x86/eltwise_generator.h"

namespace qjit::x86 {
namespace {

template <class Vmm>
class DequantizeGenerator : public EltwiseGenerator<Vmm> {
  using Base = EltwiseGenerator<Vmm>;
  using Base::reg_dst, Base::reg_scale, Base::reg_src, Base::reg_zp;

 public:
  using Base::Base;

  void generate() {
    const EltwiseDesc& d = this->desc_;
    const QType t = d.qtype;
    const bool per_channel = d.per_channel;
    const bool float_zp = d.zp_kind == ZeroPointKind::floating;
    const int in_bytes = static_cast<int>(qtype_size(t));

    this->preamble();
    this->load_common_args();
    const Vmm v_scale = this->vmm(0), v_zp = this->vmm(1);
    constexpr int kFirstTemp = 2;
    if (!per_channel) {
      this->vbroadcastss(v_scale, this->ptr[reg_scale]);
      this->vbroadcastss(v_zp, this->ptr[reg_zp]);  // float bits or int32 bits, used as such
    }
    std::vector<std::pair<Xbyak::Reg64, int>> pointers = {{reg_src, in_bytes}, {reg_dst, 4}};
    if (per_channel) {
      pointers.push_back({reg_scale, 4});
      pointers.push_back({reg_zp, 4});
    }
    this->element_loop(4, pointers, [&](int u, int off) {
      const Vmm v = this->vmm(kFirstTemp + 3 * u), scale = this->vmm(kFirstTemp + 3 * u + 1),
                zp = this->vmm(kFirstTemp + 3 * u + 2);
      const Vmm& use_scale = per_channel ? scale : v_scale;
      const Vmm& use_zp = per_channel ? zp : v_zp;
      if (per_channel) {
        this->vmovups(scale, this->ptr[reg_scale + off * 4]);
        this->vmovups(zp, this->ptr[reg_zp + off * 4]);
      }
      this->load_q_as_int32(v, this->ptr[reg_src + off * in_bytes], t);
      if (float_zp) {
        this->vcvtdq2ps(v, v);
        this->vsubps(v, v, use_zp);
      } else {
        this->vpsubd(v, v, use_zp);
        this->vcvtdq2ps(v, v);
      }
      this->vmulps(v, v, use_scale);
      this->vmovups(this->ptr[reg_dst + off * 4], v);
    });
    this->postamble();
  }
};

}  // namespace

std::unique_ptr<JitCode> generate_dequantize(const EltwiseDesc& d) {
  return generate_for_width<DequantizeGenerator>(d);
}

}  // namespace qjit::x86
