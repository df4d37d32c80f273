// Convolution weights packed once for the GEMM that runs the convolution: one PackedWeights per group.
//
// Input: PyTorch's layout, weight[OC][C/G][kD][kH][kW] int8 (kD = kH = 1 for conv1d, kD = 1 for conv2d).
// Group g becomes the K x N matrix B_g with N = OC/G columns (output channels g*OC/G ...) and
//   K = kD*kH*kW*(C/G) rows, row k = ((kd*kH + kh)*kW + kw)*(C/G) + c,
// i.e. tap-major and channel-minor: exactly the order in which the im2col rows of a channels-last (NHWC) input
// hold the values (for each tap, the C/G channels of one input pixel are contiguous), so that a 1x1 convolution's
// A matrix is the input itself and im2col copies whole channel runs.
//
// This header lives in packing/ and does not know the convolution descriptor of kernels/ (calls go downward
// only): it takes the few numbers of the weight tensor's shape (kernels/conv_desc.h makes them from a ConvDesc).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "packing/depthwise_weights.h"
#include "packing/groupwise_weights.h"
#include "packing/packed_weights.h"

namespace qjit {

struct ConvWeightShape {
  size_t out_channels = 1;             // OC
  size_t in_channels = 1;              // C (of the whole layer, not per group)
  size_t groups = 1;                   // G: C and OC are multiples of it
  std::array<size_t, 3> kernel{1, 1, 1};  // kD, kH, kW (1 for the dimensions a conv1d / conv2d does not have)

  size_t group_in() const { return in_channels / groups; }    // C/G
  size_t group_out() const { return out_channels / groups; }  // OC/G
  size_t taps() const { return kernel[0] * kernel[1] * kernel[2]; }
  size_t K() const { return taps() * group_in(); }  // GEMM depth of one group
  size_t elements() const { return out_channels * K(); }
  bool operator==(const ConvWeightShape& o) const {
    return out_channels == o.out_channels && in_channels == o.in_channels && groups == o.groups && kernel == o.kernel;
  }
};

class PackedConvWeights {
 public:
  // w: shape.elements() int8 values in PyTorch layout. qparams: 1 entry (per tensor) or OC entries (per output
  // channel) for scales and zero points each. bias: OC floats or null (kept beside the weights, as PackedWeights
  // does; the convolution takes its bias through the OutputStage). Throws qjit::Error on bad arguments.
  // options: see PackOptions (packing/packed_weights.h); a7_panels applies to the GEMM groups (1x1, im2col,
  // grouped), not to the depthwise and groupwise packings, whose kernels do not use VPMADDUBSW pairs this way.
  PackedConvWeights(const ConvWeightShape& shape, const int8_t* w, WeightQParams qparams, const float* bias = nullptr,
                    Isa isa = max_isa(), PackOptions options = {});

  const ConvWeightShape& shape() const { return shape_; }
  Isa isa() const { return groups_.front().layout().isa; }
  size_t groups() const { return groups_.size(); }
  // Group g's K x (OC/G) matrix (its column n is output channel g*OC/G + n); its qparams and bias are the slice of
  // the layer's that belongs to those channels.
  const PackedWeights& group(size_t g) const { return groups_[g]; }

  const WeightQParams& qparams() const { return qparams_; }  // the layer's: 1 or OC entries
  bool per_channel() const { return qparams_.scales.size() > 1 || qparams_.zero_points.size() > 1; }
  bool has_zero_points() const;
  const std::vector<float>& bias() const { return bias_; }  // empty when the layer has none

  // For a depthwise layer (groups == C, OC a multiple of C, at most 255 taps; 1-d, 2-d or 3-d, any weight zero
  // points): the weights packed for the direct depthwise kernel too (kernels/depthwise.h), which conv() prefers
  // to the grouped GEMM. Rebuilt by deserialize() like the rest.
  const DepthwiseWeights* depthwise() const { return depthwise_ ? &*depthwise_ : nullptr; }
  // For a groupwise layer with few channels per group (G > 1, C/G == OC/G in {2, 4, 8, 16}, at most 64 taps,
  // symmetric weights): the weights packed for the direct groupwise kernel too (kernels/groupwise.h), which conv()
  // prefers to the grouped GEMM. Rebuilt by deserialize() like the rest.
  const GroupwiseWeights* groupwise() const { return groupwise_ ? &*groupwise_ : nullptr; }

  // The weights in PyTorch layout again.
  std::vector<int8_t> unpack() const;

  // Versioned, checksummed bytes: the weight shape, the pack options (format version 2; version 1 blobs load with
  // the default options), qparams, bias and the weights in PyTorch layout (the layout every ISA can read). deserialize() packs them anew for `isa`, so a blob written on one path or machine loads
  // on any other; truncated or corrupt input is a qjit::Error.
  std::vector<uint8_t> serialize() const;
  static PackedConvWeights deserialize(const uint8_t* data, size_t size, Isa isa = max_isa());

  // e.g. "oc=16:c=8:g=2:k=3x3x3:K=108:layout=madd16:nr=8", with ":a7=u8x4-maddubs" when the groups keep a7
  // panels and ":groupwise=cg4" when groupwise() is set.
  std::string describe() const;

 private:
  ConvWeightShape shape_;
  WeightQParams qparams_;
  std::vector<float> bias_;
  std::vector<PackedWeights> groups_;
  std::optional<DepthwiseWeights> depthwise_;
  std::optional<GroupwiseWeights> groupwise_;
};

}  // namespace qjit
