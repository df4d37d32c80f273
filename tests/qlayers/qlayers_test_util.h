// Test helpers for the quantized layers: random quantized activations and weights with chosen qparams.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "qlayers/quantize.h"
#include "qlayers/tensor.h"

namespace qjit::test {

inline int64_t numel_of(const std::vector<int64_t>& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

// quint8 per tensor, values uniform in [0, 255].
inline Tensor random_quint8(const std::vector<int64_t>& sizes, double scale, int64_t zero_point, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(0, 255);
  std::vector<uint8_t> v(static_cast<size_t>(numel_of(sizes)));
  for (auto& x : v) x = static_cast<uint8_t>(d(rng));
  return make_per_tensor_quantized_tensor(from_vector(v, sizes), scale, zero_point);
}

inline Tensor random_int8(const std::vector<int64_t>& sizes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> v(static_cast<size_t>(numel_of(sizes)));
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return from_vector(v, sizes);
}

// qint8 weight [OC, ...], per tensor (scale, zero point) ...
inline Tensor random_qweight(const std::vector<int64_t>& sizes, double scale, int64_t zero_point, uint32_t seed) {
  return make_per_tensor_quantized_tensor(random_int8(sizes, seed), scale, zero_point);
}
// ... or per output channel (axis 0), symmetric, scales varying by channel.
inline Tensor random_qweight_per_channel(const std::vector<int64_t>& sizes, uint32_t seed) {
  std::vector<double> scales;
  for (int64_t c = 0; c < sizes[0]; ++c) scales.push_back(0.002 + 0.0007 * static_cast<double>(c % 7));
  return make_per_channel_quantized_tensor(random_int8(sizes, seed), scales,
                                           std::vector<int64_t>(static_cast<size_t>(sizes[0]), 0), 0);
}

inline Tensor random_bias(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = d(rng);
  return from_vector(v);
}

}  // namespace qjit::test
