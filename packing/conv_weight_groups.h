// What the packed weights of the convolution (packing/packed_conv_weights.h) and of the transposed convolution
// (packing/packed_conv_transpose_weights.h) share: the checks of a weight shape and of its qparams, and the
// split of the layer's weights into one PackedWeights per group and back. The two layers differ only in where
// PyTorch's layout keeps the taps of (group g, input channel c of the group, output channel n of the group); the
// taps of one such pair are contiguous in both, so the caller passes that offset.
//
// Group g becomes the K x N matrix B_g with N = OC/G columns (output channels g*OC/G ...) and K = taps * (C/G)
// rows, row k = t*(C/G) + c: tap-major and channel-minor, the order in which the rows built from a channels-last
// input hold the values.
//
// Internal to packing/.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "packing/packed_weights.h"

namespace qjit::conv_weights {

// Throws unless the channels and kernel are positive, groups divide both channel counts and K = taps * C/G fits
// PackedWeights' bound (2^24, exact int32 accumulation), checked without overflowing first. Shape is
// ConvWeightShape or ConvTransposeWeightShape.
void check_kernel(std::string_view fn, const std::array<size_t, 3>& kernel, size_t group_in);

template <class Shape>
void check_shape(std::string_view fn, const Shape& s) {
  check_arg(s.out_channels > 0, fn, "out_channels", s.out_channels, "must be > 0");
  check_arg(s.in_channels > 0, fn, "in_channels", s.in_channels, "must be > 0");
  check_arg(s.groups > 0, fn, "groups", s.groups, "must be > 0");
  check_arg(s.in_channels % s.groups == 0, fn, "in_channels", s.in_channels,
            "must be a multiple of groups (" + std::to_string(s.groups) + ")");
  check_arg(s.out_channels % s.groups == 0, fn, "out_channels", s.out_channels,
            "must be a multiple of groups (" + std::to_string(s.groups) + ")");
  check_kernel(fn, s.kernel, s.group_in());
}

// Throws unless scales and zero points have 1 or OC entries each, every scale is valid and every zero point in
// [-128, 127].
void check_qparams(std::string_view fn, const WeightQParams& q, size_t OC);

// Entries [first, first + n) of a per-channel vector, or the single per-tensor entry.
template <class T>
std::vector<T> slice(const std::vector<T>& v, size_t first, size_t n) {
  if (v.size() == 1) return v;
  return std::vector<T>(v.begin() + static_cast<ptrdiff_t>(first), v.begin() + static_cast<ptrdiff_t>(first + n));
}

// The qparams of group g's OCg output channels.
inline WeightQParams group_qparams(const WeightQParams& q, size_t g, size_t OCg) {
  return WeightQParams{slice(q.scales, g * OCg, OCg), slice(q.zero_points, g * OCg, OCg)};
}

// One PackedWeights per group from the weights w in PyTorch's layout, where offset(g, c, n) is the position of the
// first tap of (g, c, n). bias: OC floats or null. options: passed to every group's PackedWeights.
template <class Offset>
std::vector<PackedWeights> pack_groups(size_t G, size_t Cg, size_t OCg, size_t taps, const int8_t* w,
                                       const WeightQParams& q, const float* bias, Isa isa, const Offset& offset,
                                       PackOptions options = {}) {
  const size_t K = taps * Cg;
  std::vector<int8_t> kn(K * OCg);
  std::vector<PackedWeights> groups;
  groups.reserve(G);
  for (size_t g = 0; g < G; ++g) {
    for (size_t c = 0; c < Cg; ++c)
      for (size_t n = 0; n < OCg; ++n) {
        const int8_t* src = w + offset(g, c, n);
        for (size_t t = 0; t < taps; ++t) kn[(t * Cg + c) * OCg + n] = src[t];
      }
    groups.emplace_back(kn.data(), WeightOrder::k_by_n, K, OCg, group_qparams(q, g, OCg),
                        bias ? bias + g * OCg : nullptr, isa, options);
  }
  return groups;
}

// The weights in PyTorch's layout again (`elements` of them), from the groups pack_groups made with `offset`.
template <class Offset>
std::vector<int8_t> unpack_groups(const std::vector<PackedWeights>& groups, size_t Cg, size_t OCg, size_t taps,
                                  size_t elements, const Offset& offset) {
  std::vector<int8_t> w(elements);
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::vector<int8_t> kn = groups[g].unpack(WeightOrder::k_by_n);
    for (size_t c = 0; c < Cg; ++c)
      for (size_t n = 0; n < OCg; ++n) {
        int8_t* dst = w.data() + offset(g, c, n);
        for (size_t t = 0; t < taps; ++t) dst[t] = kn[(t * Cg + c) * OCg + n];
      }
  }
  return w;
}

// True when any group has a non-zero weight zero point.
inline bool any_zero_points(const std::vector<PackedWeights>& groups) {
  for (const PackedWeights& g : groups)
    if (g.has_zero_points()) return true;
  return false;
}

}  // namespace qjit::conv_weights
