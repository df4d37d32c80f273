// Depthwise convolution row kernel, AVX2 (also used on the AVX-512 paths): 16 channels per step, two taps per
// VPMADDWD. For a block, the 16 input bytes of taps t and t+1 are widened to int16 (VPMOVZXBW) and interleaved
// (VPUNPCKLWD / VPUNPCKHWD), which inside each 128-bit lane pairs (x_t, x_t+1) per channel; the weights were
// packed in that same order, so the two accumulators hold channels {0-3, 8-11} and {4-7, 12-15}, put back in
// order by VPERM2I128 before the store. Exact: |x * w| sums of two taps fit VPMADDWD's int32 lanes.
#include "jit/depthwise_desc.h"
#include "jit/x86/generator.h"

namespace qjit::x86 {
namespace {

class DepthwiseAvx2 final : public JitGenerator {
 public:
  explicit DepthwiseAvx2(const DepthwiseDesc& d) : JitGenerator(d.name(), d.isa), d_(d) {}

  void generate() {
    const int pairs = d_.tap_pairs(), taps_padded = 2 * pairs;
    preamble({rbx, r12, r13, r14, r15});
    mov(reg_args, abi_param1);
    mov(reg_taps, ptr[reg_args + offsetof(DepthwiseKernelArgs, taps)]);
    mov(reg_pixels, ptr[reg_args + offsetof(DepthwiseKernelArgs, pixels)]);
    mov(reg_out, ptr[reg_args + offsetof(DepthwiseKernelArgs, out)]);

    Xbyak::Label l_pixel, l_done;
    test(reg_pixels, reg_pixels);
    jz(l_done, T_NEAR);
    L(l_pixel);
    mov(reg_w, ptr[reg_args + offsetof(DepthwiseKernelArgs, weights)]);
    mov(reg_init, ptr[reg_args + offsetof(DepthwiseKernelArgs, acc_init)]);
    xor_(reg_c, reg_c);  // channel offset of the block
    mov(reg_full, ptr[reg_args + offsetof(DepthwiseKernelArgs, channels)]);
    shr(reg_full, 4);    // whole 16-channel blocks

    Xbyak::Label l_block, l_blocks_done;
    test(reg_full, reg_full);
    jz(l_blocks_done, T_NEAR);
    L(l_block);
    block(pairs, 16);
    add(reg_c, 16);
    dec(reg_full);
    jnz(l_block, T_NEAR);
    L(l_blocks_done);
    if (d_.c_tail) block(pairs, d_.c_tail);

    add(reg_taps, taps_padded * 8);
    // out advances by `channels` int32 per pixel
    mov(rax, ptr[reg_args + offsetof(DepthwiseKernelArgs, channels)]);
    lea(reg_out, ptr[reg_out + rax * 4]);
    dec(reg_pixels);
    jnz(l_pixel, T_NEAR);
    L(l_done);
    postamble();
  }

 private:
  // One block of `width` channels (16, or the tail) at channel offset reg_c for the current pixel.
  void block(int pairs, int width) {
    const Xbyak::Ymm acc_lo(0), acc_hi(1), x0(2), x1(3), lo(4), hi(5), t(6);
    // Initial values come in channel order (0-7, 8-15); the accumulators want {0-3, 8-11} and {4-7, 12-15}.
    vmovdqu(acc_lo, ptr[reg_init + reg_c * 4]);
    vmovdqu(acc_hi, ptr[reg_init + reg_c * 4 + 32]);
    vperm2i128(t, acc_lo, acc_hi, 0x20);
    vperm2i128(acc_hi, acc_lo, acc_hi, 0x31);
    vmovdqa(acc_lo, t);
    for (int p = 0; p < pairs; ++p) {
      load_tap(x0, 2 * p, width);
      load_tap(x1, 2 * p + 1, width);
      vpunpcklwd(lo, x0, x1);
      vpunpckhwd(hi, x0, x1);
      vpmaddwd(lo, lo, ptr[reg_w]);
      vpmaddwd(hi, hi, ptr[reg_w + 32]);
      vpaddd(acc_lo, acc_lo, lo);
      vpaddd(acc_hi, acc_hi, hi);
      add(reg_w, 64);
    }
    vperm2i128(t, acc_lo, acc_hi, 0x20);       // channels 0-7
    vperm2i128(acc_hi, acc_lo, acc_hi, 0x31);  // channels 8-15
    vmovdqu(ptr[reg_out + reg_c * 4], t);
    vmovdqu(ptr[reg_out + reg_c * 4 + 32], acc_hi);
  }

  // x = the `width` input bytes of tap `tap` at channel offset reg_c, widened to int16 (bytes past width: 0).
  void load_tap(const Xbyak::Ymm& x, int tap, int width) {
    mov(reg_ptr, ptr[reg_taps + tap * 8]);
    add(reg_ptr, reg_c);
    const Xbyak::Xmm xx(x.getIdx());
    if (width == 16) {
      vpmovzxbw(x, ptr[reg_ptr]);
      return;
    }
    // Exactly `width` bytes, so the last pixel of an image is never read past.
    vpxor(xx, xx, xx);
    int off = 0;
    if (width - off >= 8) {
      vmovq(xx, ptr[reg_ptr]);
      off += 8;
    }
    for (; off + 4 <= width; off += 4) vpinsrd(xx, xx, ptr[reg_ptr + off], off / 4);
    for (; off + 2 <= width; off += 2) vpinsrw(xx, xx, ptr[reg_ptr + off], off / 2);
    for (; off < width; ++off) vpinsrb(xx, xx, ptr[reg_ptr + off], off);
    vpmovzxbw(x, xx);
  }

  const DepthwiseDesc d_;
  const Xbyak::Reg64 reg_args = r15, reg_taps = r8, reg_pixels = r9, reg_out = r10, reg_w = r11, reg_init = r12,
                     reg_c = r13, reg_full = r14, reg_ptr = rbx;
};

}  // namespace

std::unique_ptr<JitCode> generate_depthwise_avx2(const DepthwiseDesc& d) {
  auto g = std::make_unique<DepthwiseAvx2>(d);
  g->generate();
  return finish(std::move(g));
}

}  // namespace qjit::x86
