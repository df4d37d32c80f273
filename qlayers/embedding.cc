#include "qlayers/embedding.h"

#include <zlib.h>

#include <cstring>
#include <sstream>

#include "base/error.h"
#include "qlayers/functional_embedding.h"

namespace qjit::nnq {

namespace {

int bits_of(DType t) { return t == DType::quint4x2 ? 4 : 8; }

int64_t mode_code(const char* fn, const std::string& mode) {
  if (mode == "sum") return 0;
  if (mode == "mean") return 1;
  if (mode == "max") return 2;
  throw_bad_arg(fn, "mode", mode, "must be \"sum\", \"mean\" or \"max\"");
}

const char* mode_string(uint32_t code) { return code == 0 ? "sum" : code == 1 ? "mean" : "max"; }

}  // namespace

// ---- Embedding --------------------------------------------------------------------------------------------------

void Embedding::init(const char* fn, int64_t num_embeddings, int64_t embedding_dim, DType dtype) {
  check_arg(num_embeddings >= 0, fn, "num_embeddings", num_embeddings, "must be >= 0");
  check_arg(embedding_dim >= 1, fn, "embedding_dim", embedding_dim, "must be >= 1");
  check_arg(dtype == DType::quint8 || dtype == DType::quint4x2, fn, "dtype", dtype_name(dtype),
            "must be quint8 or quint4x2 (the data types of quantized embeddings)");
  num_embeddings_ = num_embeddings;
  embedding_dim_ = embedding_dim;
  dtype_ = dtype;
  const auto rows = static_cast<size_t>(num_embeddings), dim = static_cast<size_t>(embedding_dim);
  const std::vector<uint8_t> zeros(rows * rowwise_value_bytes(bits_of(dtype), dim), 0);
  const std::vector<float> ones(rows, 1.0f), zps(rows, 0.0f);
  table_ = PackedEmbeddingTable(bits_of(dtype), zeros.data(), rows, dim, ones.data(), zps.data());
}

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx_,
                     std::optional<double> max_norm_, double norm_type_, bool scale_grad_by_freq_, bool sparse_,
                     DType dtype)
    : padding_idx(padding_idx_),
      max_norm(max_norm_),
      norm_type(norm_type_),
      scale_grad_by_freq(scale_grad_by_freq_),
      sparse(sparse_) {
  init("nnq.Embedding", num_embeddings, embedding_dim, dtype);
}

std::shared_ptr<Embedding> Embedding::from_quantized(const Tensor& qweight) {
  constexpr const char* fn = "nnq.Embedding.from_quantized";
  check_arg(qweight.defined() && qweight.dim() == 2, fn, "qweight",
            qweight.defined() ? qweight.to_string() : "undefined", "must be a 2-D quantized tensor");
  auto m = std::make_shared<Embedding>(qweight.size(0), qweight.size(1), std::nullopt, std::nullopt, 2.0, false, false,
                                       qweight.dtype() == DType::quint4x2 ? DType::quint4x2 : DType::quint8);
  m->set_weight_for(fn, qweight);
  return m;
}

void Embedding::set_weight(const Tensor& qweight) { set_weight_for("nnq.Embedding.set_weight", qweight); }

void Embedding::set_weight_for(const char* fn, const Tensor& qweight) {
  check_arg(qweight.defined(), fn, "qweight", "undefined", "must be a quantized tensor");
  check_arg(qweight.dtype() == dtype_, fn, "qweight.dtype", dtype_name(qweight.dtype()),
            std::string("must be the module's dtype (") + dtype_name(dtype_) + ")");
  check_arg(qweight.qscheme() == QScheme::per_channel_affine_float_qparams, fn, "qweight.qscheme",
            qscheme_name(qweight.qscheme()), "must be per_channel_affine_float_qparams");
  check_arg(qweight.q_per_channel_axis() == 0, fn, "qweight.axis", qweight.q_per_channel_axis(),
            "must be 0 (one scale and zero point per row)");
  const std::vector<int64_t> want = {num_embeddings_, embedding_dim_};
  check_arg(qweight.sizes() == want, fn, "qweight.shape", shape_str(qweight.sizes()),
            "must be [num_embeddings, embedding_dim] = " + shape_str(want));
  const Tensor q = qweight.contiguous();
  const std::vector<double>& scales = q.q_per_channel_scales();
  std::vector<float> fscales(scales.begin(), scales.end());  // PyTorch packs the scales as float
  adopt(PackedEmbeddingTable(bits_of(dtype_), q.data_ptr<uint8_t>(), static_cast<size_t>(num_embeddings_),
                             static_cast<size_t>(embedding_dim_), fscales.data(),
                             q.q_per_channel_float_zero_points().data()));
}

void Embedding::adopt(const PackedEmbeddingTable& table) {
  table_ = table;
  num_embeddings_ = static_cast<int64_t>(table.rows());
  embedding_dim_ = static_cast<int64_t>(table.dim());
  dtype_ = table.bits() == 4 ? DType::quint4x2 : DType::quint8;
}

Tensor Embedding::weight() const {
  const std::vector<double> scales(table_.scales().begin(), table_.scales().end());
  const std::vector<int64_t> sizes = {num_embeddings_, embedding_dim_};
  Quantizer qz = make_per_channel_quantizer("nnq.Embedding.weight", sizes, scales, table_.zero_points(), 0, dtype_);
  Tensor w = empty_quantized(sizes, dtype_, std::move(qz));
  const size_t vbytes = rowwise_value_bytes(table_.bits(), table_.dim());
  auto* out = w.data_ptr<uint8_t>();
  for (size_t r = 0; r < table_.rows(); ++r) std::memcpy(out + r * vbytes, table_.values(r), vbytes);
  return w;
}

Tensor Embedding::forward(const Tensor& indices) {
  return embedding_bag_rowwise("nnq.Embedding.forward", table_.view(), indices, Tensor(), 0, Tensor(), false,
                               EmbeddingOutput::per_index);
}

std::string Embedding::extra_repr() const {
  std::ostringstream os;
  os << "num_embeddings=" << num_embeddings_ << ", embedding_dim=" << embedding_dim_ << ", dtype=torch."
     << dtype_name(dtype_) << ", qscheme=torch.per_channel_affine_float_qparams";
  return os.str();
}

// ---- serialization ----------------------------------------------------------------------------------------------
// "QJITNQEM" | u32 version | u32 kind | u32 mode | u32 include_last_offset | u64 table size | table blob (itself
// versioned and checksummed) | u32 crc32 of everything before it.

namespace {
constexpr char kMagic[8] = {'Q', 'J', 'I', 'T', 'N', 'Q', 'E', 'M'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = sizeof kMagic + 4 * 4 + 8;

template <class T>
void put(std::vector<uint8_t>& out, const T& v) {
  const size_t at = out.size();
  out.resize(at + sizeof v);
  std::memcpy(out.data() + at, &v, sizeof v);
}
template <class T>
T get(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace

std::vector<uint8_t> Embedding::serialize_as(uint32_t kind, uint32_t mode, bool include_last_offset) const {
  const std::vector<uint8_t> table = table_.serialize();
  std::vector<uint8_t> out(kMagic, kMagic + sizeof kMagic);
  put(out, kVersion);
  put(out, kind);
  put(out, mode);
  put(out, static_cast<uint32_t>(include_last_offset));
  put(out, static_cast<uint64_t>(table.size()));
  const size_t at = out.size();
  out.resize(at + table.size());
  std::memcpy(out.data() + at, table.data(), table.size());
  put(out, static_cast<uint32_t>(crc32(0L, out.data(), static_cast<uInt>(out.size()))));
  return out;
}

Embedding::Loaded Embedding::load(const char* fn, const uint8_t* data, size_t size) {
  check_not_null(fn, "data", data);
  check_arg(size >= kHeader + 4, fn, "size", size, "too small for a quantized-embedding header");
  check_arg(std::memcmp(data, kMagic, sizeof kMagic) == 0, fn, "magic", "?", "not a qjit quantized-embedding blob");
  const auto stored_crc = get<uint32_t>(data + size - 4);
  const auto crc = static_cast<uint32_t>(crc32(0L, data, static_cast<uInt>(size - 4)));
  check_arg(crc == stored_crc, fn, "checksum", stored_crc, "does not match the data (corrupt blob)");
  const uint8_t* p = data + sizeof kMagic;
  const auto version = get<uint32_t>(p);
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  Loaded l;
  l.kind = get<uint32_t>(p + 4);
  l.mode = get<uint32_t>(p + 8);
  const auto last = get<uint32_t>(p + 12);
  const auto table_size = get<uint64_t>(p + 16);
  check_arg(l.kind <= 1, fn, "kind", l.kind, "must be 0 (Embedding) or 1 (EmbeddingBag)");
  check_arg(l.mode <= 2, fn, "mode", l.mode, "must be 0, 1 or 2");
  check_arg(last <= 1, fn, "include_last_offset", last, "must be 0 or 1");
  check_arg(table_size == size - kHeader - 4, fn, "table size", table_size,
            "does not match the blob (" + std::to_string(size - kHeader - 4) + " bytes)");
  l.include_last_offset = last == 1;
  l.table = PackedEmbeddingTable::deserialize(data + kHeader, static_cast<size_t>(table_size));
  check_arg(l.table.bits() == 8 || l.table.bits() == 4, fn, "bits", l.table.bits(),
            "must be 8 (quint8) or 4 (quint4x2)");
  return l;
}

std::vector<uint8_t> Embedding::serialize() const { return serialize_as(0, 0, false); }

std::shared_ptr<Embedding> Embedding::deserialize(const uint8_t* data, size_t size) {
  constexpr const char* fn = "nnq.Embedding.deserialize";
  Loaded l = load(fn, data, size);
  check_arg(l.kind == 0, fn, "kind", l.kind, "is an EmbeddingBag blob (use nnq::EmbeddingBag::deserialize)");
  auto m = std::shared_ptr<Embedding>(new Embedding(Tag{}));
  m->adopt(l.table);
  return m;
}

// ---- EmbeddingBag -----------------------------------------------------------------------------------------------

EmbeddingBag::EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, std::optional<double> max_norm_,
                           double norm_type_, bool scale_grad_by_freq_, const std::string& mode, bool sparse_,
                           bool include_last_offset, DType dtype)
    : ModuleBase<EmbeddingBag, Embedding>(Embedding::Tag{}), mode_(mode), include_last_offset_(include_last_offset) {
  constexpr const char* fn = "nnq.EmbeddingBag";
  mode_code(fn, mode);
  max_norm = max_norm_;
  norm_type = norm_type_;
  scale_grad_by_freq = scale_grad_by_freq_;
  sparse = sparse_;
  init(fn, num_embeddings, embedding_dim, dtype);
}

std::shared_ptr<EmbeddingBag> EmbeddingBag::from_quantized(const Tensor& qweight, const std::string& mode,
                                                           bool include_last_offset) {
  constexpr const char* fn = "nnq.EmbeddingBag.from_quantized";
  check_arg(qweight.defined() && qweight.dim() == 2, fn, "qweight",
            qweight.defined() ? qweight.to_string() : "undefined", "must be a 2-D quantized tensor");
  auto m = std::make_shared<EmbeddingBag>(qweight.size(0), qweight.size(1), std::nullopt, 2.0, false, mode, false,
                                          include_last_offset,
                                          qweight.dtype() == DType::quint4x2 ? DType::quint4x2 : DType::quint8);
  m->set_weight_for(fn, qweight);
  return m;
}

Tensor EmbeddingBag::forward(const Tensor& indices, const Tensor& offsets, const Tensor& per_sample_weights,
                             const Tensor& compressed_indices_mapping) {
  constexpr const char* fn = "nnq.EmbeddingBag.forward";
  check_arg(!compressed_indices_mapping.defined(), fn, "compressed_indices_mapping",
            compressed_indices_mapping.defined() ? compressed_indices_mapping.to_string() : "",
            "is not supported (pruned tables are FBGEMM-only in PyTorch)");
  Tensor y = embedding_bag_rowwise(fn, table_.view(), indices, offsets, mode_code(fn, mode_), per_sample_weights,
                                   include_last_offset_);
  return run_forward_hooks(indices, std::move(y));
}

Tensor EmbeddingBag::forward(const Tensor& indices) {
  return embedding_bag_rowwise("nnq.EmbeddingBag.forward", table_.view(), indices, Tensor(),
                               mode_code("nnq.EmbeddingBag.forward", mode_), Tensor(), include_last_offset_);
}

std::vector<uint8_t> EmbeddingBag::serialize() const {
  return serialize_as(1, static_cast<uint32_t>(mode_code("nnq.EmbeddingBag.serialize", mode_)), include_last_offset_);
}

std::shared_ptr<EmbeddingBag> EmbeddingBag::deserialize(const uint8_t* data, size_t size) {
  constexpr const char* fn = "nnq.EmbeddingBag.deserialize";
  Loaded l = load(fn, data, size);
  check_arg(l.kind == 1, fn, "kind", l.kind, "is an Embedding blob (use nnq::Embedding::deserialize)");
  auto m = std::shared_ptr<EmbeddingBag>(new EmbeddingBag(Tag{}));
  m->adopt(l.table);
  m->mode_ = mode_string(l.mode);
  m->include_last_offset_ = l.include_last_offset;
  return m;
}

}  // namespace qjit::nnq
