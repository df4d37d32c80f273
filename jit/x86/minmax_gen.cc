// Min and max of f32 data, folded into dst[0] (min) and dst[1] (max). NaNs are skipped: the data is the first
// operand of vminps/vmaxps, which return the second operand (the running value) when either is NaN.
#include <limits>

#include "jit/x86/eltwise_generator.h"

namespace qjit::x86 {
namespace {

template <class Vmm>
class MinMaxGenerator : public EltwiseGenerator<Vmm> {
  using Base = EltwiseGenerator<Vmm>;
  using Base::reg_dst, Base::reg_src;
  static constexpr int kAcc = 4;  // independent accumulators hide the min/max latency

 public:
  using Base::Base;

  void generate() {
    this->preamble();
    this->load_common_args();
    // v_min[i] = vmm(i), v_max[i] = vmm(kAcc + i), data temps after them.
    for (int i = 0; i < kAcc; ++i) {
      this->broadcast_f32(this->vmm(i), std::numeric_limits<float>::infinity());
      this->broadcast_f32(this->vmm(kAcc + i), -std::numeric_limits<float>::infinity());
    }
    this->element_loop(kAcc, {{reg_src, 4}}, [&](int u, int off) {
      const Vmm x = this->vmm(2 * kAcc + u), mn = this->vmm(u), mx = this->vmm(kAcc + u);
      this->vmovups(x, this->ptr[reg_src + off * 4]);
      this->vminps(mn, x, mn);
      this->vmaxps(mx, x, mx);
    });
    for (int i = 1; i < kAcc; ++i) {
      this->vminps(this->vmm(0), this->vmm(0), this->vmm(i));
      this->vmaxps(this->vmm(kAcc), this->vmm(kAcc), this->vmm(kAcc + i));
    }
    reduce_to_scalar(this->vmm(0), true);
    reduce_to_scalar(this->vmm(kAcc), false);
    const Xbyak::Xmm mn(0), mx(kAcc);
    this->vminss(mn, mn, this->dword[reg_dst]);
    this->vmaxss(mx, mx, this->dword[reg_dst + 4]);
    this->vmovss(this->dword[reg_dst], mn);
    this->vmovss(this->dword[reg_dst + 4], mx);
    this->postamble();
  }

 private:
  // Folds the lanes of v into its lowest lane.
  void reduce_to_scalar(const Vmm& v, bool is_min) {
    const Xbyak::Xmm x(v.getIdx());
    const Xbyak::Xmm tmp(2 * kAcc);
    auto fold = [&](const Xbyak::Xmm& a, const Xbyak::Xmm& b) {
      if (is_min)
        this->vminps(a, a, b);
      else
        this->vmaxps(a, a, b);
    };
    if constexpr (Base::kZmm) {
      const Xbyak::Ymm y(v.getIdx()), ytmp(2 * kAcc);
      this->vextractf32x8(ytmp, v, 1);
      fold(y, ytmp);
    }
    const Xbyak::Ymm y(v.getIdx());
    this->vextractf128(tmp, y, 1);
    fold(x, tmp);
    this->vmovhlps(tmp, tmp, x);
    fold(x, tmp);
    this->vpshufd(tmp, x, 1);
    fold(x, tmp);
  }
};

}  // namespace

std::unique_ptr<JitCode> generate_minmax(const EltwiseDesc& d) { return generate_for_width<MinMaxGenerator>(d); }

}  // namespace qjit::x86
