// torch.nn.Embedding and EmbeddingBag in fp32. Indices are int64 or int32 tensors; an index outside
// [0, num_embeddings) is a qjit::Error naming it (PyTorch raises IndexError).
//  - Embedding: y[..., :] = weight[index]; output shape = indices shape + [embedding_dim].
//  - EmbeddingBag: bags from a 2-D input (B, L) (fixed-length bags, no offsets) or a 1-D input with offsets
//    (bag b = input[offsets[b] : offsets[b+1]], the last bag ending at the input's end unless
//    include_last_offset). mode "sum" / "mean" / "max"; per_sample_weights only with "sum"; an empty bag gives
//    zeros; entries equal to padding_idx are skipped and not counted for "mean".
// Weights start at zero; max_norm / scale_grad_by_freq / sparse (training features) are not offered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "qlayers/module.h"
#include "workflow/nn/module_state.h"

namespace qjit::nn {

class Embedding : public ModuleBase<Embedding>, public HasState {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt);
  std::string type_name() const override { return "Embedding"; }
  std::string qualified_name() const override { return "nn.Embedding"; }
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;
  std::vector<StateEntry> local_state() override;
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;  // normalised to [0, num_embeddings)
  Tensor weight;
};

class EmbeddingBag : public ModuleBase<EmbeddingBag>, public HasState {
 public:
  EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, const std::string& mode = "mean",
               bool include_last_offset = false, std::optional<int64_t> padding_idx = std::nullopt);
  std::string type_name() const override { return "EmbeddingBag"; }
  std::string qualified_name() const override { return "nn.EmbeddingBag"; }
  // input: 2-D (offsets undefined) or 1-D with 1-D offsets; per_sample_weights: float32, input's shape, or undefined.
  // Returns (bags, embedding_dim). Runs the forward hooks with `input` as their input.
  Tensor forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = Tensor());
  // The 2-D (fixed-length bags) form.
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::vector<StateEntry> local_state() override;
  int64_t num_embeddings, embedding_dim;
  std::string mode;
  bool include_last_offset;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};

// The functional forms (weight: float32 [num_embeddings, embedding_dim]).
Tensor embedding(const Tensor& indices, const Tensor& weight);
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets, const std::string& mode = "mean",
                     const Tensor& per_sample_weights = Tensor(), bool include_last_offset = false,
                     std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace qjit::nn
