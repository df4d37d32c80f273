// Descriptor of the generated depthwise-convolution row kernel: for each output pixel of a row, for each block of
// 32 channels, int32 sums over the taps of (x * w), started from a per-channel initial value (the activation
// zero-point term), stored as int32 in channel order. Taps come through an indirection table (one input pointer
// per pixel and tap, padded taps pointing at a buffer of zero points), so stride, dilation, padding and the number
// of spatial dimensions need no code of their own. The key holds the tap count, the channel remainder and how
// many tap pairs the int16 partial sums may take (packing/depthwise_weights.h), not the image size.
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
  const int8_t* weights = nullptr;       // DepthwiseWeights::packed()
  const int32_t* acc_init = nullptr;     // [channels padded to 32]
  int32_t* out = nullptr;                // [pixels][channels], plus 32 int32 of slack after the last pixel
  size_t channels = 0;
};

using DepthwiseKernelFn = void(const DepthwiseKernelArgs*);

struct DepthwiseDesc {
  static constexpr int kBlock = 32;  // channels per step: one ymm of input bytes per tap

  Isa isa = Isa::avx2;
  uint8_t taps = 9;         // kernel_d * kernel_h * kernel_w
  uint8_t c_tail = 0;       // channels % 32: the last block loads exactly this many bytes per tap
  uint8_t flush_pairs = 8;  // tap pairs summed in int16 before they are added to the int32 sums

  bool operator==(const DepthwiseDesc& o) const {
    return isa == o.isa && taps == o.taps && c_tail == o.c_tail && flush_pairs == o.flush_pairs;
  }
  size_t hash() const {
    return static_cast<size_t>(isa) | size_t{taps} << 4 | size_t{c_tail} << 12 | size_t{flush_pairs} << 20;
  }
  // Taps rounded up to whole pairs (one VPMADDUBSW adds two taps per channel).
  int tap_pairs() const { return (taps + 1) / 2; }
  std::string name() const;
  std::unique_ptr<JitCode> generate() const;
};

}  // namespace qjit
