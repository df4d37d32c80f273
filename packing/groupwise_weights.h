// Groupwise convolution weights (C/G == OC/G == cg in {2, 4, 8, 16}, symmetric) packed for the groupwise row
// kernel (jit/groupwise_desc.h): per block of 16 input channels, per chunk of at most 8 output channels of the
// group, per tap, one vector of 16 int16 per output channel j of the chunk, whose dword p holds the weights of the
// input-channel pair (c, c + 1) at p: (w[g*cg + j][c % cg][tap], w[g*cg + j][c % cg + 1][tap]) with g = c / cg
// (zero past the last group). Also keeps the weights in PyTorch layout and the per-output-channel sums the
// activation zero point needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "jit/cpu.h"

namespace qjit {

class GroupwiseWeights {
 public:
  // w: PyTorch layout [G * cg][cg][taps] int8 (symmetric: zero point 0); taps = kD * kH * kW.
  GroupwiseWeights(const int8_t* w, size_t groups, size_t group_channels, size_t taps, Isa isa = max_isa());

  size_t groups() const { return G_; }
  size_t group_channels() const { return cg_; }
  size_t channels() const { return G_ * cg_; }
  size_t taps() const { return T_; }
  Isa isa() const { return isa_; }
  const int16_t* packed() const { return packed_.data(); }
  const int32_t* weight_sums() const { return sums_.data(); }  // [C]
  // Weight of output channel oc for input channel i of its group (0 <= i < cg) at tap t.
  int8_t weight(size_t oc, size_t i, size_t t) const { return w_[(oc * cg_ + i) * T_ + t]; }

 private:
  size_t G_, cg_, T_;
  Isa isa_;
  std::vector<int8_t> w_;
  std::vector<int16_t> packed_;
  std::vector<int32_t> sums_;
};

}  // namespace qjit
