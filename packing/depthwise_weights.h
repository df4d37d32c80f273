// Depthwise convolution weights (groups == in channels C, OC = m * C output channels for a channel multiplier
// m >= 1; 1-d, 2-d or 3-d) packed for the depthwise row kernel (jit/x86/depthwise_avx2.cc): per block of 32 output
// channels and per pair of taps, each weight split as w = 16 * hi + lo (lo in [-8, 7]) so that VPMADDUBSW's int16
// pair sums cannot saturate, in the channel order VPUNPCKLBW / VPUNPCKHBW give the input bytes; with the
// per-channel sums the activation zero point needs.
//
// Weight zero points are folded in at packing time: the values split are w - w_zp[oc] (in [-255, 255], so hi in
// [-16, 16]), and flush_pairs() says how many tap pairs the kernel may sum in int16 before widening (8 for
// symmetric int8 weights, 4 when a zero point pushes |hi| past 8): asymmetric weights cost little.
// The kernel runs over OC channels; output channel oc = c * m + j reads input channel c (PyTorch's grouping).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/aligned_allocator.h"
#include "jit/cpu.h"

namespace qjit {

class DepthwiseWeights {
 public:
  // The generated kernel's descriptor holds the tap count in a byte.
  static constexpr size_t kMaxTaps = 255;

  // True when a convolution with these channels, groups and taps can run on the depthwise kernel.
  static bool fits(size_t in_channels, size_t out_channels, size_t groups, size_t taps) {
    return groups == in_channels && in_channels > 0 && out_channels % in_channels == 0 && taps >= 1 &&
           taps <= kMaxTaps;
  }

  // w: PyTorch layout [C * multiplier][1][kD][kH][kW] int8. zero_points: empty (all 0), 1 (per tensor) or
  // C * multiplier (per output channel) values in [-128, 127].
  DepthwiseWeights(const int8_t* w, size_t in_channels, size_t multiplier, const std::array<size_t, 3>& kernel,
                   const std::vector<int32_t>& zero_points = {}, Isa isa = max_isa());
  // 2-d, multiplier 1, symmetric.
  DepthwiseWeights(const int8_t* w, size_t channels, size_t kernel_h, size_t kernel_w, Isa isa = max_isa())
      : DepthwiseWeights(w, channels, 1, {1, kernel_h, kernel_w}, {}, isa) {}

  size_t in_channels() const { return C_; }
  size_t multiplier() const { return m_; }
  size_t channels() const { return C_ * m_; }  // output channels: the channels the kernel runs over
  const std::array<size_t, 3>& kernel() const { return k_; }
  size_t kernel_h() const { return k_[1]; }
  size_t kernel_w() const { return k_[2]; }
  size_t taps() const { return k_[0] * k_[1] * k_[2]; }
  Isa isa() const { return isa_; }
  const int8_t* packed() const { return packed_.data(); }
  int flush_pairs() const { return flush_pairs_; }
  const int32_t* weight_sums() const { return sums_.data(); }  // [OC]: sum over taps of (w - w_zp)
  // w - w_zp of output channel oc, tap t (t = (kd * kH + kh) * kW + kw).
  int16_t weight(size_t oc, size_t tap) const { return w_[oc * taps() + tap]; }

 private:
  size_t C_, m_;
  std::array<size_t, 3> k_;
  Isa isa_;
  std::vector<int16_t> w_;  // [OC][taps], zero point subtracted
  std::vector<int8_t, AlignedAllocator<int8_t, 64>> packed_;  // whole cache lines per 32-byte vector load
  int flush_pairs_ = 8;
  std::vector<int32_t> sums_;
};

}  // namespace qjit
