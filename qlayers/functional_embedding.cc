#include "qlayers/functional_embedding.h"

#include <string>
#include <vector>

#include "base/error.h"
#include "kernels/embedding_bag.h"

namespace qjit {

namespace {

std::string dtype_str(const Tensor& t) { return dtype_name(t.dtype()); }

Tensor prepack(const char* fn, int bits, const Tensor& weight) {
  check_arg(weight.defined(), fn, "weight", "undefined", "must be a float32 tensor");
  check_arg(weight.dtype() == DType::float32, fn, "weight.dtype", dtype_str(weight), "must be float32");
  check_arg(weight.dim() >= 2, fn, "weight.dim()", weight.dim(), "must be >= 2 ([..., rows, dim])");
  check_arg(weight.size(-1) >= 1, fn, "weight.size(-1)", weight.size(-1), "must be >= 1");
  const Tensor w = weight.contiguous();
  const auto dim = static_cast<size_t>(w.size(-1));
  const auto rows = static_cast<size_t>(w.numel()) / dim;
  std::vector<int64_t> out_sizes = w.sizes();
  out_sizes.back() = static_cast<int64_t>(rowwise_row_bytes(bits, dim));
  Tensor out = empty(out_sizes, DType::uint8);
  rowwise_prepack(bits, w.data_ptr<float>(), rows, dim, out.data_ptr<uint8_t>());
  return out;
}

// The packed table argument: uint8, 2-D (or more, for unpack), rows wide enough for scale and bias.
RowwiseTable table_of(const char* fn, int bits, const Tensor& packed, bool batched) {
  check_arg(packed.defined(), fn, "weight", "undefined", "must be a uint8 packed table");
  check_arg(packed.dtype() == DType::uint8, fn, "weight.dtype", dtype_str(packed),
            "must be uint8 (a packed table from embedding_bag_*_prepack)");
  if (batched)
    check_arg(packed.dim() >= 2, fn, "weight.dim()", packed.dim(), "must be >= 2");
  else
    check_arg(packed.dim() == 2, fn, "weight.dim()", packed.dim(), "must be 2 ([rows, packed row bytes])");
  check_arg(packed.is_contiguous(), fn, "weight", packed.to_string(), "must be contiguous");
  const size_t tail = bits == 8 ? 8 : 4;
  check_arg(packed.size(-1) > static_cast<int64_t>(tail), fn, "weight.size(-1)", packed.size(-1),
            "must exceed the " + std::to_string(tail) + " bytes of scale and bias per row");
  const auto row_bytes = static_cast<size_t>(packed.size(-1));
  return RowwiseTable{bits, packed.data_ptr<uint8_t>(), static_cast<size_t>(packed.numel()) / row_bytes,
                      rowwise_dim_from_row_bytes(bits, row_bytes)};
}

Tensor unpack(const char* fn, int bits, const Tensor& packed) {
  const RowwiseTable t = table_of(fn, bits, packed, true);
  std::vector<int64_t> out_sizes = packed.sizes();
  out_sizes.back() = static_cast<int64_t>(t.dim);
  Tensor out = empty(out_sizes, DType::float32);
  rowwise_unpack(t, out.data_ptr<float>());
  return out;
}

Tensor rowwise_offsets(const char* fn, int bits, const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                       int64_t mode, bool pruned_weights, const Tensor& per_sample_weights,
                       const Tensor& compressed_indices_mapping, bool include_last_offset) {
  check_arg(!pruned_weights, fn, "pruned_weights", "true", "is not supported (FBGEMM-only in PyTorch)");
  check_arg(!compressed_indices_mapping.defined(), fn, "compressed_indices_mapping",
            compressed_indices_mapping.defined() ? compressed_indices_mapping.to_string() : "",
            "is not supported (pruned tables are FBGEMM-only in PyTorch)");
  return embedding_bag_rowwise(fn, table_of(fn, bits, weight, false), indices, offsets, mode, per_sample_weights,
                               include_last_offset);
}

template <class Index>
Tensor lookup(std::string_view fn, const RowwiseTable& table, const Tensor& indices, const Tensor& offsets,
              EmbeddingBagMode mode, const float* psw, bool include_last_offset, EmbeddingOutput output) {
  const Tensor idx = indices.contiguous();
  const auto n = static_cast<size_t>(idx.numel());
  std::vector<Index> own_offsets;  // fixed-length bags only
  Tensor o;
  const Index* off = nullptr;
  size_t num_offsets = 0;
  if (offsets.defined()) {
    o = offsets.contiguous();
    off = o.data_ptr<Index>();
    num_offsets = static_cast<size_t>(o.numel());
  } else {
    // Fixed-length bags: one per row of 2-D indices, one per index for an embedding.
    const size_t len = output == EmbeddingOutput::per_index || idx.dim() == 1 ? 1 : static_cast<size_t>(idx.size(1));
    const size_t count = len == 0 ? static_cast<size_t>(idx.size(0)) : n / len;
    own_offsets.resize(count + (include_last_offset ? 1 : 0));
    for (size_t b = 0; b < own_offsets.size(); ++b) own_offsets[b] = static_cast<Index>(b * len);
    num_offsets = own_offsets.size();
    off = own_offsets.data();
  }
  const size_t bags = embedding_bag_count(num_offsets, include_last_offset);
  std::vector<int64_t> out_sizes;
  if (output == EmbeddingOutput::per_index) {
    out_sizes = idx.sizes();
    out_sizes.push_back(static_cast<int64_t>(table.dim));
  } else {
    out_sizes = {static_cast<int64_t>(bags), static_cast<int64_t>(table.dim)};
  }
  Tensor out = empty(out_sizes, DType::float32);
  try {
    embedding_bag(table, idx.data_ptr<Index>(), n, off, num_offsets, psw, EmbeddingBagDesc{mode, include_last_offset},
                  out.data_ptr<float>());
  } catch (const Error& e) {
    throw Error(std::string(fn) + ": " + e.what());  // the kernel's message, under the op the caller used
  }
  return out;
}

}  // namespace

Tensor embedding_bag_byte_prepack(const Tensor& weight) { return prepack("embedding_bag_byte_prepack", 8, weight); }
Tensor embedding_bag_4bit_prepack(const Tensor& weight) { return prepack("embedding_bag_4bit_prepack", 4, weight); }
Tensor embedding_bag_2bit_prepack(const Tensor& weight) { return prepack("embedding_bag_2bit_prepack", 2, weight); }

Tensor embedding_bag_byte_unpack(const Tensor& packed) { return unpack("embedding_bag_byte_unpack", 8, packed); }
Tensor embedding_bag_4bit_unpack(const Tensor& packed) { return unpack("embedding_bag_4bit_unpack", 4, packed); }
Tensor embedding_bag_2bit_unpack(const Tensor& packed) { return unpack("embedding_bag_2bit_unpack", 2, packed); }

Tensor embedding_bag_byte_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                                          bool /*scale_grad_by_freq*/, int64_t mode, bool pruned_weights,
                                          const Tensor& per_sample_weights, const Tensor& compressed_indices_mapping,
                                          bool include_last_offset) {
  return rowwise_offsets("embedding_bag_byte_rowwise_offsets", 8, weight, indices, offsets, mode, pruned_weights,
                         per_sample_weights, compressed_indices_mapping, include_last_offset);
}
Tensor embedding_bag_4bit_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                                          bool /*scale_grad_by_freq*/, int64_t mode, bool pruned_weights,
                                          const Tensor& per_sample_weights, const Tensor& compressed_indices_mapping,
                                          bool include_last_offset) {
  return rowwise_offsets("embedding_bag_4bit_rowwise_offsets", 4, weight, indices, offsets, mode, pruned_weights,
                         per_sample_weights, compressed_indices_mapping, include_last_offset);
}
Tensor embedding_bag_2bit_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                                          bool /*scale_grad_by_freq*/, int64_t mode, bool pruned_weights,
                                          const Tensor& per_sample_weights, const Tensor& compressed_indices_mapping,
                                          bool include_last_offset) {
  return rowwise_offsets("embedding_bag_2bit_rowwise_offsets", 2, weight, indices, offsets, mode, pruned_weights,
                         per_sample_weights, compressed_indices_mapping, include_last_offset);
}

Tensor embedding_bag_rowwise(std::string_view fn, const RowwiseTable& table, const Tensor& indices,
                             const Tensor& offsets, int64_t mode, const Tensor& per_sample_weights,
                             bool include_last_offset, EmbeddingOutput output) {
  check_arg(mode >= 0 && mode <= 2, fn, "mode", mode, "must be 0 (sum), 1 (mean) or 2 (max)");
  check_arg(indices.defined(), fn, "indices", "undefined", "must be an int32 or int64 tensor");
  const DType it = indices.dtype();
  check_arg(it == DType::int64 || it == DType::int32, fn, "indices.dtype", dtype_str(indices), "must be int32 or int64");
  check_arg(indices.dim() == 1 || indices.dim() == 2, fn, "indices.dim()", indices.dim(), "must be 1 or 2");
  if (output == EmbeddingOutput::bags) {
    if (indices.dim() == 2)
      check_arg(!offsets.defined(), fn, "offsets", offsets.defined() ? offsets.to_string() : "",
                "must be undefined for 2-D indices (each row of indices is a bag)");
    else
      check_arg(offsets.defined(), fn, "offsets", "undefined", "is required for 1-D indices");
  }
  if (offsets.defined()) {
    check_arg(offsets.dtype() == it, fn, "offsets.dtype", dtype_str(offsets),
              std::string("must match indices.dtype (") + dtype_name(it) + ")");
    check_arg(offsets.dim() == 1, fn, "offsets.dim()", offsets.dim(), "must be 1");
  }
  Tensor psw;
  if (per_sample_weights.defined()) {
    check_arg(per_sample_weights.dtype() == DType::float32 || per_sample_weights.dtype() == DType::float16, fn,
              "per_sample_weights.dtype", dtype_str(per_sample_weights), "must be float32 or float16");
    check_arg(per_sample_weights.numel() == indices.numel(), fn, "per_sample_weights.numel()",
              per_sample_weights.numel(), "must equal indices.numel() (" + std::to_string(indices.numel()) + ")");
    check_arg(mode == 0, fn, "mode", mode, "per_sample_weights are only supported with mode 0 (sum)");
    psw = per_sample_weights.to(DType::float32).contiguous();
  }
  const float* w = psw.defined() ? psw.data_ptr<float>() : nullptr;
  const auto m = static_cast<EmbeddingBagMode>(mode);
  return it == DType::int64 ? lookup<int64_t>(fn, table, indices, offsets, m, w, include_last_offset, output)
                            : lookup<int32_t>(fn, table, indices, offsets, m, w, include_last_offset, output);
}

}  // namespace qjit
