// Depthwise convolution row kernel, AVX2 (also used on the AVX-512 paths): 32 channels per step, two taps per
// VPMADDUBSW. The 32 input bytes of taps t and t+1 are interleaved (VPUNPCKLBW / VPUNPCKHBW: one shuffle per 16
// channels and tap pair), giving (x_t, x_t+1) byte pairs of channels A = {0-7, 16-23} and B = {8-15, 24-31}.
//
// Why the weights are split: u8 x s8 pair sums (up to 2 * 255 * 128) overflow VPMADDUBSW's saturating int16, so
// each weight is packed as w = 16 * hi + lo with lo in [-8, 7] (packing/depthwise_weights.h) and the kernel runs
// two VPMADDUBSW per pair, on hi and on lo, whose pair sums stay within 2 * 255 * 16: exact. They accumulate in
// int16 for `flush_pairs` pairs (bounded so that the sum cannot wrap), then VPUNPCK{L,H}WD + VPMADDWD by (1, 16)
// adds lo + 16 * hi into the int32 sums. Why not widen to int16 and use VPMADDWD (the previous kernel): that
// takes two widenings and two interleaves (four shuffles, on Zen 3's two shuffle pipes) per 16 channels and tap
// pair; here one shuffle per 16 channels and pair, the rest on the two multiply pipes (with the fused output stage,
// 1.2-2.5x the previous kernel on the MobileNet-V2 layers; bench/RESULTS.md, also for where the time goes: the
// requantization costs about as much as the taps at 3x3).
//
// Register budget (16 ymm): 4 int32 sums, 4 int16 partial sums (hi / lo of A / B), 2 input taps, 2 interleaved
// pairs, 2 products, the (1, 16) constant, the float clip of the fused requantization.
#include <algorithm>

#include "jit/depthwise_desc.h"
#include "jit/x86/generator.h"

namespace qjit::x86 {
namespace {

class DepthwiseAvx2 final : public JitGenerator {
 public:
  // The tap pairs are unrolled, twice (whole blocks and the tail): up to ~250 bytes per pair.
  explicit DepthwiseAvx2(const DepthwiseDesc& d)
      : JitGenerator(d.name(), d.isa, 4096 + static_cast<size_t>(d.tap_pairs()) * 512), d_(d) {}

  void generate() {
    const int taps_padded = 2 * d_.tap_pairs();
    preamble({rbx, r12, r13, r14, r15});
    mov(reg_args, abi_param1);
    mov(reg_taps, ptr[reg_args + offsetof(DepthwiseKernelArgs, taps)]);
    mov(reg_base, ptr[reg_args + offsetof(DepthwiseKernelArgs, base)]);
    mov(reg_pixels, ptr[reg_args + offsetof(DepthwiseKernelArgs, pixels)]);
    mov(reg_out, ptr[reg_args + offsetof(DepthwiseKernelArgs, out)]);
    mov(reg_init, ptr[reg_args + offsetof(DepthwiseKernelArgs, acc_init)]);
    if (d_.out != QType::s32) {
      mov(reg_mult, ptr[reg_args + offsetof(DepthwiseKernelArgs, mult)]);
      mov(reg_bias, ptr[reg_args + offsetof(DepthwiseKernelArgs, bias_f)]);
      vbroadcastss(v_clip, dword[reg_args + offsetof(DepthwiseKernelArgs, clip)]);
    }
    mov(eax, 0x00100001);  // int16 pairs (lo, hi) times (1, 16)
    vmovd(Xbyak::Xmm(lo_hi_weights.getIdx()), eax);
    vpbroadcastd(lo_hi_weights, Xbyak::Xmm(lo_hi_weights.getIdx()));

    Xbyak::Label l_pixel, l_done;
    test(reg_pixels, reg_pixels);
    jz(l_done, T_NEAR);
    L(l_pixel);
    mov(reg_w, ptr[reg_args + offsetof(DepthwiseKernelArgs, weights)]);
    xor_(reg_c, reg_c);  // channel offset of the block
    mov(reg_full, ptr[reg_args + offsetof(DepthwiseKernelArgs, channels)]);
    shr(reg_full, 5);    // whole 32-channel blocks

    Xbyak::Label l_block, l_blocks_done;
    test(reg_full, reg_full);
    jz(l_blocks_done, T_NEAR);
    L(l_block);
    block(DepthwiseDesc::kBlock);
    add(reg_c, DepthwiseDesc::kBlock);
    dec(reg_full);
    jnz(l_block, T_NEAR);
    L(l_blocks_done);
    if (d_.c_tail) block(d_.c_tail);

    add(reg_taps, taps_padded * 8);
    // out advances by `channels` values per pixel
    mov(rax, ptr[reg_args + offsetof(DepthwiseKernelArgs, channels)]);
    if (d_.out == QType::s32)
      lea(reg_out, ptr[reg_out + rax * 4]);
    else
      add(reg_out, rax);
    dec(reg_pixels);
    jnz(l_pixel, T_NEAR);
    L(l_done);
    postamble();
  }

 private:
  // One block of `width` channels (32, or the tail) at channel offset reg_c for the current pixel.
  void block(int width) {
    const int pairs = d_.tap_pairs();
    lea(reg_base_c, ptr[reg_base + reg_c]);
    bool first = true;
    for (int p0 = 0; p0 < pairs; p0 += d_.flush_pairs) {
      for (const auto& v : {hi_a, lo_a, hi_b, lo_b}) vpxor(v, v, v);
      for (int p = p0; p < std::min(pairs, p0 + d_.flush_pairs); ++p) {
        load_tap(x0, 2 * p, width);
        load_tap(x1, 2 * p + 1, width);
        vpunpcklbw(pair_a, x0, x1);
        vpunpckhbw(pair_b, x0, x1);
        vpmaddubsw(prod_a, pair_a, ptr[reg_w]);
        vpmaddubsw(prod_b, pair_b, ptr[reg_w + 64]);
        vpaddw(hi_a, hi_a, prod_a);
        vpaddw(hi_b, hi_b, prod_b);
        vpmaddubsw(prod_a, pair_a, ptr[reg_w + 32]);
        vpmaddubsw(prod_b, pair_b, ptr[reg_w + 96]);
        vpaddw(lo_a, lo_a, prod_a);
        vpaddw(lo_b, lo_b, prod_b);
        add(reg_w, 128);
      }
      // int32 sums of channels {0-3, 16-19}, {4-7, 20-23}, {8-11, 24-27}, {12-15, 28-31}: lo + 16 * hi.
      const Xbyak::Ymm* sums[4] = {&sum0, &sum1, &sum2, &sum3};
      for (int i = 0; i < 4; ++i) {
        const Xbyak::Ymm& lo = i < 2 ? lo_a : lo_b;
        const Xbyak::Ymm& hi = i < 2 ? hi_a : hi_b;
        const Xbyak::Ymm& dst = first ? *sums[i] : (i % 2 ? prod_b : prod_a);
        if (i % 2 == 0)
          vpunpcklwd(dst, lo, hi);
        else
          vpunpckhwd(dst, lo, hi);
        vpmaddwd(dst, dst, lo_hi_weights);
        if (!first) vpaddd(*sums[i], *sums[i], dst);
      }
      first = false;
    }
    if (d_.out != QType::s32) {
      requantize_store();
      return;
    }
    // Back to channel order, plus the initial values (in channel order, padded to whole blocks).
    vperm2i128(x0, sum0, sum1, 0x20);    // 0-7
    vperm2i128(x1, sum2, sum3, 0x20);    // 8-15
    vperm2i128(sum0, sum0, sum1, 0x31);  // 16-23
    vperm2i128(sum2, sum2, sum3, 0x31);  // 24-31
    vpaddd(x0, x0, ptr[reg_init + reg_c * 4]);
    vpaddd(x1, x1, ptr[reg_init + reg_c * 4 + 32]);
    vpaddd(sum0, sum0, ptr[reg_init + reg_c * 4 + 64]);
    vpaddd(sum2, sum2, ptr[reg_init + reg_c * 4 + 96]);
    // A tail block stores all 32: the lanes past `channels` land in the next pixel's place (rewritten when that
    // pixel is done) or in the output's slack after the last pixel.
    vmovdqu(ptr[reg_out + reg_c * 4], x0);
    vmovdqu(ptr[reg_out + reg_c * 4 + 32], x1);
    vmovdqu(ptr[reg_out + reg_c * 4 + 64], sum0);
    vmovdqu(ptr[reg_out + reg_c * 4 + 96], sum2);
  }

  // The fused output stage of one block, on the sums in their own lane order (the per-channel arrays come in it):
  // the eltwise requantize kernel's sequence (jit/x86/requantize_gen.cc), so the results are the same bits. Two
  // VPACKSSDW and one VPACK[SU]SWB then put the 32 bytes in channel order; values are clamped to [qmin, qmax]
  // first, so the saturating packs change nothing. A tail block stores 32 bytes too (slack, as for int32).
  void requantize_store() {
    const bool onednn = d_.formula == RequantFormula::onednn;
    const Xbyak::Ymm v_zp = x0, v_lo = x1, v_hi = pair_a, v_mult = prod_a;
    const auto arg = [&](size_t offset) { return dword[reg_args + offset]; };
    if (onednn)
      vbroadcastss(v_zp, arg(offsetof(DepthwiseKernelArgs, zero_point_f)));
    else
      vpbroadcastd(v_zp, arg(offsetof(DepthwiseKernelArgs, zero_point)));
    vpbroadcastd(v_lo, arg(offsetof(DepthwiseKernelArgs, lo)));
    vpbroadcastd(v_hi, arg(offsetof(DepthwiseKernelArgs, hi)));
    if (!d_.per_channel) vbroadcastss(v_mult, dword[reg_mult]);
    const Xbyak::Ymm* sums[4] = {&sum0, &sum1, &sum2, &sum3};
    for (int i = 0; i < 4; ++i) {
      const Xbyak::Ymm& v = *sums[i];
      vpaddd(v, v, ptr[reg_init + reg_c * 4 + 32 * i]);  // qnnpack: the int32 bias is folded in by the caller
      vcvtdq2ps(v, v);
      if (onednn && d_.has_bias) vaddps(v, v, ptr[reg_bias + reg_c * 4 + 32 * i]);
      if (d_.per_channel) {
        vmulps(v, v, ptr[reg_mult + reg_c * 4 + 32 * i]);
      } else {
        vmulps(v, v, v_mult);
      }
      if (onednn) vaddps(v, v, v_zp);  // separate multiply and add, never FMA: the reference rounds twice
      vminps(v, v, v_clip);
      vroundps(v, v, 0);  // to nearest even, whatever MXCSR says
      vcvttps2dq(v, v);
      vpmaxsd(v, v, v_lo);
      vpminsd(v, v, v_hi);
      if (!onednn) vpaddd(v, v, v_zp);
    }
    // sum0 | sum1 = channels {0-7 | 16-23}, sum2 | sum3 = {8-15 | 24-31} as int16; then bytes 0-15 | 16-31.
    vpackssdw(sum0, sum0, sum1);
    vpackssdw(sum2, sum2, sum3);
    if (d_.out == QType::u8)
      vpackuswb(sum0, sum0, sum2);
    else
      vpacksswb(sum0, sum0, sum2);
    vmovdqu(ptr[reg_out + reg_c], sum0);
  }

  // x = the `width` input bytes of tap `tap` at channel offset reg_c (base + offset + c; bytes past width: 0).
  void load_tap(const Xbyak::Ymm& x, int tap, int width) {
    mov(reg_ptr, ptr[reg_taps + tap * 8]);
    if (width == DepthwiseDesc::kBlock) {
      vmovdqu(x, ptr[reg_ptr + reg_base_c]);
      return;
    }
    // Exactly `width` bytes, so the last pixel of an image is never read past.
    add(reg_ptr, reg_base_c);
    const Xbyak::Xmm xx(x.getIdx());
    if (width >= 16) {
      const Xbyak::Xmm rest(prod_a.getIdx());
      load_partial(rest, 16, width - 16);
      vmovdqu(xx, ptr[reg_ptr]);
      vinserti128(x, x, rest, 1);
    } else {
      load_partial(xx, 0, width);  // a VEX xmm write clears the upper half
    }
  }

  // xx = n < 16 bytes at reg_ptr + offset, zero above.
  void load_partial(const Xbyak::Xmm& xx, int offset, int n) {
    vpxor(xx, xx, xx);
    int off = 0;
    if (n >= 8) {
      vmovq(xx, ptr[reg_ptr + offset]);
      off = 8;
    }
    for (; off + 4 <= n; off += 4) vpinsrd(xx, xx, ptr[reg_ptr + offset + off], off / 4);
    for (; off + 2 <= n; off += 2) vpinsrw(xx, xx, ptr[reg_ptr + offset + off], off / 2);
    for (; off < n; ++off) vpinsrb(xx, xx, ptr[reg_ptr + offset + off], off);
  }

  const DepthwiseDesc d_;
  const Xbyak::Reg64 reg_args = r15, reg_taps = r8, reg_pixels = r9, reg_out = r10, reg_w = r11, reg_init = r12,
                     reg_c = r13, reg_full = r14, reg_ptr = rbx, reg_base = rcx, reg_base_c = rdx,
                     reg_mult = rsi, reg_bias = rdi;  // rdi once abi_param1 is copied to reg_args
  const Xbyak::Ymm v_clip{15};                            // requantization: the largest float below 2^31
  const Xbyak::Ymm sum0{0}, sum1{1}, sum2{2}, sum3{3};    // int32 sums (lane order above)
  const Xbyak::Ymm hi_a{4}, lo_a{5}, hi_b{6}, lo_b{7};    // int16 partial sums of the split weights
  const Xbyak::Ymm x0{8}, x1{9};                          // input bytes of taps 2p, 2p + 1
  const Xbyak::Ymm pair_a{10}, pair_b{11};                // (x_2p, x_2p+1) byte pairs of channels A, B
  const Xbyak::Ymm prod_a{12}, prod_b{13};                // products, flush terms, a tail load's upper half
  const Xbyak::Ymm lo_hi_weights{14};                     // int16 (1, 16) pairs
};

}  // namespace

std::unique_ptr<JitCode> generate_depthwise_avx2(const DepthwiseDesc& d) {
  auto g = std::make_unique<DepthwiseAvx2>(d);
  g->generate();
  return finish(std::move(g));
}

}  // namespace qjit::x86
