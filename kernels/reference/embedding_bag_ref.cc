#include "kernels/reference/embedding_bag_ref.h"

#include <cmath>

namespace qjit::ref {

uint32_t rowwise_value(const RowwiseTable& t, size_t r, size_t j) {
  const size_t per_byte = static_cast<size_t>(8 / t.bits);
  return (t.row(r)[j / per_byte] >> ((j % per_byte) * t.bits)) & ((1u << t.bits) - 1);
}

namespace {

template <class Index>
void bag_one(const RowwiseTable& t, const Index* indices, size_t len, const float* psw, EmbeddingBagMode mode,
             float* out) {
  const size_t dim = t.dim;
  for (size_t j = 0; j < dim; ++j) out[j] = 0.0f;
  if (len == 0) return;
  if (mode == EmbeddingBagMode::max) {
    for (size_t i = 0; i < len; ++i) {
      const size_t r = static_cast<size_t>(indices[i]);
      const float scale = rowwise_scale(t, r), bias = rowwise_bias(t, r);
      for (size_t j = 0; j < dim; ++j) {
        const float v = std::fma(scale, static_cast<float>(rowwise_value(t, r, j)), bias);
        out[j] = (i == 0 || v > out[j]) ? v : out[j];
      }
    }
    return;
  }
  for (size_t i = 0; i < len; ++i) {
    const size_t r = static_cast<size_t>(indices[i]);
    const float w = psw ? psw[i] : 1.0f;
    const float scale = w * rowwise_scale(t, r), bias = w * rowwise_bias(t, r);
    for (size_t j = 0; j < dim; ++j) out[j] = std::fma(scale, static_cast<float>(rowwise_value(t, r, j)), out[j] + bias);
  }
  if (mode == EmbeddingBagMode::mean) {
    const float inv_len = 1.0f / static_cast<float>(len);
    for (size_t j = 0; j < dim; ++j) out[j] *= inv_len;
  }
}

template <class Index>
void bags(const RowwiseTable& t, const Index* indices, size_t num_indices, const Index* offsets, size_t num_offsets,
          const float* psw, const EmbeddingBagDesc& desc, float* out) {
  const size_t n = embedding_bag_count(num_offsets, desc.include_last_offset);
  for (size_t b = 0; b < n; ++b) {
    const size_t begin = static_cast<size_t>(offsets[b]);
    const size_t end = b + 1 < num_offsets ? static_cast<size_t>(offsets[b + 1]) : num_indices;
    bag_one(t, indices + begin, end - begin, psw ? psw + begin : nullptr, desc.mode, out + b * t.dim);
  }
}

}  // namespace

void embedding_bag_one(const RowwiseTable& t, const int64_t* indices, size_t len, const float* psw,
                       EmbeddingBagMode mode, float* out) {
  bag_one(t, indices, len, psw, mode, out);
}
void embedding_bag_one(const RowwiseTable& t, const int32_t* indices, size_t len, const float* psw,
                       EmbeddingBagMode mode, float* out) {
  bag_one(t, indices, len, psw, mode, out);
}

void embedding_bag(const RowwiseTable& t, const int64_t* indices, size_t num_indices, const int64_t* offsets,
                   size_t num_offsets, const float* psw, const EmbeddingBagDesc& desc, float* out) {
  bags(t, indices, num_indices, offsets, num_offsets, psw, desc, out);
}
void embedding_bag(const RowwiseTable& t, const int32_t* indices, size_t num_indices, const int32_t* offsets,
                   size_t num_offsets, const float* psw, const EmbeddingBagDesc& desc, float* out) {
  bags(t, indices, num_indices, offsets, num_offsets, psw, desc, out);
}

}  // namespace qjit::ref
