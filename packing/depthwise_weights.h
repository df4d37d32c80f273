// Depthwise (channel multiplier 1) convolution weights packed for the depthwise row kernel: per block of 16
// channels and per pair of taps, two vectors of int16 pairs (w_t, w_t+1) in the channel order that VPUNPCKLWD /
// VPUNPCKHWD produce ({0-3, 8-11} and {4-7, 12-15}); with the per-channel sums the activation zero point needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "jit/cpu.h"

namespace qjit {

class DepthwiseWeights {
 public:
  // w: PyTorch layout [C][1][kh][kw] int8 (symmetric: zero point 0).
  DepthwiseWeights(const int8_t* w, size_t channels, size_t kernel_h, size_t kernel_w, Isa isa = max_isa());

  size_t channels() const { return C_; }
  size_t kernel_h() const { return kh_; }
  size_t kernel_w() const { return kw_; }
  size_t taps() const { return kh_ * kw_; }
  Isa isa() const { return isa_; }
  const int16_t* packed() const { return packed_.data(); }
  const int32_t* weight_sums() const { return sums_.data(); }
  int8_t weight(size_t c, size_t tap) const { return w_[c * taps() + tap]; }

 private:
  size_t C_, kh_, kw_;
  Isa isa_;
  std::vector<int8_t> w_;
  std::vector<int16_t> packed_;
  std::vector<int32_t> sums_;  // [C]
};

}  // namespace qjit
