// Int8 weights packed once for the GEMM microkernels of one ISA, with what the kernels need beside them: column
// sums (for the activation zero point), zero points per column, and the layer's scales and float bias.
// Serializable: a versioned, checksummed blob; a blob packed for another ISA's layout is repacked when loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "packing/gemm_layout.h"

namespace qjit {

enum class WeightOrder : uint8_t {
  n_by_k,  // PyTorch Linear: weight[n][k]
  k_by_n,  // B as a K x N matrix: weight[k][n]
};

// Scales and zero points: one entry (per tensor) or N entries (per output channel).
struct WeightQParams {
  std::vector<double> scales{1.0};
  std::vector<int32_t> zero_points{0};
};

class PackedWeights {
 public:
  // w holds K * N int8 values in `order` (dense). bias: N floats or null. Throws qjit::Error on bad arguments.
  PackedWeights(const int8_t* w, WeightOrder order, size_t K, size_t N, WeightQParams qparams,
                const float* bias = nullptr, Isa isa = max_isa());

  size_t K() const { return K_; }
  size_t N() const { return N_; }
  const GemmLayout& layout() const { return layout_; }
  size_t panels() const { return (N_ + layout_.nr - 1) / layout_.nr; }
  // Panel j: layout().panel_bytes(K) bytes for columns [j * nr, j * nr + nr), zero-padded past N.
  const void* panel(size_t j) const { return data_.get() + j * layout_.panel_bytes(K_); }

  const WeightQParams& qparams() const { return qparams_; }
  bool per_channel() const { return qparams_.scales.size() > 1 || qparams_.zero_points.size() > 1; }
  bool has_zero_points() const { return has_zp_; }
  // Per column (N, padded to whole panels with zeros): sum over k of w[k][n], and the zero point of column n.
  const int32_t* col_sums() const { return col_sums_.data(); }
  const int32_t* col_zero_points() const { return col_zps_.data(); }
  const std::vector<float>& bias() const { return bias_; }  // empty when the layer has none

  // The original weights, in either order.
  std::vector<int8_t> unpack(WeightOrder order) const;

  // Versioned, checksummed bytes; deserialize() throws qjit::Error on truncated or corrupt input and repacks
  // for `isa` when the blob's layout is not the one `isa` uses.
  std::vector<uint8_t> serialize() const;
  static PackedWeights deserialize(const uint8_t* data, size_t size, Isa isa = max_isa());

  // e.g. "K=512:N=1024:layout=u8x4-maddubs:nr=16"
  std::string describe() const;

 private:
  PackedWeights() = default;
  void pack_from(const int8_t* kn, size_t ldw);  // kn is K x N

  size_t K_ = 0, N_ = 0;
  GemmLayout layout_;
  WeightQParams qparams_;
  bool has_zp_ = false;
  std::vector<int32_t> col_sums_, col_zps_;
  std::vector<float> bias_;
  std::shared_ptr<uint8_t[]> data_;  // shared: copies of a PackedWeights are cheap and immutable
  size_t data_bytes_ = 0;
};

}  // namespace qjit
