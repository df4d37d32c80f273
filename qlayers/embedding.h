// Quantized embedding modules, PyTorch's torch.ao.nn.quantized.Embedding and EmbeddingBag: a weight-only quantized
// table (per_channel_affine_float_qparams along rows, quint8 or quint4x2), packed once in set_weight into PyTorch's
// rowwise layout (packing/embedding_rowwise.h) and looked up by the kernel of kernels/embedding_bag.h. Outputs are
// float32, as in PyTorch; the quantized engine plays no part (both of PyTorch's engines use the same kernel).
//
// Promises: forward of Embedding and the sum of EmbeddingBag are bit-exact to PyTorch 1.13 (golden module_* cases);
// weight() returns the quantized weight that was set, bit for bit, qparams included; serialize() / deserialize()
// round-trip a module (versioned, checksummed; truncated or corrupt input is a qjit::Error).
//
// Deviations, on purpose:
//  - PyTorch's nnq.EmbeddingBag.forward passes mode 0 (sum) to its op whatever `mode` the module was built with;
//    here mode "mean" and "max" do what they say (see qlayers/functional_embedding.h).
//  - PyTorch 1.13's nnq.Embedding with dtype quint4x2 runs the byte lookup over the 4-bit rows (golden case
//    module_Embedding_quint4x2: a [5, 4] output with values up to 1e16); here it does the 4-bit lookup, equal to the
//    4-bit embedding bag with one row per bag (tests/qlayers/embedding_golden_test.cc proves both).
// As in PyTorch, padding_idx, max_norm, norm_type, scale_grad_by_freq and sparse are kept for printing and
// conversion but do not change the lookup of a quantized table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "packing/embedding_rowwise.h"
#include "qlayers/module.h"
#include "qlayers/tensor.h"

namespace qjit::nnq {

class Embedding : public nn::ModuleBase<Embedding> {
 public:
  // dtype quint8 or quint4x2. The weight starts as zeros with scale 1 and zero point 0 in every row.
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt,
            std::optional<double> max_norm = std::nullopt, double norm_type = 2.0, bool scale_grad_by_freq = false,
            bool sparse = false, DType dtype = DType::quint8);

  // For convert(): a module holding qweight (see set_weight); sizes and dtype are taken from it.
  static std::shared_ptr<Embedding> from_quantized(const Tensor& qweight);

  // qweight: per_channel_affine_float_qparams along axis 0, dtype the module's, shape
  // [num_embeddings, embedding_dim]. Packed here, once.
  void set_weight(const Tensor& qweight);
  Tensor weight() const;

  // indices: int32 / int64, 1-D or 2-D; returns float32 indices.sizes() + [embedding_dim].
  Tensor forward(const Tensor& indices) override;

  std::string type_name() const override { return "Embedding"; }
  std::string qualified_name() const override { return "nnq.Embedding"; }
  // "num_embeddings=12, embedding_dim=16, dtype=torch.quint8, qscheme=torch.per_channel_affine_float_qparams"
  std::string extra_repr() const override;

  std::vector<uint8_t> serialize() const;
  static std::shared_ptr<Embedding> deserialize(const uint8_t* data, size_t size);

  int64_t num_embeddings() const { return num_embeddings_; }
  int64_t embedding_dim() const { return embedding_dim_; }
  DType dtype() const { return dtype_; }
  const PackedEmbeddingTable& packed_table() const { return table_; }

  std::optional<int64_t> padding_idx;
  std::optional<double> max_norm;
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  bool sparse = false;

 protected:
  // Checks the constructor's arguments for `fn` ("nnq.Embedding" / "nnq.EmbeddingBag") and sets a zero weight.
  void init(const char* fn, int64_t num_embeddings, int64_t embedding_dim, DType dtype);
  void set_weight_for(const char* fn, const Tensor& qweight);
  // kind: 0 Embedding, 1 EmbeddingBag; mode / include_last_offset matter for the bag.
  std::vector<uint8_t> serialize_as(uint32_t kind, uint32_t mode, bool include_last_offset) const;
  struct Loaded {
    uint32_t kind, mode;
    bool include_last_offset;
    PackedEmbeddingTable table;
  };
  static Loaded load(const char* fn, const uint8_t* data, size_t size);
  void adopt(const PackedEmbeddingTable& table);

  int64_t num_embeddings_ = 0, embedding_dim_ = 0;
  DType dtype_ = DType::quint8;
  PackedEmbeddingTable table_;

  struct Tag {};
  explicit Embedding(Tag) {}
};

class EmbeddingBag : public nn::ModuleBase<EmbeddingBag, Embedding> {
 public:
  // mode "sum", "mean" or "max"; dtype quint8 or quint4x2.
  EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, std::optional<double> max_norm = std::nullopt,
               double norm_type = 2.0, bool scale_grad_by_freq = false, const std::string& mode = "sum",
               bool sparse = false, bool include_last_offset = false, DType dtype = DType::quint8);

  static std::shared_ptr<EmbeddingBag> from_quantized(const Tensor& qweight, const std::string& mode = "sum",
                                                      bool include_last_offset = false);

  // indices int32 / int64; 1-D with offsets (same dtype), or 2-D [B, L] without (B bags of L rows).
  // per_sample_weights: float32 / float16, one per index, mode "sum" only. Returns float32 [bags, embedding_dim].
  // compressed_indices_mapping (pruned tables) is FBGEMM-only in PyTorch and an error here when given.
  Tensor forward(const Tensor& indices, const Tensor& offsets, const Tensor& per_sample_weights = {},
                 const Tensor& compressed_indices_mapping = {});
  // 2-D indices, no offsets.
  Tensor forward(const Tensor& indices) override;

  std::string type_name() const override { return "EmbeddingBag"; }
  std::string qualified_name() const override { return "nnq.EmbeddingBag"; }

  std::vector<uint8_t> serialize() const;
  static std::shared_ptr<EmbeddingBag> deserialize(const uint8_t* data, size_t size);

  const std::string& mode() const { return mode_; }
  bool include_last_offset() const { return include_last_offset_; }

 private:
  struct Tag {};
  explicit EmbeddingBag(Tag) : ModuleBase<EmbeddingBag, Embedding>(Embedding::Tag{}) {}
  std::string mode_ = "sum";
  bool include_last_offset_ = false;
};

}  // namespace qjit::nnq
