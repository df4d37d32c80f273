// Descriptor of the generated depthwise-convolution row kernel: for each output pixel of a row, for each block of
// 16 channels, int32 sums over the taps of (x * w), started from a per-channel initial value (the activation
// zero-point term), stored as int32 in channel order. Taps come through an indirection table (one input pointer
// per pixel and tap, padded taps pointing at a buffer of zero points), so stride, dilation and padding need no
// code of their own. The key holds the tap count and the channel remainder, not the image size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jit/cpu.h"
#include "jit/jit_code.h"

namespace qjit {

struct DepthwiseKernelArgs {
  const uint8_t* const* taps = nullptr;  // [pixels][taps_padded]: input pointers at channel 0
  size_t pixels = 0;
  const int16_t* weights = nullptr;      // per 16-channel block: [tap pairs][2 vectors of 8 x (w_t0, w_t1)]
  const int32_t* acc_init = nullptr;     // [channels padded to 16]
  int32_t* out = nullptr;                // [pixels][channels], plus 16 int32 of slack after the last pixel
  size_t channels = 0;
};

using DepthwiseKernelFn = void(const DepthwiseKernelArgs*);

struct DepthwiseDesc {
  Isa isa = Isa::avx2;
  uint8_t taps = 9;       // kernel_h * kernel_w
  uint8_t c_tail = 0;     // channels % 16: the last block loads exactly this many bytes per tap

  bool operator==(const DepthwiseDesc& o) const { return isa == o.isa && taps == o.taps && c_tail == o.c_tail; }
  size_t hash() const { return static_cast<size_t>(isa) | size_t{taps} << 4 | size_t{c_tail} << 12; }
  // Taps rounded up to whole pairs (VPMADDWD adds two taps per lane).
  int tap_pairs() const { return (taps + 1) / 2; }
  std::string name() const;
  std::unique_ptr<JitCode> generate() const;
};

}  // namespace qjit
