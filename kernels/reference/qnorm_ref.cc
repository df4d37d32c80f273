#include "kernels/reference/qnorm_ref.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qjit::ref {
namespace {

// The pre-rounding clamp of qnorm_ref.h (NaN goes low, as the AVX2 max_ps does).
float limit(float v) { return v >= -kRoundLimit ? (v <= kRoundLimit ? v : kRoundLimit) : -kRoundLimit; }

template <class T>
T saturate(int64_t q) {
  return static_cast<T>(std::clamp<int64_t>(q, std::numeric_limits<T>::lowest(), std::numeric_limits<T>::max()));
}

template <class T>
void sums(const T* x, int64_t n, int64_t& sum, int64_t& sum_sq) {
  sum = 0;
  sum_sq = 0;
  for (int64_t j = 0; j < n; ++j) {
    sum += x[j];
    sum_sq += static_cast<int64_t>(x[j]) * x[j];
  }
}

template <class T>
void normalize_elements(const NormDesc& d, const NormStats& s, int64_t slice, const T* x, T* y, int64_t begin,
                        int64_t end) {
  const float y_inv_scale = 1.0f / d.out_scale;
  const int64_t x_zp = d.in_zero_point, y_zp = d.out_zero_point;
  auto quantize = [&](float v) {
    return saturate<T>(y_zp + static_cast<int64_t>(std::nearbyint(limit(v * y_inv_scale))));
  };
  if (d.per_channel_affine) {
    const int64_t per_channel = d.slice_size / d.channels_per_slice;
    for (int64_t j = begin; j < end; ++j) {
      const int64_t c = (slice * d.channels_per_slice + j / per_channel) % d.channels;
      const float g = (d.gamma ? d.gamma[c] : 1.0f) * s.inv_std;
      const float b = d.beta ? d.beta[c] : 0.0f;
      const float v = static_cast<float>(static_cast<int64_t>(x[j]) - x_zp) - s.mean;
      y[j] = quantize(v * g + b);
    }
  } else {
    for (int64_t j = begin; j < end; ++j) {
      const float v = static_cast<float>(static_cast<int64_t>(x[j]) - x_zp) - s.mean;
      const float g = d.gamma ? d.gamma[j] : 1.0f, b = d.beta ? d.beta[j] : 0.0f;
      y[j] = quantize(v * s.inv_std * g + b);
    }
  }
}

template <class T>
void batch_norm_elements(const BatchNormDesc& d, const T* x, T* y, int64_t n, int64_t c0, int64_t c_step) {
  const int64_t x_zp = d.in_zero_point, y_zp = d.out_zero_point;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t c = c0 + k * c_step;
    const float v = static_cast<float>(static_cast<int64_t>(x[k]) - x_zp);
    int64_t q = y_zp + std::lrint(limit(d.alpha[c] * v + d.beta[c]));
    if (d.relu) q = std::max(q, y_zp);
    y[k] = saturate<T>(q);
  }
}

}  // namespace

NormStats norm_stats(const NormDesc& d, int64_t sum, int64_t sum_sq) {
  // Mean and variance in the stored units (shifted by the zero point), as ATen computes them.
  const float n = static_cast<float>(d.slice_size);
  const float mean_shifted = static_cast<float>(sum) / n;
  const float sq_mean = static_cast<float>(sum_sq) / n;
  const float var = std::max(sq_mean - mean_shifted * mean_shifted, 0.0f);
  NormStats s;
  s.mean = mean_shifted - static_cast<float>(d.in_zero_point);
  // The variance product is float, the eps addition and square root double (eps is a double in ATen).
  const float x_scale = d.in_scale;
  s.inv_std = static_cast<float>(x_scale / std::sqrt(static_cast<double>(var * x_scale * x_scale) + d.eps));
  return s;
}

void slice_sums(QType t, const void* x, int64_t n, int64_t& sum, int64_t& sum_sq) {
  if (t == QType::u8)
    sums(static_cast<const uint8_t*>(x), n, sum, sum_sq);
  else
    sums(static_cast<const int8_t*>(x), n, sum, sum_sq);
}

void normalize_span(const NormDesc& d, QType t, const NormStats& s, int64_t slice, const void* x, void* y,
                    int64_t begin, int64_t end) {
  if (t == QType::u8)
    normalize_elements(d, s, slice, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), begin, end);
  else
    normalize_elements(d, s, slice, static_cast<const int8_t*>(x), static_cast<int8_t*>(y), begin, end);
}

void quantized_normalize(const NormDesc& d, QType t, const void* x, void* y) {
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  for (int64_t i = 0; i < d.slices; ++i) {
    const uint8_t* xs = xb + i * d.slice_size;
    int64_t sum, sum_sq;
    slice_sums(t, xs, d.slice_size, sum, sum_sq);
    normalize_span(d, t, norm_stats(d, sum, sum_sq), i, xs, yb + i * d.slice_size, 0, d.slice_size);
  }
}

void batch_norm_span(const BatchNormDesc& d, QType t, const void* x, void* y, int64_t n, int64_t c0, int64_t c_step) {
  if (t == QType::u8)
    batch_norm_elements(d, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), n, c0, c_step);
  else
    batch_norm_elements(d, static_cast<const int8_t*>(x), static_cast<int8_t*>(y), n, c0, c_step);
}

void q_batch_norm(const BatchNormDesc& d, QType t, const void* x, void* y) {
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  const int64_t row = d.channels * d.inner;
  for (int64_t o = 0; o < d.outer; ++o) {
    if (d.inner == 1) {
      batch_norm_span(d, t, xb + o * row, yb + o * row, d.channels, 0, 1);
      continue;
    }
    for (int64_t c = 0; c < d.channels; ++c)
      batch_norm_span(d, t, xb + o * row + c * d.inner, yb + o * row + c * d.inner, d.inner, c, 0);
  }
}

}  // namespace qjit::ref
