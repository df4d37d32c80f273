// Rowwise-quantized embedding tables in PyTorch's packed layout (quantized::embedding_bag_{byte,4bit,2bit}_prepack),
// byte for byte, so a table packed by PyTorch can be used here and the reverse.
//
// One packed row of a table with `dim` columns:
//   8 bits ("byte"): uint8 q[dim] | f32 scale | f32 bias
//   4 / 2 bits:      ceil(dim / (8 / bits)) bytes, element j in byte j / (8 / bits) at bit (j % (8 / bits)) * bits
//                    (low bits first, as PyTorch's quint4x2) | f16 scale | f16 bias
// and the value of element j is q * scale + bias (bias is the row minimum, or -zero_point * scale for a table
// packed from a quantized tensor). Little-endian, rows contiguous, no padding.
//
// Promises: rowwise_prepack reproduces PyTorch 1.13's FBGEMM-less prepack bit for bit (min/max per row, the same
// float32 / float16 arithmetic; golden cases prepack_*), rowwise_unpack its unpack. PackedEmbeddingTable keeps a
// table built from a quantized weight with the weight's own qparams, and serializes it (versioned, checksummed;
// truncated or corrupt input is a qjit::Error). Every function checks its arguments (qjit::Error).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qjit {

// 8, 4 or 2.
bool is_rowwise_bits(int bits);
// Bytes holding the values of one row, and the whole row (values + scale + bias).
size_t rowwise_value_bytes(int bits, size_t dim);
size_t rowwise_row_bytes(int bits, size_t dim);
// The packed row width PyTorch gives a table of `dim` columns, and back: the largest dim whose rows are that wide
// (4/2 bits: the packed width does not say whether the last byte is full; PyTorch's unpack assumes it is).
size_t rowwise_dim_from_row_bytes(int bits, size_t row_bytes);

// A packed table as the kernels read it (not owned).
struct RowwiseTable {
  int bits = 8;
  const uint8_t* data = nullptr;
  size_t rows = 0;
  size_t dim = 0;
  size_t row_bytes() const { return rowwise_row_bytes(bits, dim); }
  const uint8_t* row(size_t r) const { return data + r * row_bytes(); }
};
// Throws qjit::Error naming `fn` unless bits is 8/4/2, data is set (when rows > 0) and dim > 0.
void check_rowwise_table(const char* fn, const RowwiseTable& t);

// The scale and bias stored at the end of row r (f16 ones widened exactly to float).
float rowwise_scale(const RowwiseTable& t, size_t r);
float rowwise_bias(const RowwiseTable& t, size_t r);

// PyTorch's embedding_bag_{byte,4bit,2bit}_prepack (optimized_qparams=False) of a float table w[rows][dim]:
//   byte:  scale = (max - min) / 255, bias = min, q = lrintf((x - min) * (255 / (max - min + 1e-8)))
//   4/2:   bias = f16(min); range = max - bias; scale = f16(range / (2^bits - 1)), 1 when range or the scale is 0
//          (or its inverse inf); q = clamp(lrintf((x - bias) * (1 / scale)), 0, 2^bits - 1)
// out: rows * rowwise_row_bytes(bits, dim) bytes. Rows holding NaN or inf are an error.
void rowwise_prepack(int bits, const float* w, size_t rows, size_t dim, uint8_t* out);
// PyTorch's embedding_bag_*_unpack: out[r][j] = q * scale + bias (a multiply, then an add: no fma, as ATen's
// compiled loop does). out: rows * dim floats.
void rowwise_unpack(const RowwiseTable& t, float* out);

// A table built from an already quantized weight (a per_channel_affine_float_qparams quint8 / quint4x2 tensor, in
// PyTorch's prepack of a quantized weight): values are the tensor's stored bytes, rowwise_value_bytes(bits, dim)
// per row (one byte per value for 8 bits, PyTorch's packed nibbles for 4 bits); each row stores scale[r] and
// bias = (zero_point[r] * scale[r]) * -1, in float32 (8 bits) or float16 (4 / 2 bits). The weight's own qparams
// are kept beside the table, so the weight comes back exactly (PyTorch's unpack does the same).
class PackedEmbeddingTable {
 public:
  PackedEmbeddingTable() = default;  // empty: bits 8, no rows
  PackedEmbeddingTable(int bits, const uint8_t* values, size_t rows, size_t dim, const float* scales,
                       const float* zero_points);

  int bits() const { return bits_; }
  size_t rows() const { return rows_; }
  size_t dim() const { return dim_; }
  RowwiseTable view() const { return {bits_, data_.data(), rows_, dim_}; }
  const std::vector<uint8_t>& packed() const { return data_; }
  // The weight's stored bytes of row r (rowwise_value_bytes(bits, dim) of them) and its qparams.
  const uint8_t* values(size_t r) const { return data_.data() + r * rowwise_row_bytes(bits_, dim_); }
  const std::vector<float>& scales() const { return scales_; }
  const std::vector<float>& zero_points() const { return zero_points_; }

  // "QJITEMB\0" | u32 version | u32 bits | u64 rows, dim | f32 scales[rows] | f32 zero_points[rows] |
  // packed rows | u32 crc32 of everything before it.
  std::vector<uint8_t> serialize() const;
  static PackedEmbeddingTable deserialize(const uint8_t* data, size_t size);

 private:
  int bits_ = 8;
  size_t rows_ = 0, dim_ = 0;
  std::vector<uint8_t> data_;
  std::vector<float> scales_, zero_points_;
};

}  // namespace qjit
