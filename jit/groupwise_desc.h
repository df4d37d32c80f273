// Descriptor of the generated groupwise-convolution row kernel (few channels per group: C/G == OC/G in
// {2, 4, 8, 16}, e.g. ResNeXt's G = 32 with 4 channels per group). For each output pixel of a row, for each block
// of 16 input channels (16 / cg whole groups), int32 sums over the taps and the group's input channels of x * w,
// plus a per-output-channel initial value (the activation zero-point term), in channel order, stored as int32 or
// requantized to u8 / s8 in the kernel (kernels/gemm_output.h's onednn and qnnpack formulas, with per-channel
// arrays padded to whole blocks, so per tensor is the same code).
// Taps come through an indirection table (one input pointer per pixel and tap, padded taps pointing at a row of
// zero points), so stride, dilation, padding and the number of spatial dimensions need no code of their own.
// The key holds channels per group, the tap count and the channel remainder, not the image size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jit/cpu.h"
#include "jit/jit_code.h"

namespace qjit {

struct GroupwiseKernelArgs {
  const uint8_t* const* taps = nullptr;  // [pixels][taps]: input pointers at channel 0
  size_t pixels = 0;
  const int16_t* weights = nullptr;      // packing/groupwise_weights.h's layout
  const int32_t* acc_init = nullptr;     // [channels padded to 16]
  void* out = nullptr;                   // [pixels][out_stride] of the output type
  size_t channels = 0;                   // C == OC
  size_t out_stride = 0;                 // bytes per output pixel; blocks store whole 16 channels, so a tail
                                         // block needs room up to the channels rounded up to 16
  // Requantized outputs: [channels padded to 16] each (bias zero when the layer has none).
  const float* multiplier = nullptr;
  const float* bias_f = nullptr;         // onednn: (acc + bias_f) * multiplier + zero point
  const int32_t* bias_i = nullptr;       // qnnpack: (acc + bias_i) * multiplier, rounded, + zero point
  float zero_point_f = 0;                // onednn
  int32_t zero_point = 0;                // qnnpack
  // Bounds applied before rounding (onednn: qmin, qmax; qnnpack: qmin - zp, qmax - zp): rounding and clamping
  // to integers commute, and values beyond int32 never reach the conversion.
  float lo = 0, hi = 0;
};

enum class GroupwiseOut : uint8_t { s32, u8, s8 };

using GroupwiseKernelFn = void(const GroupwiseKernelArgs*);

struct GroupwiseDesc {
  Isa isa = Isa::avx2;
  uint8_t group_channels = 4;  // cg = C/G = OC/G: 2, 4, 8 or 16
  uint8_t taps = 9;            // kD * kH * kW, at most kMaxTaps
  uint8_t c_tail = 0;          // channels % 16: the last block loads exactly this many bytes per tap
  GroupwiseOut out = GroupwiseOut::s32;
  bool qnnpack = false;        // requantization formula: qnnpack, else onednn

  // Taps are unrolled in the code: beyond this the code grows past what the gain is worth (grouped_im2col runs).
  static constexpr int kMaxTaps = 64;
  static bool supports_group_channels(size_t cg) { return cg == 2 || cg == 4 || cg == 8 || cg == 16; }

  bool operator==(const GroupwiseDesc& o) const {
    return isa == o.isa && group_channels == o.group_channels && taps == o.taps && c_tail == o.c_tail &&
           out == o.out && qnnpack == o.qnnpack;
  }
  size_t hash() const {
    return static_cast<size_t>(isa) | size_t{group_channels} << 4 | size_t{taps} << 12 | size_t{c_tail} << 20 |
           static_cast<size_t>(out) << 28 | size_t{qnnpack} << 30;
  }
  size_t out_size() const { return out == GroupwiseOut::s32 ? 4 : 1; }
  // Weight vectors per (block, tap, chunk): one per output channel of the group, at most 8 at a time (the
  // accumulators of one chunk); cg = 16 runs its 16 output channels as two chunks of 8.
  int vectors() const { return group_channels < 8 ? group_channels : 8; }
  int chunks() const { return group_channels / vectors(); }
  std::string name() const;
  std::unique_ptr<JitCode> generate() const;
};

}  // namespace qjit
