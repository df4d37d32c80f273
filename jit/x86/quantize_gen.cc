// Quantize f32 -> u8 / s8 / s32, per tensor or per channel (parameters indexed like the data), integer or float
// zero point. Numerics: kernels/reference/quantize_ref.h (ATen's quantize_val).
#include "jit/x86/eltwise_generator.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit::x86 {
namespace {

template <class Vmm>
class QuantizeGenerator : public EltwiseGenerator<Vmm> {
  using Base = EltwiseGenerator<Vmm>;
  using Base::kVecElems;
  using Base::reg_dst, Base::reg_scale, Base::reg_src, Base::reg_zp, Base::reg_tmp;

 public:
  using Base::Base;

  void generate() {
    const EltwiseDesc& d = this->desc_;
    const QType t = d.qtype;
    const bool per_channel = d.per_channel;
    const bool float_zp = d.zp_kind == ZeroPointKind::floating;
    const int out_bytes = static_cast<int>(qtype_size(t));

    this->preamble();
    this->load_common_args();

    // Constants. Per tensor: 1/scale and the zero point live in registers for the whole call.
    const Vmm v_clip = this->vmm(0), v_qmin = this->vmm(1), v_qmax = this->vmm(2);
    const Vmm v_inv = this->vmm(3), v_zp = this->vmm(4), v_big = this->vmm(5), v_intmax = this->vmm(6);
    this->prepare_narrowing(7, 8);
    constexpr int kFirstTemp = 9;
    this->broadcast_f32(v_clip, ref::kInt32ClipF);
    if (!per_channel) {
      this->vbroadcastss(v_inv, this->ptr[reg_scale]);
      if (float_zp) {
        this->vbroadcastss(v_zp, this->ptr[reg_zp]);
      } else if (t == QType::s32) {
        this->vbroadcastss(v_zp, this->ptr[reg_zp]);  // int32 bits, converted once below
        this->vcvtdq2ps(v_zp, v_zp);
      } else {
        // Clamp the rounded value to [qmin - zp, qmax - zp], then add zp: exact, and no int32 overflow.
        this->mov(reg_tmp.cvt32(), static_cast<uint32_t>(qtype_min(t)));
        this->sub(reg_tmp.cvt32(), this->dword[reg_zp]);
        this->broadcast_gpr32(v_qmin, reg_tmp.cvt32());
        this->mov(reg_tmp.cvt32(), static_cast<uint32_t>(qtype_max(t)));
        this->sub(reg_tmp.cvt32(), this->dword[reg_zp]);
        this->broadcast_gpr32(v_qmax, reg_tmp.cvt32());
        this->vpbroadcastd(v_zp, this->ptr[reg_zp]);
      }
    }
    if (per_channel || float_zp) {
      this->broadcast_imm32(v_qmin, static_cast<uint32_t>(qtype_min(t)));
      this->broadcast_imm32(v_qmax, static_cast<uint32_t>(qtype_max(t)));
    }
    const Vmm v_neg_big = v_inv;  // free per channel, where 1/scale comes from memory
    if (per_channel && !float_zp && t != QType::s32) {
      // The zero point varies by lane: clamp the rounded value to +-2^16 first (anything beyond clamps to
      // qmin/qmax anyway) so that adding the zero point cannot overflow, then clamp to the type's range.
      this->broadcast_imm32(v_big, 1u << 16);
      this->broadcast_imm32(v_neg_big, static_cast<uint32_t>(-(1 << 16)));
    }
    if (t == QType::s32) {
      this->broadcast_f32(v_big, 2147483648.0f);
      this->broadcast_imm32(v_intmax, 0x7fffffffu);
    }

    const int unroll = per_channel ? 2 : 4;
    std::vector<std::pair<Xbyak::Reg64, int>> pointers = {{reg_src, 4}, {reg_dst, out_bytes}};
    if (per_channel) {
      pointers.push_back({reg_scale, 4});
      pointers.push_back({reg_zp, 4});
    }
    this->element_loop(unroll, pointers, [&](int u, int off) {
      // Per tensor a vector needs one register; per channel also its 1/scale and zero point (hence unroll 2).
      const int stride = per_channel ? 3 : 1;
      const Vmm v = this->vmm(kFirstTemp + stride * u), inv = this->vmm(kFirstTemp + stride * u + 1),
                zp = this->vmm(kFirstTemp + stride * u + 2);
      const Vmm& use_inv = per_channel ? inv : v_inv;
      const Vmm& use_zp = per_channel ? zp : v_zp;
      if (per_channel) {
        this->vmovups(inv, this->ptr[reg_scale + off * 4]);
        if (float_zp)
          this->vmovups(zp, this->ptr[reg_zp + off * 4]);
        else
          this->vmovdqu32_or_u(zp, this->ptr[reg_zp + off * 4]);
        if (t == QType::s32 && !float_zp) this->vcvtdq2ps(zp, zp);
      }
      this->vmulps(v, use_inv, this->ptr[reg_src + off * 4]);
      if (float_zp) this->vaddps(v, v, use_zp);  // float zero point: added before rounding
      if (t == QType::s32 && !float_zp) {
        // ATen adds a qint32 zero point in float after rounding, then saturates.
        if constexpr (Base::kZmm)
          this->vrndscaleps(v, v, 0);
        else
          this->vroundps(v, v, 0);
        this->vaddps(v, v, use_zp);
        saturate_to_int32(v, v_big, v_intmax);
        this->store_int32_as_q(this->ptr[reg_dst + off * out_bytes], v, t);
        return;
      }
      this->vminps(v, v, v_clip);  // NaN takes the second operand: NaN -> clip -> qmax, as the reference
      this->round_to_int32(v, v);
      if (float_zp) {
        this->vpmaxsd(v, v, v_qmin);
        this->vpminsd(v, v, v_qmax);
      } else if (per_channel) {
        this->vpminsd(v, v, v_big);
        this->vpmaxsd(v, v, v_neg_big);
        this->vpaddd(v, v, zp);
        this->vpmaxsd(v, v, v_qmin);
        this->vpminsd(v, v, v_qmax);
      } else {
        this->vpmaxsd(v, v, v_qmin);  // here v_qmin/v_qmax are qmin - zp and qmax - zp
        this->vpminsd(v, v, v_qmax);
        this->vpaddd(v, v, v_zp);
      }
      this->store_int32_as_q(this->ptr[reg_dst + off * out_bytes], v, t);
    });
    this->postamble();
  }

 private:
  // v (integral floats) -> int32 with saturation: >= 2^31 gives INT32_MAX; below -2^31 and NaN give INT32_MIN
  // (what vcvttps2dq yields for them).
  void saturate_to_int32(const Vmm& v, const Vmm& v_big, const Vmm& v_intmax) {
    if constexpr (Base::kZmm) {
      this->vcmpps(this->k1, v, v_big, 13 /* GE_OS */);
      this->vcvttps2dq(v, v);
      this->vmovdqa32(v | this->k1, v_intmax);
    } else {
      const Vmm mask = this->vmm(Base::kNumVmm - 1);
      this->vcmpps(mask, v, v_big, 13 /* GE_OS */);
      this->vcvttps2dq(v, v);
      this->vblendvps(v, v, v_intmax, mask);
    }
  }
};

}  // namespace

std::unique_ptr<JitCode> generate_quantize(const EltwiseDesc& d) { return generate_for_width<QuantizeGenerator>(d); }

}  // namespace qjit::x86
