#include "packing/embedding_rowwise.h"

#include <cmath>
#include <cstring>
#include <string>

#include "base/error.h"
#include "kernels/reference/quantize_ref.h"
#include "packing/blob.h"

namespace qjit {

namespace {

// A table no bigger than this (rows * row bytes) is accepted; keeps size arithmetic far from overflow.
constexpr size_t kMaxTableBytes = size_t{1} << 46;

void check_bits(const char* fn, int bits) { check_arg(is_rowwise_bits(bits), fn, "bits", bits, "must be 8, 4 or 2"); }

void check_shape(const char* fn, size_t rows, size_t dim, int bits) {
  check_arg(dim > 0, fn, "dim", dim, "must be > 0");
  check_arg(dim <= (size_t{1} << 31), fn, "dim", dim, "must be <= 2^31");
  check_arg(rows <= kMaxTableBytes / rowwise_row_bytes(bits, dim), fn, "rows", rows, "table too large");
}

void store_f32(uint8_t* p, float v) { std::memcpy(p, &v, 4); }
void store_f16(uint8_t* p, float v) {
  const uint16_t h = ref::f32_to_f16_val(v);
  std::memcpy(p, &h, 2);
}
float load_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}
float load_f16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return ref::f16_to_f32_val(h);
}
float f16_round(float v) { return ref::f16_to_f32_val(ref::f32_to_f16_val(v)); }

void prepack_byte_row(const float* x, size_t dim, uint8_t* out) {
  float mn = x[0], mx = x[0];
  for (size_t j = 1; j < dim; ++j) {
    mn = x[j] < mn ? x[j] : mn;
    mx = x[j] > mx ? x[j] : mx;
  }
  const float range = mx - mn;
  // PyTorch's kEpsilon keeps the inverse finite for constant rows (all values then quantize to 0).
  const float inverse_scale = 255.0f / (range + 1e-8f);
  for (size_t j = 0; j < dim; ++j) out[j] = static_cast<uint8_t>(std::lrint((x[j] - mn) * inverse_scale));
  store_f32(out + dim, range / 255.0f);
  store_f32(out + dim + 4, mn);
}

void prepack_nbit_row(int bits, const float* x, size_t dim, uint8_t* out) {
  float mn = x[0], mx = x[0];
  for (size_t j = 1; j < dim; ++j) {
    mn = x[j] < mn ? x[j] : mn;
    mx = x[j] > mx ? x[j] : mx;
  }
  const int qmax = (1 << bits) - 1;
  mn = f16_round(mn);  // the bias is stored as f16, and the values are quantized against that stored bias
  const float range = mx - mn;
  float scale = range == 0 ? 1.0f : f16_round(range / static_cast<float>(qmax));
  float inverse_scale = scale == 0 ? 1.0f : 1.0f / scale;
  if (scale == 0 || std::isinf(inverse_scale)) {
    scale = 1.0f;
    inverse_scale = 1.0f;
  }
  const size_t per_byte = static_cast<size_t>(8 / bits);
  const size_t nbytes = rowwise_value_bytes(bits, dim);
  std::memset(out, 0, nbytes);
  for (size_t j = 0; j < dim; ++j) {
    long q = std::lrint((x[j] - mn) * inverse_scale);
    q = q < 0 ? 0 : q > qmax ? qmax : q;
    out[j / per_byte] = static_cast<uint8_t>(out[j / per_byte] | (q << ((j % per_byte) * bits)));
  }
  store_f16(out + nbytes, scale);
  store_f16(out + nbytes + 2, mn);
}

}  // namespace

bool is_rowwise_bits(int bits) { return bits == 8 || bits == 4 || bits == 2; }

size_t rowwise_value_bytes(int bits, size_t dim) {
  const size_t per_byte = static_cast<size_t>(8 / bits);
  return (dim + per_byte - 1) / per_byte;
}

size_t rowwise_row_bytes(int bits, size_t dim) { return rowwise_value_bytes(bits, dim) + (bits == 8 ? 8 : 4); }

size_t rowwise_dim_from_row_bytes(int bits, size_t row_bytes) {
  constexpr const char* fn = "rowwise_dim_from_row_bytes";
  check_bits(fn, bits);
  const size_t tail = bits == 8 ? 8 : 4;
  check_arg(row_bytes > tail, fn, "row_bytes", row_bytes,
            "must exceed the " + std::to_string(tail) + " bytes of scale and bias");
  return (row_bytes - tail) * static_cast<size_t>(8 / bits);
}

void check_rowwise_table(const char* fn, const RowwiseTable& t) {
  check_bits(fn, t.bits);
  check_shape(fn, t.rows, t.dim, t.bits);
  if (t.rows > 0) check_not_null(fn, "table.data", t.data);
}

float rowwise_scale(const RowwiseTable& t, size_t r) {
  const uint8_t* p = t.row(r) + rowwise_value_bytes(t.bits, t.dim);
  return t.bits == 8 ? load_f32(p) : load_f16(p);
}

float rowwise_bias(const RowwiseTable& t, size_t r) {
  const uint8_t* p = t.row(r) + rowwise_value_bytes(t.bits, t.dim);
  return t.bits == 8 ? load_f32(p + 4) : load_f16(p + 2);
}

void rowwise_prepack(int bits, const float* w, size_t rows, size_t dim, uint8_t* out) {
  constexpr const char* fn = "rowwise_prepack";
  check_bits(fn, bits);
  check_shape(fn, rows, dim, bits);
  if (rows == 0) return;
  check_not_null(fn, "w", w);
  check_not_null(fn, "out", out);
  const size_t row_bytes = rowwise_row_bytes(bits, dim);
  for (size_t r = 0; r < rows; ++r) {
    const float* x = w + r * dim;
    for (size_t j = 0; j < dim; ++j)
      check_arg(std::isfinite(x[j]), fn, ArgAt{"w", r * dim + j}, x[j], "must be finite");
    if (bits == 8)
      prepack_byte_row(x, dim, out + r * row_bytes);
    else
      prepack_nbit_row(bits, x, dim, out + r * row_bytes);
  }
}

void rowwise_unpack(const RowwiseTable& t, float* out) {
  constexpr const char* fn = "rowwise_unpack";
  check_rowwise_table(fn, t);
  if (t.rows == 0) return;
  check_not_null(fn, "out", out);
  const size_t per_byte = static_cast<size_t>(8 / t.bits);
  const unsigned mask = (1u << t.bits) - 1;
  for (size_t r = 0; r < t.rows; ++r) {
    const uint8_t* q = t.row(r);
    const float scale = rowwise_scale(t, r), bias = rowwise_bias(t, r);
    for (size_t j = 0; j < t.dim; ++j) {
      const unsigned v = (q[j / per_byte] >> ((j % per_byte) * t.bits)) & mask;
      const float product = static_cast<float>(v) * scale;  // rounded before the add, as in ATen
      out[r * t.dim + j] = product + bias;
    }
  }
}

// ---- PackedEmbeddingTable -------------------------------------------------------------------------------------

PackedEmbeddingTable::PackedEmbeddingTable(int bits, const uint8_t* values, size_t rows, size_t dim,
                                           const float* scales, const float* zero_points) {
  constexpr const char* fn = "PackedEmbeddingTable";
  check_bits(fn, bits);
  check_shape(fn, rows, dim, bits);
  if (rows > 0) {
    check_not_null(fn, "values", values);
    check_not_null(fn, "scales", scales);
    check_not_null(fn, "zero_points", zero_points);
  }
  for (size_t r = 0; r < rows; ++r) {
    check_scale(fn, ArgAt{"scales", r}, scales[r]);
    check_arg(std::isfinite(zero_points[r]), fn, ArgAt{"zero_points", r}, zero_points[r], "must be finite");
  }
  bits_ = bits;
  rows_ = rows;
  dim_ = dim;
  scales_.assign(scales, scales + rows);
  zero_points_.assign(zero_points, zero_points + rows);
  const size_t vbytes = rowwise_value_bytes(bits, dim), row_bytes = rowwise_row_bytes(bits, dim);
  data_.assign(rows * row_bytes, 0);
  for (size_t r = 0; r < rows; ++r) {
    uint8_t* out = data_.data() + r * row_bytes;
    std::memcpy(out, values + r * vbytes, vbytes);
    if (bits != 8 && dim % static_cast<size_t>(8 / bits) != 0) {
      // Bits past the last value of a partial byte belong to no element: keep them zero, as PyTorch's packing does.
      const unsigned used = static_cast<unsigned>(dim % static_cast<size_t>(8 / bits)) * static_cast<unsigned>(bits);
      out[vbytes - 1] = static_cast<uint8_t>(out[vbytes - 1] & ((1u << used) - 1));
    }
    const float scale = scales[r];
    const float bias = zero_points[r] * scale * -1.0f;  // PyTorch: zero_point * scale * -1, left to right
    if (bits == 8) {
      store_f32(out + vbytes, scale);
      store_f32(out + vbytes + 4, bias);
    } else {
      store_f16(out + vbytes, scale);
      store_f16(out + vbytes + 2, bias);
    }
  }
}

namespace {

constexpr char kMagic[8] = {'Q', 'J', 'I', 'T', 'E', 'M', 'B', 0};
constexpr uint32_t kVersion = 1;
constexpr const char* kDeserialize = "PackedEmbeddingTable::deserialize";

}  // namespace

std::vector<uint8_t> PackedEmbeddingTable::serialize() const {
  BlobWriter w(kMagic);
  w.put(kVersion);
  w.put(static_cast<uint32_t>(bits_));
  w.put(static_cast<uint64_t>(rows_));
  w.put(static_cast<uint64_t>(dim_));
  w.put_bytes(scales_.data(), rows_ * sizeof(float));
  w.put_bytes(zero_points_.data(), rows_ * sizeof(float));
  w.put_bytes(data_.data(), data_.size());
  return w.finish();
}

PackedEmbeddingTable PackedEmbeddingTable::deserialize(const uint8_t* data, size_t size) {
  constexpr const char* fn = kDeserialize;
  BlobReader r(fn, data, size, kMagic, "a qjit embedding-table blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const int bits = static_cast<int>(r.get<uint32_t>("bits"));
  check_bits(fn, bits);
  const uint64_t rows = r.get<uint64_t>("rows"), dim = r.get<uint64_t>("dim");
  check_arg(dim > 0 && dim <= (uint64_t{1} << 31), fn, "dim", dim, "out of range");
  const size_t row_bytes = rowwise_row_bytes(bits, dim);
  // Bounded by what is left, so a corrupt count cannot make us allocate more than the blob holds.
  check_arg(rows <= r.remaining() / (row_bytes + 8), fn, "rows", rows, "larger than the blob");
  std::vector<float> scales(rows), zps(rows);
  r.take(scales.data(), rows * sizeof(float), "scales");
  r.take(zps.data(), rows * sizeof(float), "zero points");
  std::vector<uint8_t> packed(rows * row_bytes);
  r.take(packed.data(), packed.size(), "packed rows");
  r.expect_end();
  // Rebuilt from the weight's values and qparams, so every invariant of the constructor holds; the stored scale and
  // bias must then be the ones the blob carries.
  std::vector<uint8_t> values(rows * rowwise_value_bytes(bits, dim));
  for (size_t i = 0; i < rows; ++i)
    std::memcpy(values.data() + i * rowwise_value_bytes(bits, dim), packed.data() + i * row_bytes,
                rowwise_value_bytes(bits, dim));
  PackedEmbeddingTable t(bits, values.data(), rows, dim, scales.data(), zps.data());
  check_arg(t.data_ == packed, fn, "packed rows", "?", "inconsistent with the stored qparams (corrupt blob)");
  return t;
}

}  // namespace qjit
