// Scalar oracle of the embedding-bag lookup (kernels/embedding_bag.h): the plainest statement of its numerics.
// Arguments are assumed valid (kernels/embedding_bag.cc checks them before any path runs).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/embedding_bag.h"
#include "packing/embedding_rowwise.h"

namespace qjit::ref {

// Element j of row r of a packed table, as stored (0 .. 2^bits - 1).
uint32_t rowwise_value(const RowwiseTable& t, size_t r, size_t j);

// One bag: the rows indices[0, len) (weights psw[0, len) or all 1 when psw is null) reduced into out[0, dim).
void embedding_bag_one(const RowwiseTable& t, const int64_t* indices, size_t len, const float* psw,
                       EmbeddingBagMode mode, float* out);
void embedding_bag_one(const RowwiseTable& t, const int32_t* indices, size_t len, const float* psw,
                       EmbeddingBagMode mode, float* out);

// The whole lookup, bag by bag (see kernels/embedding_bag.h for the bag boundaries).
void embedding_bag(const RowwiseTable& t, const int64_t* indices, size_t num_indices, const int64_t* offsets,
                   size_t num_offsets, const float* psw, const EmbeddingBagDesc& desc, float* out);
void embedding_bag(const RowwiseTable& t, const int32_t* indices, size_t num_indices, const int32_t* offsets,
                   size_t num_offsets, const float* psw, const EmbeddingBagDesc& desc, float* out);

}  // namespace qjit::ref
