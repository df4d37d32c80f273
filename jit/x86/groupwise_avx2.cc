// Groupwise convolution row kernel, AVX2 (also used on the AVX-512 paths), for cg = C/G = OC/G in {2, 4, 8, 16}.
// Per tap, the 16 input bytes of a block (16 / cg groups side by side) are widened to int16 (VPMOVZXBW) and
// multiplied by one weight vector per output channel j of the group (VPMADDWD): dword p of that vector's product
// is x[c] * w[g, j, c] + x[c + 1] * w[g, j, c + 1] for the channel pair (c, c + 1) at p, g being the pair's group.
// Exact for any int8 weights (VPMADDUBSW would saturate int16 pair sums: 255 * 127 * 2 > 32767).
// After the taps, the pair sums of a group are added together and put in channel order by a fixed shuffle per cg:
//   cg = 2:  a pair is the whole group: interleave (j = 0, 1) with VPUNPCK{L,H}DQ.
//   cg = 4:  one VPHADDD level (2 pairs per group), then an interleave to (j = 0..3) per group.
//   cg = 8:  two VPHADDD levels (4 pairs per group, one group per 128-bit lane) give (j = 0..3), (j = 4..7).
//   cg = 16: as cg = 8 per chunk of 8 output channels, then the two lanes (channels 0-7, 8-15) added.
// Two 128-bit lanes always end up as VPERM2I128 halves. The initial values are added then, and the sums stored as
// int32 or requantized per 8 channels (float multiply and add as the formula rounds them, clamp in float, round
// half to even, pack with saturation). Weight vectors are loaded once and used for up to four
// pixels at a time (pixels_per_step), since at 4 or fewer output channels per group a pixel alone would do one
// weight load per VPMADDWD.
#include <algorithm>

#include "jit/groupwise_desc.h"
#include "jit/x86/generator.h"

namespace qjit::x86 {
namespace {

class GroupwiseAvx2 final : public JitGenerator {
 public:
  explicit GroupwiseAvx2(const GroupwiseDesc& d)
      : JitGenerator(d.name(), d.isa, code_bytes(d)), d_(d), J_(d.vectors()), chunks_(d.chunks()) {}

  // Each tap is unrolled in 2 step widths x (whole block, tail block) x chunks; ~700 bytes bounds one tap of one
  // (4 pixels, tail loads); 16 KiB the rest (the epilogues). Groupwise.LargestKernelFitsItsCode checks 64 taps.
  static size_t code_bytes(const GroupwiseDesc& d) { return 16384 + size_t{d.taps} * 4 * static_cast<size_t>(d.chunks()) * 700; }

  void generate() {
    preamble({rbx, r12, r13, r14, r15});
    mov(reg_args, abi_param1);
    mov(reg_taps, ptr[reg_args + offsetof(GroupwiseKernelArgs, taps)]);
    mov(reg_pixels, ptr[reg_args + offsetof(GroupwiseKernelArgs, pixels)]);
    mov(reg_out, ptr[reg_args + offsetof(GroupwiseKernelArgs, out)]);
    mov(reg_out_stride, ptr[reg_args + offsetof(GroupwiseKernelArgs, out_stride)]);

    const int wide = pixels_per_step();
    Xbyak::Label l_wide, l_narrow, l_done;
    L(l_wide);
    cmp(reg_pixels, wide);
    jb(l_narrow, T_NEAR);
    step(wide);
    sub(reg_pixels, wide);
    jmp(l_wide, T_NEAR);
    L(l_narrow);
    if (wide > 1) {
      test(reg_pixels, reg_pixels);
      jz(l_done, T_NEAR);
      step(1);
      dec(reg_pixels);
      jmp(l_narrow, T_NEAR);
    }
    L(l_done);
    postamble();
  }

 private:
  // Accumulators of a step: pixels x J <= 8 registers, leaving room for the pixels' inputs, a weight and two
  // products.
  int pixels_per_step() const { return std::max(1, std::min(4, 8 / J_)); }

  // `np` output pixels: every block of 16 channels, then the taps and output pointers move on by np pixels.
  void step(int np) {
    mov(reg_w, ptr[reg_args + offsetof(GroupwiseKernelArgs, weights)]);
    xor_(reg_c, reg_c);
    mov(reg_blocks, ptr[reg_args + offsetof(GroupwiseKernelArgs, channels)]);
    shr(reg_blocks, 4);
    Xbyak::Label l_block, l_blocks_done;
    test(reg_blocks, reg_blocks);
    jz(l_blocks_done, T_NEAR);
    L(l_block);
    block(np, 16);
    add(reg_c, 16);
    dec(reg_blocks);
    jnz(l_block, T_NEAR);
    L(l_blocks_done);
    if (d_.c_tail) block(np, d_.c_tail);
    add(reg_taps, np * d_.taps * 8);
    for (int q = 0; q < np; ++q) add(reg_out, reg_out_stride);
  }

  Xbyak::Ymm acc(int q, int v) const { return Xbyak::Ymm(q * J_ + v); }
  Xbyak::Ymm input(int q) const { return Xbyak::Ymm(8 + q); }

  // One block of `width` input channels (16, or the tail) at channel offset reg_c, for np pixels.
  void block(int np, int width) {
    const Xbyak::Ymm weight(12), prod0(13), prod1(14);
    for (int k = 0; k < chunks_; ++k) {
      for (int q = 0; q < np; ++q)
        for (int v = 0; v < J_; ++v) vpxor(acc(q, v), acc(q, v), acc(q, v));
      for (int t = 0; t < d_.taps; ++t) {
        for (int q = 0; q < np; ++q) load_tap(input(q), q * d_.taps + t, width);
        for (int v = 0; v < J_; ++v) {
          const auto w_addr = ptr[reg_w + (t * J_ + v) * 32];
          if (np > 1) vmovdqu(weight, w_addr);
          for (int q = 0; q < np; ++q) {
            const Xbyak::Ymm& prod = (q + v) % 2 ? prod1 : prod0;
            if (np > 1)
              vpmaddwd(prod, input(q), weight);
            else
              vpmaddwd(prod, input(q), w_addr);
            vpaddd(acc(q, v), acc(q, v), prod);
          }
        }
      }
      add(reg_w, d_.taps * J_ * 32);
      for (int q = 0; q < np; ++q) finish(q, k);
    }
  }

  // Pair sums of pixel q to channel order, plus the initial values, stored at out + q * out_stride + reg_c (+ the
  // chunk's 8 channels for cg = 16) in the output type.
  void finish(int q, int k) {
    const Xbyak::Ymm a0 = acc(q, 0), a1 = acc(q, 1), t = Xbyak::Ymm(13);
    Xbyak::Ymm lo, hi;  // channels +0..7, +8..15 of the block
    switch (d_.group_channels) {
      case 2:
        vpunpckldq(t, a0, a1);  // per lane: groups 0, 1 (lane 0) / 4, 5 (lane 1), j = 0, 1
        vpunpckhdq(a1, a0, a1);  // groups 2, 3 / 6, 7
        vperm2i128(a0, t, a1, 0x20);
        vperm2i128(a1, t, a1, 0x31);
        lo = a0, hi = a1;
        break;
      case 4: {
        const Xbyak::Ymm a2 = acc(q, 2), a3 = acc(q, 3);
        vphaddd(a0, a0, a1);     // per lane: (ga, 0), (gb, 0), (ga, 1), (gb, 1)
        vphaddd(a2, a2, a3);     // (ga, 2), (gb, 2), (ga, 3), (gb, 3)
        vpunpckldq(a1, a0, a2);  // (ga, 0), (ga, 2), (gb, 0), (gb, 2)
        vpunpckhdq(a3, a0, a2);  // (ga, 1), (ga, 3), (gb, 1), (gb, 3)
        vpunpckldq(a0, a1, a3);  // ga: j = 0..3 (lane 0: group 0, lane 1: group 2)
        vpunpckhdq(a2, a1, a3);  // gb: j = 0..3 (groups 1, 3)
        vperm2i128(a1, a0, a2, 0x20);
        vperm2i128(a3, a0, a2, 0x31);
        lo = a1, hi = a3;
        break;
      }
      default: {  // 8, 16: eight vectors j = 0..7 of the chunk
        for (int v = 0; v < 8; v += 2) vphaddd(acc(q, v), acc(q, v), acc(q, v + 1));
        vphaddd(acc(q, 0), acc(q, 0), acc(q, 2));  // per lane: j = 0..3
        vphaddd(acc(q, 4), acc(q, 4), acc(q, 6));  // j = 4..7
        vperm2i128(acc(q, 1), acc(q, 0), acc(q, 4), 0x20);
        vperm2i128(acc(q, 3), acc(q, 0), acc(q, 4), 0x31);
        lo = acc(q, 1), hi = acc(q, 3);
        if (d_.group_channels == 16) vpaddd(lo, lo, hi);  // one group: its two lanes are halves of the same sums
        break;
      }
    }
    mov(reg_init, ptr[reg_args + offsetof(GroupwiseKernelArgs, acc_init)]);
    if (d_.out == GroupwiseOut::s32)
      lea(reg_ptr, ptr[reg_out + reg_c * 4]);
    else
      lea(reg_ptr, ptr[reg_out + reg_c]);
    for (int i = 0; i < q; ++i) add(reg_ptr, reg_out_stride);
    const int first = k * 8;  // channel of lo within the block
    if (d_.out != GroupwiseOut::s32) {
      vbroadcastss(out_lo, ptr[reg_args + offsetof(GroupwiseKernelArgs, lo)]);
      vbroadcastss(out_hi, ptr[reg_args + offsetof(GroupwiseKernelArgs, hi)]);
      if (d_.qnnpack)
        vpbroadcastd(out_zp, ptr[reg_args + offsetof(GroupwiseKernelArgs, zero_point)]);
      else
        vbroadcastss(out_zp, ptr[reg_args + offsetof(GroupwiseKernelArgs, zero_point_f)]);
    }
    vpaddd(lo, lo, ptr[reg_init + reg_c * 4 + first * 4]);
    store8(lo, first);
    if (d_.group_channels != 16) {
      vpaddd(hi, hi, ptr[reg_init + reg_c * 4 + 32]);
      store8(hi, 8);
    }
  }

  // Stores the 8 int32 sums of channels reg_c + first .. + 7 at reg_ptr (this pixel's output at reg_c): as they
  // are, or requantized (registers 8..15 are free: the inputs, weight and products are dead after the taps).
  void store8(const Xbyak::Ymm& acc, int first) {
    if (d_.out == GroupwiseOut::s32) {
      vmovdqu(ptr[reg_ptr + first * 4], acc);
      return;
    }
    const Xbyak::Ymm v(8), t(9);
    const Xbyak::Xmm vx(8), tx(9);
    mov(reg_tmp, ptr[reg_args + offsetof(GroupwiseKernelArgs, multiplier)]);
    const auto mult = ptr[reg_tmp + reg_c * 4 + first * 4];
    if (d_.qnnpack) {
      mov(reg_tmp, ptr[reg_args + offsetof(GroupwiseKernelArgs, bias_i)]);
      vpaddd(v, acc, ptr[reg_tmp + reg_c * 4 + first * 4]);
      vcvtdq2ps(v, v);
      mov(reg_tmp, ptr[reg_args + offsetof(GroupwiseKernelArgs, multiplier)]);
      vmulps(v, v, mult);
    } else {
      vcvtdq2ps(v, acc);
      mov(reg_tmp, ptr[reg_args + offsetof(GroupwiseKernelArgs, bias_f)]);
      vaddps(v, v, ptr[reg_tmp + reg_c * 4 + first * 4]);
      mov(reg_tmp, ptr[reg_args + offsetof(GroupwiseKernelArgs, multiplier)]);
      vmulps(v, v, mult);  // separate multiply and add, as the formula rounds twice (no FMA)
      vaddps(v, v, out_zp);
    }
    vmaxps(v, v, out_lo);
    vminps(v, v, out_hi);
    vcvtps2dq(v, v);  // round half to even (MXCSR default), as nearbyint
    if (d_.qnnpack) vpaddd(v, v, out_zp);
    vextracti128(tx, v, 1);
    vpackssdw(vx, vx, tx);  // within [-128, 255]: exact in int16
    if (d_.out == GroupwiseOut::u8)
      vpackuswb(vx, vx, vx);
    else
      vpacksswb(vx, vx, vx);
    vmovq(ptr[reg_ptr + first], vx);
  }

  // x = the `width` input bytes of tap entry `entry` (pixel * taps + tap) at channel offset reg_c, widened to
  // int16 (bytes past width: 0).
  void load_tap(const Xbyak::Ymm& x, int entry, int width) {
    mov(reg_ptr, ptr[reg_taps + entry * 8]);
    if (width == 16) {
      vpmovzxbw(x, ptr[reg_ptr + reg_c]);
      return;
    }
    // Exactly `width` bytes, so the last pixel of an image is never read past.
    add(reg_ptr, reg_c);
    const Xbyak::Xmm xx(x.getIdx());
    vpxor(xx, xx, xx);
    int off = 0;
    if (width - off >= 8) {
      vmovq(xx, ptr[reg_ptr]);
      off += 8;
    }
    for (; off + 4 <= width; off += 4) vpinsrd(xx, xx, ptr[reg_ptr + off], off / 4);
    for (; off + 2 <= width; off += 2) vpinsrw(xx, xx, ptr[reg_ptr + off], off / 2);
    vpmovzxbw(x, xx);
  }

  const GroupwiseDesc d_;
  const int J_, chunks_;
  // Requantization constants, broadcast once per pixel's epilogue (registers 8..15 are free there).
  const Xbyak::Ymm out_lo{10}, out_hi{11}, out_zp{12};
  const Xbyak::Reg64 reg_args = r15, reg_taps = r8, reg_pixels = r9, reg_out = r10, reg_w = r11, reg_c = r12,
                     reg_blocks = r13, reg_out_stride = r14, reg_ptr = rbx, reg_init = rax, reg_tmp = rdx;
};

}  // namespace

std::unique_ptr<JitCode> generate_groupwise_avx2(const GroupwiseDesc& d) {
  auto g = std::make_unique<GroupwiseAvx2>(d);
  g->generate();
  return finish(std::move(g));
}

}  // namespace qjit::x86
