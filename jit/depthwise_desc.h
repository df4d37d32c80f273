// Descriptor of the generated depthwise-convolution row kernel: for each output pixel of a row, for each block of
// 32 channels, int32 sums over the taps of (x * w), started from a per-channel initial value (the activation
// zero-point term), stored as int32 in channel order or requantized to bytes. Taps come through an indirection
// table (one input offset per pixel and tap, from a per-row base), so stride, dilation, padding and the number
// of spatial dimensions need no code of their own. The key holds the tap count, the channel remainder and how
// many tap pairs the int16 partial sums may take (packing/depthwise_weights.h), not the image size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jit/cpu.h"
#include "jit/jit_code.h"
#include "kernels/qtype.h"

namespace qjit {

struct DepthwiseKernelArgs {
  // [pixels][taps_padded]: byte offsets from `base` of each tap's input pixel (channel 0). The caller pads the
  // input with zero points, so every tap is in bounds and one table serves every output row.
  const ptrdiff_t* taps = nullptr;
  const uint8_t* base = nullptr;
  size_t pixels = 0;
  const int8_t* weights = nullptr;       // DepthwiseWeights::packed()
  // [channels padded to 32]: in channel order for s32 output; for u8 / s8, like mult and the biases, in the
  // order of the kernel's int32 sums, per block of 32: {0-3, 16-19, 4-7, 20-23, 8-11, 24-27, 12-15, 28-31}.
  const int32_t* acc_init = nullptr;
  // [pixels][channels] of the output type (int32, or bytes when requantized), plus one block of slack.
  void* out = nullptr;
  size_t channels = 0;
  // Requantization (u8 / s8), the formulas of kernels/gemm_output.h; per-channel arrays as acc_init. qnnpack's
  // int32 bias is added to the sum first, so the caller folds it into acc_init.
  const float* mult = nullptr;  // [1], or [channels padded] when per_channel
  const float* bias_f = nullptr;
  float zero_point_f = 0, clip = 0;  // onednn: the zero point in float; the largest float below 2^31
  int32_t zero_point = 0, lo = 0, hi = 0;  // clamp bounds (qnnpack: minus the zero point, added after)
};

using DepthwiseKernelFn = void(const DepthwiseKernelArgs*);

struct DepthwiseDesc {
  static constexpr int kBlock = 32;  // channels per step: one ymm of input bytes per tap

  Isa isa = Isa::avx2;
  uint8_t taps = 9;         // kernel_d * kernel_h * kernel_w
  uint8_t c_tail = 0;       // channels % 32: the last block loads exactly this many bytes per tap
  uint8_t flush_pairs = 8;  // tap pairs summed in int16 before they are added to the int32 sums
  QType out = QType::s32;   // u8 / s8: requantized in the kernel (fused), no int32 round trip through memory
  RequantFormula formula = RequantFormula::onednn;
  bool per_channel = false;  // multiplier per channel
  bool has_bias = false;     // bias_f (onednn) or bias_i (qnnpack)

  bool operator==(const DepthwiseDesc& o) const {
    return isa == o.isa && taps == o.taps && c_tail == o.c_tail && flush_pairs == o.flush_pairs && out == o.out &&
           formula == o.formula && per_channel == o.per_channel && has_bias == o.has_bias;
  }
  size_t hash() const {
    return static_cast<size_t>(isa) | size_t{taps} << 4 | size_t{c_tail} << 12 | size_t{flush_pairs} << 20 |
           static_cast<size_t>(out) << 28 | static_cast<size_t>(formula) << 30 | size_t{per_channel} << 32 |
           size_t{has_bias} << 33;
  }
  // Taps rounded up to whole pairs (one VPMADDUBSW adds two taps per channel).
  int tap_pairs() const { return (taps + 1) / 2; }
  std::string name() const;
  std::unique_ptr<JitCode> generate() const;
};

}  // namespace qjit
