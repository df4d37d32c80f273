// Quantized embedding ops on Tensors, with PyTorch's names, arguments and defaults (torch.ops.quantized.*):
// rowwise prepack / unpack of float tables (8-bit "byte", 4-bit, 2-bit) and the embedding-bag lookup over a packed
// table. The packed table is a uint8 Tensor laid out exactly as PyTorch's (packing/embedding_rowwise.h), so tables
// move between the two unchanged. Numerics and bag rules: kernels/embedding_bag.h (sum bit-exact to PyTorch 1.13).
//
// Deviation, on purpose: PyTorch 1.13 without FBGEMM ignores `mode` and returns the sum for mean and max; here
// mode 1 (mean) divides by the bag length and mode 2 (max) takes the maximum, as PyTorch's documentation says.
// FBGEMM-only features (pruned_weights, compressed_indices_mapping, optimized_qparams) are errors, not ignored.
#pragma once

#include <cstdint>
#include <string_view>

#include "packing/embedding_rowwise.h"
#include "qlayers/tensor.h"

namespace qjit {

// quantized::embedding_bag_{byte,4bit,2bit}_prepack: weight float32 [..., rows, dim] (dim >= 1, finite values) ->
// uint8 [..., rows, rowwise_row_bytes(bits, dim)].
Tensor embedding_bag_byte_prepack(const Tensor& weight);
Tensor embedding_bag_4bit_prepack(const Tensor& weight);
Tensor embedding_bag_2bit_prepack(const Tensor& weight);

// quantized::embedding_bag_{byte,4bit,2bit}_unpack: packed uint8 [..., rows, row_bytes] -> float32
// [..., rows, dim], dim taken from the row width as PyTorch does ((row_bytes - 4) * 2 for 4-bit, ...).
Tensor embedding_bag_byte_unpack(const Tensor& packed);
Tensor embedding_bag_4bit_unpack(const Tensor& packed);
Tensor embedding_bag_2bit_unpack(const Tensor& packed);

// quantized::embedding_bag_{byte,4bit,2bit}_rowwise_offsets over a packed uint8 [rows, row_bytes] table.
//  indices: int32 or int64, 1-D (bags given by offsets, same dtype) or 2-D [B, L] (B bags of L rows; offsets must
//  then be undefined). mode: 0 sum, 1 mean, 2 max. per_sample_weights: float32 (or float16), as many as indices,
//  mode sum only. include_last_offset: offsets holds one more entry, the end of the last bag.
//  scale_grad_by_freq only matters for training and is ignored, as in PyTorch's quantized op.
// Returns float32 [bags, dim].
Tensor embedding_bag_byte_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets = {},
                                          bool scale_grad_by_freq = false, int64_t mode = 0,
                                          bool pruned_weights = false, const Tensor& per_sample_weights = {},
                                          const Tensor& compressed_indices_mapping = {},
                                          bool include_last_offset = false);
Tensor embedding_bag_4bit_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets = {},
                                          bool scale_grad_by_freq = false, int64_t mode = 0,
                                          bool pruned_weights = false, const Tensor& per_sample_weights = {},
                                          const Tensor& compressed_indices_mapping = {},
                                          bool include_last_offset = false);
Tensor embedding_bag_2bit_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets = {},
                                          bool scale_grad_by_freq = false, int64_t mode = 0,
                                          bool pruned_weights = false, const Tensor& per_sample_weights = {},
                                          const Tensor& compressed_indices_mapping = {},
                                          bool include_last_offset = false);

// The lookup over a table held as a RowwiseTable (the modules keep theirs packed once): the checks and rules
// above, with `fn` naming the caller in messages. As an embedding (nnq.Embedding: every index its own bag, offsets
// undefined) the output is shaped indices.sizes() + [dim], else [bags, dim].
enum class EmbeddingOutput { bags, per_index };
Tensor embedding_bag_rowwise(std::string_view fn, const RowwiseTable& table, const Tensor& indices,
                             const Tensor& offsets, int64_t mode, const Tensor& per_sample_weights,
                             bool include_last_offset, EmbeddingOutput output = EmbeddingOutput::bags);

}  // namespace qjit
