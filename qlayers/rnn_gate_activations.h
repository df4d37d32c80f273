// The sigmoid and tanh of the recurrent gate math, written out (Cephes expf / tanhf polynomials, no fused
// multiply-add) so that the AVX2 gate kernel (qlayers/rnn_cell_math_avx2.cc) evaluates exactly the same float
// operations eight lanes at a time and every path gives the same bits. Accuracy: within 2 ulp of expf; tanh within
// 1.5e-7 absolute; sigmoid within 1e-7 absolute, the same order as ATen's SLEEF versions.
// Inputs are clamped to [-87.3, 88.3] before exp (so 2^n stays a normal float); NaN comes out as the clamp bound.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace qjit::rnn_math {

constexpr float kExpLo = -87.3f, kExpHi = 88.3f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kExpP0 = 1.9875691500e-4f, kExpP1 = 1.3981999507e-3f, kExpP2 = 8.3334519073e-3f,
                kExpP3 = 4.1665795894e-2f, kExpP4 = 1.6666665459e-1f, kExpP5 = 5.0000001201e-1f;
// tanh(x) = x + x^3 P(x^2) for |x| <= 0.625, else 1 - 2 / (exp(2|x|) + 1) with the sign of x.
constexpr float kTanhSmall = 0.625f;
constexpr float kTanhP0 = -5.70498872745e-3f, kTanhP1 = 2.06390887954e-2f, kTanhP2 = -5.37397155531e-2f,
                kTanhP3 = 1.33314422036e-1f, kTanhP4 = -3.33332819422e-1f;

inline float exp(float x) {
  x = x > kExpLo ? x : kExpLo;  // the lane order of max_ps / min_ps, NaN included
  x = x < kExpHi ? x : kExpHi;
  const float n = std::floor(x * kLog2e + 0.5f);
  x = x - n * kLn2Hi;
  x = x - n * kLn2Lo;
  const float z = x * x;
  float y = kExpP0 * x + kExpP1;
  y = y * x + kExpP2;
  y = y * x + kExpP3;
  y = y * x + kExpP4;
  y = y * x + kExpP5;
  y = y * z + x + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float pow2n;
  std::memcpy(&pow2n, &bits, sizeof pow2n);
  return y * pow2n;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

inline float tanh(float x) {
  const float a = std::fabs(x);
  if (a > kTanhSmall) {
    const float t = 1.0f - 2.0f / (exp(a + a) + 1.0f);
    return x < 0 ? -t : t;
  }
  const float s = x * x;
  float p = kTanhP0 * s + kTanhP1;
  p = p * s + kTanhP2;
  p = p * s + kTanhP3;
  p = p * s + kTanhP4;
  return p * s * x + x;
}

}  // namespace qjit::rnn_math
