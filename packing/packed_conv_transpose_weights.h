// Transposed-convolution weights packed once for the GEMM that runs the transposed convolution
// (kernels/conv_transpose.h): one PackedWeights per group.
//
// Input: PyTorch's ConvTranspose layout, weight[C][OC/G][kD][kH][kW] int8 (input channels first). The transposed
// convolution is run in gather form: output pixel o reads, for each tap t, the input pixel i with
// o = i*stride - padding + t*dilation (when there is one). So group g becomes the K x N matrix B_g with
// N = OC/G columns (output channels g*OC/G ...) and K = kD*kH*kW*(C/G) rows,
//   B_g[(t*(C/G) + c)][n] = weight[g*C/G + c][n][t],   t = (kd*kH + kh)*kW + kw,
// tap-major and channel-minor like PackedConvWeights, so that the gathered rows copy whole channel runs.
//
// Scales and zero points are per tensor (1 entry) or per output channel (OC entries): the only per-channel
// quantization a requantizing epilogue can apply, since the sum runs over input channels. Serializable (versioned,
// checksummed, built on PackedWeights' blobs, repacked on load for another ISA).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "packing/packed_weights.h"

namespace qjit {

struct ConvTransposeWeightShape {
  size_t in_channels = 1;                 // C (of the whole layer): the weight's first dimension
  size_t out_channels = 1;                // OC (of the whole layer): G times the weight's second dimension
  size_t groups = 1;                      // G: C and OC are multiples of it
  std::array<size_t, 3> kernel{1, 1, 1};  // kD, kH, kW (1 for the dimensions a 1-d / 2-d layer does not have)

  size_t group_in() const { return in_channels / groups; }    // C/G
  size_t group_out() const { return out_channels / groups; }  // OC/G
  size_t taps() const { return kernel[0] * kernel[1] * kernel[2]; }
  size_t K() const { return taps() * group_in(); }  // GEMM depth of one group
  size_t elements() const { return in_channels * group_out() * taps(); }
  bool operator==(const ConvTransposeWeightShape& o) const {
    return in_channels == o.in_channels && out_channels == o.out_channels && groups == o.groups && kernel == o.kernel;
  }
};

// The weights of one output phase of a strided transposed convolution (kernels/conv_transpose.h, phase form).
// Along dimension i, the outputs o with (o + padding) % stride == r (their phase r) are reached only by the kernel
// offsets k with (k * dilation) % stride == r: taps[i] lists them (ascending). A phase no offset reaches lists {0},
// which reaches nothing from those outputs (its rows hold the activation zero point, adding exactly 0). group(g)
// is the K x (OC/G) matrix of the layer's group g restricted to the taps taps[0] x taps[1] x taps[2] (tap-major,
// channel-minor as the full matrix), K = their count * C/G.
struct ConvTransposePhase {
  std::array<std::vector<size_t>, 3> taps;
  size_t K = 0;
  std::vector<PackedWeights> groups;
};

// Every phase of one (stride, dilation): phases[(r0 * stride[1] + r1) * stride[2] + r2].
struct ConvTransposePhases {
  std::array<size_t, 3> stride{1, 1, 1}, dilation{1, 1, 1};
  std::vector<ConvTransposePhase> phases;
};

class PackedConvTransposeWeights {
 public:
  // w: shape.elements() int8 values in PyTorch's ConvTranspose layout. qparams: 1 entry (per tensor) or OC entries
  // (per output channel oc = g*OC/G + n) for scales and zero points each. bias: OC floats or null (kept beside
  // the weights; the kernel takes its bias through the OutputStage). Throws qjit::Error on bad arguments.
  PackedConvTransposeWeights(const ConvTransposeWeightShape& shape, const int8_t* w, WeightQParams qparams,
                             const float* bias = nullptr, Isa isa = max_isa());

  const ConvTransposeWeightShape& shape() const { return shape_; }
  Isa isa() const { return groups_.front().layout().isa; }
  size_t groups() const { return groups_.size(); }
  // Group g's K x (OC/G) matrix; its qparams and bias are the slice of the layer's for those channels.
  const PackedWeights& group(size_t g) const { return groups_[g]; }

  const WeightQParams& qparams() const { return qparams_; }  // the layer's: 1 or OC entries
  bool per_channel() const { return qparams_.scales.size() > 1 || qparams_.zero_points.size() > 1; }
  bool has_zero_points() const;
  const std::vector<float>& bias() const { return bias_; }  // empty when the layer has none

  // The weights in PyTorch's ConvTranspose layout again.
  std::vector<int8_t> unpack() const;

  // The weights split by output phase for this stride and dilation (every entry >= 1), packed on the first call
  // for them and kept (thread-safe; copies of this object share what was packed): a strided layer's repeated
  // calls pack nothing.
  const ConvTransposePhases& phases(const std::array<size_t, 3>& stride, const std::array<size_t, 3>& dilation) const;

  // Versioned, checksummed bytes; deserialize() throws qjit::Error on truncated or corrupt input and repacks for
  // `isa` when the blob was packed for another one.
  std::vector<uint8_t> serialize() const;
  static PackedConvTransposeWeights deserialize(const uint8_t* data, size_t size, Isa isa = max_isa());

  // e.g. "c=16:oc=8:g=2:k=1x3x3:K=72:layout=madd16:nr=8"
  std::string describe() const;

 private:
  PackedConvTransposeWeights() = default;

  ConvTransposeWeightShape shape_;
  WeightQParams qparams_;
  std::vector<float> bias_;
  std::vector<PackedWeights> groups_;
  struct PhaseCache;
  std::shared_ptr<PhaseCache> phase_cache_;
};

}  // namespace qjit
