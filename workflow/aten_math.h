// ATen 1.13 CPU arithmetic that Python-level code in torch.ao.quantization depends on, reproduced exactly:
//  - torch.sum of a contiguous float32 vector (cascade_sum / vectorized_inner_sum / multi_row_sum in
//    SumKernel.cpp), so that sums PyTorch compares or returns come out with the same rounding;
//  - torch.div(a, b, rounding_mode='floor') on float32 (c10::div_floor_floating), and a fast equivalent.
// Internal to workflow/.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace qjit::detail {
namespace cascade {

// ATen's float32 sum of a contiguous vector (cascade_sum / vectorized_inner_sum in SumKernel.cpp) with vectors of
// `W` lanes: W-lane partial sums over 4 interleaved rows (multi_row_sum, which adds its level accumulators in a
// fixed cascade), the scalar tail first, then the lanes in order. W is 8, ATen's AVX2 kernels: the golden LSQ
// gradients (2 cases, grad of scale and zero point) match W = 8 bit for bit and neither W = 16, a sequential
// float sum nor a double sum (PyTorch ran its AVX2 kernels on the AVX-512 machine that made them).
template <int W>
struct Lanes {
  std::array<float, W> v{};
  Lanes& operator+=(const Lanes& o) {
    for (int k = 0; k < W; ++k) v[k] += o.v[k];
    return *this;
  }
};

template <int W>
Lanes<W> load_lanes(const float* p) {
  Lanes<W> l;
  for (int k = 0; k < W; ++k) l.v[k] = p[k];
  return l;
}

template <class T, class Load>
std::array<T, 4> multi_row_sum(int64_t size, Load load) {  // load(i, k): row i, column k of 4
  constexpr int kLevels = 4;
  int64_t ceil_log2 = 1;
  if (size > 2) ceil_log2 = 64 - __builtin_clzll(static_cast<unsigned long long>(size - 1));
  const int64_t level_power = std::max<int64_t>(4, ceil_log2 / kLevels);
  const int64_t level_step = int64_t{1} << level_power, level_mask = level_step - 1;
  T acc[kLevels][4]{};
  int64_t i = 0;
  while (i + level_step <= size) {
    for (int64_t j = 0; j < level_step; ++j, ++i)
      for (int k = 0; k < 4; ++k) acc[0][k] += load(i, k);
    for (int j = 1; j < kLevels; ++j) {
      for (int k = 0; k < 4; ++k) {
        acc[j][k] += acc[j - 1][k];
        acc[j - 1][k] = T{};
      }
      if ((i & (level_mask << (j * level_power))) != 0) break;
    }
  }
  for (; i < size; ++i)
    for (int k = 0; k < 4; ++k) acc[0][k] += load(i, k);
  for (int j = 1; j < kLevels; ++j)
    for (int k = 0; k < 4; ++k) acc[0][k] += acc[j][k];
  return {acc[0][0], acc[0][1], acc[0][2], acc[0][3]};
}

template <class T, class Load>
T row_sum(int64_t size, Load load) {  // load(i): element i
  const int64_t size_ilp = size / 4;
  std::array<T, 4> partial = multi_row_sum<T>(size_ilp, [&](int64_t i, int k) { return load(i * 4 + k); });
  for (int64_t i = size_ilp * 4; i < size; ++i) partial[0] += load(i);
  for (int k = 1; k < 4; ++k) partial[0] += partial[k];
  return partial[0];
}

template <int W>
float aten_sum(const float* x, size_t n) {
  const int64_t size = static_cast<int64_t>(n);
  if (size < W)  // scalar_inner_sum
    return row_sum<float>(size, [&](int64_t i) { return x[i]; });
  const int64_t vec_size = size / W;
  const Lanes<W> vec = row_sum<Lanes<W>>(vec_size, [&](int64_t i) { return load_lanes<W>(x + i * W); });
  float acc = 0.0f;
  for (int64_t k = vec_size * W; k < size; ++k) acc += x[k];
  for (int k = 0; k < W; ++k) acc += vec.v[k];
  return acc;
}


}  // namespace cascade

// The sum with ATen's AVX2 vector width, the one PyTorch ran with for the golden data.
inline float aten_float_sum(const float* x, size_t n) { return cascade::aten_sum<8>(x, n); }

// c10::div_floor_floating, step by step: fmod, the quotient of the remainder-free part, a sign correction, then
// floor with a correction for a quotient rounded just below an integer.
inline float aten_div_floor(float a, float b) {
  if (b == 0) return a / b;
  const float mod = std::fmod(a, b);
  float div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1.0f;
  if (div == 0) return std::copysign(0.0f, a / b);
  float floordiv = std::floor(div);
  if (div - floordiv > 0.5f) floordiv += 1.0f;
  return floordiv;
}

// The same value without fmod (which dominates the histogram search otherwise). For b > 0 and |a / b| < 2^22,
// aten_div_floor returns the exact floor of the real quotient a / b: fmod is exact, so (a - mod) / b is the
// integer trunc(a / b) up to two roundings (relative error < 2^-23, absolute < 1/2 below 2^22), which the sign
// step and the final "> 0.5" correction turn into the exact floor. That floor is computed here from the float
// quotient (within one of it) and settled with exact double products (|k| < 2^22 times a 24-bit b). Zero results
// may differ in sign, which clamping to [0, 255] and the arithmetic after it cannot observe. Other arguments take
// aten_div_floor.
inline float floor_div(float a, float b) {
  const float q = a / b;
  if (!(b > 0) || !(std::fabs(q) < 0x1p22f)) return aten_div_floor(a, b);
  int32_t k = static_cast<int32_t>(q);  // truncation; then floor, then exact adjustment
  if (static_cast<float>(k) > q) --k;
  const double da = a, db = b;
  if (static_cast<double>(k) * db > da) --k;
  else if (static_cast<double>(k + 1) * db <= da) ++k;
  return static_cast<float>(k);
}

}  // namespace qjit::detail
