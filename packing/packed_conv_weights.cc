#include "packing/packed_conv_weights.h"

#include <string>
#include <utility>

#include "base/error.h"
#include "jit/groupwise_desc.h"
#include "packing/blob.h"
#include "packing/conv_weight_groups.h"

namespace qjit {

namespace {

constexpr const char* kFn = "PackedConvWeights";

// The PyTorch offset of (output channel g*OCg + n, input channel c of the group, tap 0):
// weight[OC][C/G][taps].
struct Offset {
  size_t Cg, OCg, taps;
  size_t operator()(size_t g, size_t c, size_t n) const { return ((g * OCg + n) * Cg + c) * taps; }
};

}  // namespace

PackedConvWeights::PackedConvWeights(const ConvWeightShape& shape, const int8_t* w, WeightQParams qparams,
                                     const float* bias, Isa isa, PackOptions options) {
  conv_weights::check_shape(kFn, shape);
  check_not_null(kFn, "weights", w);
  const size_t OC = shape.out_channels;
  // Checked here (against OC, indices of the layer) rather than per group by PackedWeights, whose messages would
  // name OC/G and indices within a group.
  conv_weights::check_qparams(kFn, qparams, OC);
  shape_ = shape;
  qparams_ = std::move(qparams);
  if (bias) bias_.assign(bias, bias + OC);

  const size_t G = shape.groups, Cg = shape.group_in(), OCg = shape.group_out(), taps = shape.taps();
  groups_ = conv_weights::pack_groups(G, Cg, OCg, taps, w, qparams_, bias, isa, Offset{Cg, OCg, taps},
                                     options);
  if (DepthwiseWeights::fits(shape.in_channels, OC, G, taps))  // [OC][1][kd][kh][kw] is already its layout
    depthwise_.emplace(w, shape.in_channels, OCg, shape.kernel, qparams_.zero_points, isa);
  if (G > 1 && Cg == OCg && GroupwiseDesc::supports_group_channels(Cg) && taps <= GroupwiseDesc::kMaxTaps &&
      !has_zero_points())
    groupwise_.emplace(w, G, Cg, taps, isa);  // [OC][C/G][taps] is already its layout
}

bool PackedConvWeights::has_zero_points() const { return conv_weights::any_zero_points(groups_); }

std::vector<int8_t> PackedConvWeights::unpack() const {
  const size_t Cg = shape_.group_in(), OCg = shape_.group_out(), taps = shape_.taps();
  return conv_weights::unpack_groups(groups_, Cg, OCg, taps, shape_.elements(), Offset{Cg, OCg, taps});
}

std::string PackedConvWeights::describe() const {
  const GemmLayout& L = groups_.front().layout();
  return "oc=" + std::to_string(shape_.out_channels) + ":c=" + std::to_string(shape_.in_channels) +
         ":g=" + std::to_string(shape_.groups) + ":k=" + std::to_string(shape_.kernel[0]) + "x" +
         std::to_string(shape_.kernel[1]) + "x" + std::to_string(shape_.kernel[2]) + ":K=" + std::to_string(shape_.K()) +
         ":layout=" + dot_kind_name(L.dot) + ":nr=" + std::to_string(L.nr) +
         (groups_.front().has_a7_panels() ? std::string(":a7=") + dot_kind_name(groups_.front().a7_layout().dot) : "") +
         (groupwise_ ? ":groupwise=cg" + std::to_string(groupwise_->group_channels()) : "");
}

}  // namespace qjit

namespace qjit {

// ---- Serialization -------------------------------------------------------------------------------------------
// "QJITPCW\0" | u32 version | u64 OC, C, G, kD, kH, kW | u64 n_scales, n_zps, n_bias |
// u32 options (version 2: bit 0 PackOptions::a7_panels; absent in version 1) | f64 scales |
// i32 zero points | f32 bias | i8 weights in PyTorch layout | u32 crc32 of everything before it.
// The weights are stored unpacked: the packed form depends on the ISA (one PackedWeights per group, possibly a
// depthwise or groupwise copy) and is rebuilt on load anyway, as PackedWeights::deserialize does.

namespace {
constexpr char kConvMagic[8] = {'Q', 'J', 'I', 'T', 'P', 'C', 'W', 0};
constexpr uint32_t kConvVersion = 2;
constexpr uint32_t kConvOptionA7Panels = 1;
}  // namespace

std::vector<uint8_t> PackedConvWeights::serialize() const {
  BlobWriter w(kConvMagic);
  w.put(kConvVersion);
  for (size_t v : {shape_.out_channels, shape_.in_channels, shape_.groups, shape_.kernel[0], shape_.kernel[1],
                   shape_.kernel[2]})
    w.put(static_cast<uint64_t>(v));
  w.put(static_cast<uint64_t>(qparams_.scales.size()));
  w.put(static_cast<uint64_t>(qparams_.zero_points.size()));
  w.put(static_cast<uint64_t>(bias_.size()));
  w.put(groups_.front().options().a7_panels ? kConvOptionA7Panels : uint32_t{0});
  w.put_bytes(qparams_.scales.data(), qparams_.scales.size() * sizeof(double));
  w.put_bytes(qparams_.zero_points.data(), qparams_.zero_points.size() * sizeof(int32_t));
  w.put_bytes(bias_.data(), bias_.size() * sizeof(float));
  const std::vector<int8_t> weights = unpack();
  w.put_bytes(weights.data(), weights.size());
  return w.finish();
}

PackedConvWeights PackedConvWeights::deserialize(const uint8_t* data, size_t size, Isa isa) {
  constexpr const char* fn = "PackedConvWeights::deserialize";
  check_isa_available(fn, isa);
  BlobReader r(fn, data, size, kConvMagic, "a qjit packed-conv-weights blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == 1 || version == kConvVersion, fn, "version", version,
            "unsupported (this build reads versions 1 and 2)");
  // Bound every number before multiplying any two, so that a forged header cannot overflow a size computation;
  // the constructor checks the rest of the shape (divisibility, K <= 2^24).
  constexpr uint64_t kMax = uint64_t{1} << 24;
  ConvWeightShape shape;
  const char* names[6] = {"out_channels", "in_channels", "groups", "kernel[0]", "kernel[1]", "kernel[2]"};
  size_t* fields[6] = {&shape.out_channels, &shape.in_channels, &shape.groups,
                       &shape.kernel[0],    &shape.kernel[1],    &shape.kernel[2]};
  for (int i = 0; i < 6; ++i) {
    const uint64_t v = r.get<uint64_t>(names[i]);
    check_arg(v >= 1 && v <= kMax, fn, names[i], v, "out of range [1, 2^24]");
    *fields[i] = static_cast<size_t>(v);
  }
  check_arg(shape.in_channels % shape.groups == 0 && shape.out_channels % shape.groups == 0, fn, "groups",
            shape.groups, "does not divide the channels");
  check_arg(shape.kernel[0] * shape.kernel[1] <= kMax && shape.taps() <= kMax && shape.K() <= kMax, fn, "kernel",
            shape.kernel[0] * shape.kernel[1], "kD*kH*kW*C/G out of range");
  const size_t OC = shape.out_channels;
  const uint64_t n_scales = r.get<uint64_t>("scales"), n_zps = r.get<uint64_t>("zero points");
  const uint64_t n_bias = r.get<uint64_t>("bias");
  PackOptions options;
  if (version >= 2) {
    const uint32_t bits = r.get<uint32_t>("options");
    check_arg((bits & ~kConvOptionA7Panels) == 0, fn, "options", bits, "has unknown bits");
    options.a7_panels = (bits & kConvOptionA7Panels) != 0;
  }
  check_arg(n_scales == 1 || n_scales == OC, fn, "scales", n_scales, "must be 1 or out_channels");
  check_arg(n_zps == 1 || n_zps == OC, fn, "zero points", n_zps, "must be 1 or out_channels");
  check_arg(n_bias == 0 || n_bias == OC, fn, "bias", n_bias, "must be 0 or out_channels");
  WeightQParams q;
  q.scales.resize(n_scales);
  q.zero_points.resize(n_zps);
  std::vector<float> bias(n_bias);
  r.take(q.scales.data(), n_scales * sizeof(double), "scales");
  r.take(q.zero_points.data(), n_zps * sizeof(int32_t), "zero points");
  r.take(bias.data(), n_bias * sizeof(float), "bias");
  std::vector<int8_t> weights(shape.elements());
  r.take(weights.data(), weights.size(), "weights");
  r.expect_end();
  return PackedConvWeights(shape, weights.data(), std::move(q), bias.empty() ? nullptr : bias.data(), isa,
                           options);
}

}  // namespace qjit
