// Embedding-bag lookup over a rowwise-quantized table (packing/embedding_rowwise.h), as PyTorch's
// quantized::embedding_bag_{byte,4bit,2bit}_rowwise_offsets computes it: bag b gathers the rows
// indices[offsets[b] .. end_b) and reduces them to one float row.
//
// Numerics (NUMERICS.md section 7, bit-exact to PyTorch 1.13 for sum):
//   sum:  acc = 0; per row: acc[j] = fma(w * scale, q[j], acc[j] + w * bias), w = per_sample_weights[i] or 1
//   mean: the sum times (1.0f / bag length), as FBGEMM's normalize_by_lengths does
//   max:  per column the largest of fma(scale, q[j], bias) over the bag's rows
//   an empty bag gives zeros, whatever the mode.
// PyTorch 1.13 without FBGEMM ignores `mode` and always returns the sum; this library does what PyTorch's
// documentation says (mean divides, max takes the maximum) -- the sum is the one mode the golden data proves.
// Bags: bag b ends at offsets[b + 1]; the last one at num_indices, or with include_last_offset (offsets then has
// one entry more than there are bags) at offsets[num_bags].
//
// The scalar path is kernels/reference/embedding_bag_ref.h; the AVX2 path (embedding_bag_avx2.cc, every x86 rung
// from avx2 up) is bit-exact to it. Threads split the bags (Exec: a caller's partition does its share of the bags;
// otherwise large calls use the default pool unless threads == 1); the bits do not depend on the split.
// Every argument is checked (qjit::Error naming it and its value): offsets must start at 0, never decrease and
// stay within num_indices; indices must lie in [0, rows); per_sample_weights only with sum.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/exec.h"
#include "packing/embedding_rowwise.h"

namespace qjit {

// PyTorch's integer codes of EmbeddingBag's mode.
enum class EmbeddingBagMode : uint8_t { sum = 0, mean = 1, max = 2 };
const char* embedding_bag_mode_name(EmbeddingBagMode m);

struct EmbeddingBagDesc {
  EmbeddingBagMode mode = EmbeddingBagMode::sum;
  bool include_last_offset = false;
};

// Bags the call produces: num_offsets - 1 with include_last_offset (num_offsets >= 1 then), else num_offsets.
size_t embedding_bag_count(size_t num_offsets, bool include_last_offset);

// out: embedding_bag_count(...) rows of table.dim floats. per_sample_weights: num_indices floats or null.
void embedding_bag(const RowwiseTable& table, const int64_t* indices, size_t num_indices, const int64_t* offsets,
                   size_t num_offsets, const float* per_sample_weights, const EmbeddingBagDesc& desc, float* out,
                   const Exec& exec = {});
void embedding_bag(const RowwiseTable& table, const int32_t* indices, size_t num_indices, const int32_t* offsets,
                   size_t num_offsets, const float* per_sample_weights, const EmbeddingBagDesc& desc, float* out,
                   const Exec& exec = {});

}  // namespace qjit
