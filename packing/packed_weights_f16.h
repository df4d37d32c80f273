// Float weights stored as IEEE half, packed once for the fp32 GEMM of dynamic float16 Linear layers
// (PyTorch's float16_dynamic_qconfig): panels of nr columns, panel[k][n] halves, zero-padded past N.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "jit/cpu.h"
#include "packing/packed_weights.h"

namespace qjit {

class PackedWeightsF16 {
 public:
  // w: K * N floats in `order`; bias: N floats or null. Weights beyond the half range become +-inf, as
  // PyTorch's fp16 cast does (it warns, qjit does not).
  PackedWeightsF16(const float* w, WeightOrder order, size_t K, size_t N, const float* bias = nullptr,
                   Isa isa = max_isa());

  size_t K() const { return K_; }
  size_t N() const { return N_; }
  Isa isa() const { return isa_; }
  size_t nr() const { return nr_; }
  size_t panels() const { return (N_ + nr_ - 1) / nr_; }
  const uint16_t* panel(size_t j) const { return data_.data() + j * K_ * nr_; }
  const std::vector<float>& bias() const { return bias_; }  // empty when none
  // The weights as floats (each a half value), K x N.
  std::vector<float> unpack_k_by_n() const;

 private:
  size_t K_, N_, nr_;
  Isa isa_;
  std::vector<uint16_t> data_;
  std::vector<float> bias_;
};

}  // namespace qjit
