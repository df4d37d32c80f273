#include "kernels/reference/quantize_ref.h"

#include <limits>

namespace qjit::ref {

void quantize_per_tensor(const float* x, void* q, size_t n, QType t, float scale, int32_t zp) {
  const float inv = 1.0f / scale;
  for (size_t i = 0; i < n; ++i) store_q(q, i, t, quantize_val(x[i], inv, zp, t));
}

void quantize_per_channel(const float* x, void* q, size_t outer, size_t channels, size_t inner, QType t,
                          const float* scales, const int32_t* zps) {
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c) {
      const float inv = 1.0f / scales[c];
      const size_t base = (o * channels + c) * inner;
      for (size_t i = 0; i < inner; ++i) store_q(q, base + i, t, quantize_val(x[base + i], inv, zps[c], t));
    }
}

void quantize_per_channel_float_qparams(const float* x, void* q, size_t outer, size_t channels, size_t inner,
                                        QType t, const float* scales, const float* zps) {
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c) {
      const float inv = 1.0f / scales[c];
      const size_t base = (o * channels + c) * inner;
      for (size_t i = 0; i < inner; ++i)
        store_q(q, base + i, t, quantize_val_float_zp(x[base + i], inv, zps[c], t));
    }
}

void dequantize_per_tensor(const void* q, float* x, size_t n, QType t, float scale, int32_t zp) {
  for (size_t i = 0; i < n; ++i) x[i] = dequantize_val(load_q(q, i, t), scale, zp);
}

void dequantize_per_channel(const void* q, float* x, size_t outer, size_t channels, size_t inner, QType t,
                            const float* scales, const int32_t* zps) {
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c) {
      const size_t base = (o * channels + c) * inner;
      for (size_t i = 0; i < inner; ++i) x[base + i] = dequantize_val(load_q(q, base + i, t), scales[c], zps[c]);
    }
}

void dequantize_per_channel_float_qparams(const void* q, float* x, size_t outer, size_t channels, size_t inner,
                                          QType t, const float* scales, const float* zps) {
  for (size_t o = 0; o < outer; ++o)
    for (size_t c = 0; c < channels; ++c) {
      const size_t base = (o * channels + c) * inner;
      for (size_t i = 0; i < inner; ++i)
        x[base + i] = dequantize_val_float_zp(load_q(q, base + i, t), scales[c], zps[c]);
    }
}

void requantize(const int32_t* acc, void* out, size_t rows, size_t cols, size_t acc_stride, size_t out_stride,
                const RequantizeParams& p) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      store_q(out, r * out_stride + c, p.out, requantize_val(acc[r * acc_stride + c], c, p));
}

void min_max(const float* x, size_t n, float* min_out, float* max_out) {
  float mn = std::numeric_limits<float>::infinity(), mx = -mn;
  for (size_t i = 0; i < n; ++i) {
    if (x[i] < mn) mn = x[i];  // comparisons are false for NaN: NaNs are skipped
    if (x[i] > mx) mx = x[i];
  }
  *min_out = mn;
  *max_out = mx;
}

void f32_to_f16(const float* x, uint16_t* h, size_t n) {
  for (size_t i = 0; i < n; ++i) h[i] = f32_to_f16_val(x[i]);
}

void f16_to_f32(const uint16_t* h, float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = f16_to_f32_val(h[i]);
}

}  // namespace qjit::ref
