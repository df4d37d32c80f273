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

// How to pack, beyond the weights themselves.
struct PackOptions {
  // Also keep the weights in the u8x4-maddubs layout when the exact layout is s16x2-madd, i.e. on the paths whose
  // VPMADDUBSW can saturate (avx2, avx512 without VNNI) for weights with some pair |b0 + b1| > 128. gemm() then
  // multiplies by these panels whenever every activation it reads is <= 127 (PyTorch's reduce_range activations:
  // quant_min 0, quant_max 127), where maddubs cannot saturate for any int8 weights (2 * 127 * 128 = 32512 <=
  // 32767), and by the exact s16x2 panels otherwise: exact either way, decided per call by the max of A.
  // Memory: k_padded4(K) * N_padded bytes more, half the s16x2 panels (1.5x the panel bytes in all); nothing is
  // kept where the exact layout already is u8x4 (weights that fit, VNNI paths, the scalar path).
  bool a7_panels = false;
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
                const float* bias = nullptr, Isa isa = max_isa(), PackOptions options = {});

  size_t K() const { return K_; }
  size_t N() const { return N_; }
  const GemmLayout& layout() const { return layout_; }
  size_t panels() const { return (N_ + layout_.nr - 1) / layout_.nr; }
  // Panel j: layout().panel_bytes(K) bytes for columns [j * nr, j * nr + nr), zero-padded past N.
  const void* panel(size_t j) const { return data_.get() + j * layout_.panel_bytes(K_); }

  // The u8x4-maddubs panels kept for activations <= 127 (PackOptions::a7_panels), in layout a7_layout(), same
  // nr and mr as layout(); null when none were kept (option off, or layout() is already u8x4).
  bool has_a7_panels() const { return a7_data_ != nullptr; }
  const GemmLayout& a7_layout() const { return a7_layout_; }
  const void* a7_panel(size_t j) const { return a7_data_.get() + j * a7_layout_.panel_bytes(K_); }
  const PackOptions& options() const { return options_; }

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
  // for `isa` when the blob's layout is not the one `isa` uses. The options are stored (format version 2) and the
  // a7 panels rebuilt on load; version 1 blobs (no options) still load, with the default options.
  std::vector<uint8_t> serialize() const;
  static PackedWeights deserialize(const uint8_t* data, size_t size, Isa isa = max_isa());

  // e.g. "K=512:N=1024:layout=u8x4-maddubs:nr=16", with ":a7=u8x4-maddubs" when a7 panels are kept
  std::string describe() const;

 private:
  PackedWeights() = default;
  void pack_from(const int8_t* kn, size_t ldw);  // kn is K x N; packs the exact panels, and the a7 ones if asked
  void pack_panels(const int8_t* kn, size_t ldw, const GemmLayout& l, uint8_t* dst) const;

  size_t K_ = 0, N_ = 0;
  GemmLayout layout_;
  WeightQParams qparams_;
  bool has_zp_ = false;
  std::vector<int32_t> col_sums_, col_zps_;
  std::vector<float> bias_;
  std::shared_ptr<uint8_t[]> data_;  // shared: copies of a PackedWeights are cheap and immutable
  size_t data_bytes_ = 0;
  PackOptions options_;
  GemmLayout a7_layout_;
  std::shared_ptr<uint8_t[]> a7_data_;  // null unless a7 panels are kept
};

}  // namespace qjit
