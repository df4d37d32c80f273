// Requantize int32 accumulators -> u8 / s8 (the GEMM / conv output stage, also a kernel of its own).
//   onednn:  y = clamp(rint(f32(f32(acc) + bias_f) * mult + f32(zp)), qmin, qmax)
//   qnnpack: y = clamp(rint(f32(acc + bias_i) * mult) + zp, qmin, qmax)
// mult per tensor (broadcast) or per column; bias, when present, always per column.
#include "jit/x86/eltwise_generator.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit::x86 {
namespace {

template <class Vmm>
class RequantizeGenerator : public EltwiseGenerator<Vmm> {
  using Base = EltwiseGenerator<Vmm>;
  using Base::reg_args, Base::reg_bias, Base::reg_dst, Base::reg_scale, Base::reg_src, Base::reg_tmp;

 public:
  using Base::Base;

  void generate() {
    const EltwiseDesc& d = this->desc_;
    const QType t = d.qtype;
    const bool onednn = d.formula == RequantFormula::onednn;
    const int out_bytes = static_cast<int>(qtype_size(t));

    this->preamble();
    this->load_common_args();
    const Vmm v_mult = this->vmm(0), v_zp = this->vmm(1), v_lo = this->vmm(2), v_hi = this->vmm(3),
              v_clip = this->vmm(4);
    this->prepare_narrowing(5, 6);
    constexpr int kFirstTemp = 7;

    const auto arg32 = [&](size_t offset) { return this->dword[reg_args + offset]; };
    if (!d.per_channel) this->vbroadcastss(v_mult, this->ptr[reg_scale]);
    this->broadcast_f32(v_clip, ref::kInt32ClipF);
    if (onednn) {
      // Zero point added in float before rounding; clamp to [qmin, qmax] after.
      this->vpbroadcastd(v_zp, arg32(offsetof(EltwiseArgs, out_zero_point)));
      this->vcvtdq2ps(v_zp, v_zp);
      this->vpbroadcastd(v_lo, arg32(offsetof(EltwiseArgs, qmin)));
      this->vpbroadcastd(v_hi, arg32(offsetof(EltwiseArgs, qmax)));
    } else {
      // Zero point added in int32 after rounding: clamp to [qmin - zp, qmax - zp], then add.
      this->vpbroadcastd(v_zp, arg32(offsetof(EltwiseArgs, out_zero_point)));
      this->mov(reg_tmp.cvt32(), arg32(offsetof(EltwiseArgs, qmin)));
      this->sub(reg_tmp.cvt32(), arg32(offsetof(EltwiseArgs, out_zero_point)));
      this->broadcast_gpr32(v_lo, reg_tmp.cvt32());
      this->mov(reg_tmp.cvt32(), arg32(offsetof(EltwiseArgs, qmax)));
      this->sub(reg_tmp.cvt32(), arg32(offsetof(EltwiseArgs, out_zero_point)));
      this->broadcast_gpr32(v_hi, reg_tmp.cvt32());
    }

    std::vector<std::pair<Xbyak::Reg64, int>> pointers = {{reg_src, 4}, {reg_dst, out_bytes}};
    if (d.per_channel) pointers.push_back({reg_scale, 4});
    if (d.has_bias) pointers.push_back({reg_bias, 4});
    this->element_loop(4, pointers, [&](int u, int off) {
      const Vmm v = this->vmm(kFirstTemp + 2 * u), mult = this->vmm(kFirstTemp + 2 * u + 1);
      const Vmm& use_mult = d.per_channel ? mult : v_mult;
      if (d.per_channel) this->vmovups(mult, this->ptr[reg_scale + off * 4]);
      this->vmovdqu32_or_u(v, this->ptr[reg_src + off * 4]);
      if (onednn) {
        this->vcvtdq2ps(v, v);
        if (d.has_bias) this->vaddps(v, v, this->ptr[reg_bias + off * 4]);
        this->vmulps(v, v, use_mult);  // separate multiply and add, never FMA: the reference rounds twice
        this->vaddps(v, v, v_zp);
      } else {
        if (d.has_bias) this->vpaddd(v, v, this->ptr[reg_bias + off * 4]);
        this->vcvtdq2ps(v, v);
        this->vmulps(v, v, use_mult);
      }
      this->vminps(v, v, v_clip);
      this->round_to_int32(v, v);
      this->vpmaxsd(v, v, v_lo);
      this->vpminsd(v, v, v_hi);
      if (!onednn) this->vpaddd(v, v, v_zp);
      this->store_int32_as_q(this->ptr[reg_dst + off * out_bytes], v, t);
    });
    this->postamble();
  }
};

}  // namespace

std::unique_ptr<JitCode> generate_requantize(const EltwiseDesc& d) {
  return generate_for_width<RequantizeGenerator>(d);
}

}  // namespace qjit::x86
