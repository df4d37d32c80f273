#include "packing/packed_conv_transpose_weights.h"

#include <algorithm>
#include <cmath>
#include <list>
#include <mutex>
#include <string>

#include "base/error.h"
#include "packing/blob.h"
#include "packing/conv_weight_groups.h"

namespace qjit {

namespace {

constexpr const char* kFn = "PackedConvTransposeWeights";
constexpr const char* kLoadFn = "PackedConvTransposeWeights::deserialize";

void check_shape(const char* fn, const ConvTransposeWeightShape& s) {
  conv_weights::check_shape(fn, s);
  check_arg(s.out_channels <= size_t{1} << 24, fn, "out_channels", s.out_channels, "must be <= 2^24");
}

// The PyTorch offset of (input channel g*Cg + c, output channel n of the group, tap 0): weight[C][OC/G][taps].
struct Offset {
  size_t Cg, OCg, taps;
  size_t operator()(size_t g, size_t c, size_t n) const { return ((g * Cg + c) * OCg + n) * taps; }
};

}  // namespace

PackedConvTransposeWeights::PackedConvTransposeWeights(const ConvTransposeWeightShape& shape, const int8_t* w,
                                                       WeightQParams qparams, const float* bias, Isa isa) {
  check_shape(kFn, shape);
  check_not_null(kFn, "weights", w);
  conv_weights::check_qparams(kFn, qparams, shape.out_channels);
  check_isa_available(kFn, isa);
  const size_t OC = shape.out_channels;
  if (bias)
    for (size_t i = 0; i < OC; ++i) check_arg(std::isfinite(bias[i]), kFn, ArgAt{"bias", i}, bias[i], "must be finite");
  shape_ = shape;
  qparams_ = std::move(qparams);
  if (bias) bias_.assign(bias, bias + OC);

  const size_t G = shape.groups, Cg = shape.group_in(), OCg = shape.group_out(), taps = shape.taps();
  groups_ = conv_weights::pack_groups(G, Cg, OCg, taps, w, qparams_, bias, isa, Offset{Cg, OCg, taps});
  phase_cache_ = std::make_shared<PhaseCache>();
}

// ---- Phases ---------------------------------------------------------------------------------------------------

struct PackedConvTransposeWeights::PhaseCache {
  std::mutex mutex;
  std::list<ConvTransposePhases> entries;  // a list: references to entries stay valid as it grows
};

const ConvTransposePhases& PackedConvTransposeWeights::phases(const std::array<size_t, 3>& stride,
                                                               const std::array<size_t, 3>& dilation) const {
  for (size_t i = 0; i < 3; ++i) {
    check_arg(stride[i] >= 1, "PackedConvTransposeWeights::phases", ArgAt{"stride", i}, stride[i], "must be >= 1");
    check_arg(dilation[i] >= 1, "PackedConvTransposeWeights::phases", ArgAt{"dilation", i}, dilation[i], "must be >= 1");
  }
  std::lock_guard<std::mutex> lock(phase_cache_->mutex);
  for (const ConvTransposePhases& e : phase_cache_->entries)
    if (e.stride == stride && e.dilation == dilation) return e;

  ConvTransposePhases out;
  out.stride = stride;
  out.dilation = dilation;
  const size_t Cg = shape_.group_in(), OCg = shape_.group_out();
  const auto& k = shape_.kernel;
  std::vector<std::vector<int8_t>> full;  // each group's K x OCg matrix
  for (const PackedWeights& g : groups_) full.push_back(g.unpack(WeightOrder::k_by_n));
  for (size_t r0 = 0; r0 < stride[0]; ++r0)
    for (size_t r1 = 0; r1 < stride[1]; ++r1)
      for (size_t r2 = 0; r2 < stride[2]; ++r2) {
        ConvTransposePhase ph;
        const size_t r[3] = {r0, r1, r2};
        for (size_t i = 0; i < 3; ++i) {
          for (size_t t = 0; t < k[i]; ++t)
            if (t * dilation[i] % stride[i] == r[i]) ph.taps[i].push_back(t);
          if (ph.taps[i].empty()) ph.taps[i].push_back(0);
        }
        const size_t taps = ph.taps[0].size() * ph.taps[1].size() * ph.taps[2].size();
        ph.K = taps * Cg;
        std::vector<int8_t> sub(ph.K * OCg);
        for (size_t g = 0; g < groups_.size(); ++g) {
          size_t row = 0;
          for (size_t kd : ph.taps[0])
            for (size_t kh : ph.taps[1])
              for (size_t kw : ph.taps[2]) {
                const size_t t = (kd * k[1] + kh) * k[2] + kw;
                std::copy_n(full[g].begin() + static_cast<ptrdiff_t>(t * Cg * OCg), Cg * OCg,
                            sub.begin() + static_cast<ptrdiff_t>(row * Cg * OCg));
                ++row;
              }
          ph.groups.emplace_back(sub.data(), WeightOrder::k_by_n, ph.K, OCg, groups_[g].qparams(), nullptr,
                                 groups_[g].layout().isa);
        }
        out.phases.push_back(std::move(ph));
      }
  phase_cache_->entries.push_back(std::move(out));
  return phase_cache_->entries.back();
}

bool PackedConvTransposeWeights::has_zero_points() const { return conv_weights::any_zero_points(groups_); }

std::vector<int8_t> PackedConvTransposeWeights::unpack() const {
  const size_t Cg = shape_.group_in(), OCg = shape_.group_out(), taps = shape_.taps();
  return conv_weights::unpack_groups(groups_, Cg, OCg, taps, shape_.elements(), Offset{Cg, OCg, taps});
}

std::string PackedConvTransposeWeights::describe() const {
  const GemmLayout& L = groups_.front().layout();
  return "c=" + std::to_string(shape_.in_channels) + ":oc=" + std::to_string(shape_.out_channels) +
         ":g=" + std::to_string(shape_.groups) + ":k=" + std::to_string(shape_.kernel[0]) + "x" +
         std::to_string(shape_.kernel[1]) + "x" + std::to_string(shape_.kernel[2]) + ":K=" + std::to_string(shape_.K()) +
         ":layout=" + dot_kind_name(L.dot) + ":nr=" + std::to_string(L.nr);
}

// ---- Serialization -------------------------------------------------------------------------------------------
// "QJITPCT\0" | u32 version | u64 C, OC, G, kD, kH, kW, n_scales, n_zps, n_bias | f64 scales | i32 zero points |
// f32 bias | per group: u64 size, PackedWeights blob | u32 crc32 of everything before it.
// The layer's qparams and bias are stored once at the top (the groups' blobs carry their slices too, and are
// checked against them on load).

namespace {
constexpr char kMagic[8] = {'Q', 'J', 'I', 'T', 'P', 'C', 'T', 0};
constexpr uint32_t kVersion = 1;
}  // namespace

std::vector<uint8_t> PackedConvTransposeWeights::serialize() const {
  BlobWriter w(kMagic);
  w.put(kVersion);
  for (uint64_t v : {shape_.in_channels, shape_.out_channels, shape_.groups, shape_.kernel[0], shape_.kernel[1],
                     shape_.kernel[2], qparams_.scales.size(), qparams_.zero_points.size(), bias_.size()})
    w.put(v);
  w.put_bytes(qparams_.scales.data(), qparams_.scales.size() * sizeof(double));
  w.put_bytes(qparams_.zero_points.data(), qparams_.zero_points.size() * sizeof(int32_t));
  w.put_bytes(bias_.data(), bias_.size() * sizeof(float));
  for (const PackedWeights& g : groups_) w.put_blob(g.serialize());
  return w.finish();
}

PackedConvTransposeWeights PackedConvTransposeWeights::deserialize(const uint8_t* data, size_t size, Isa isa) {
  const char* fn = kLoadFn;
  check_isa_available(fn, isa);
  BlobReader r(fn, data, size, kMagic, "a qjit packed transposed-conv weights blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");

  PackedConvTransposeWeights p;
  p.phase_cache_ = std::make_shared<PhaseCache>();
  ConvTransposeWeightShape& s = p.shape_;
  s.in_channels = r.get<uint64_t>("in_channels");
  s.out_channels = r.get<uint64_t>("out_channels");
  s.groups = r.get<uint64_t>("groups");
  for (size_t i = 0; i < 3; ++i) s.kernel[i] = r.get<uint64_t>("kernel");
  check_shape(fn, s);
  const uint64_t n_scales = r.get<uint64_t>("scales"), n_zps = r.get<uint64_t>("zero points");
  const uint64_t n_bias = r.get<uint64_t>("bias");
  const size_t OC = s.out_channels;
  check_arg(n_scales == 1 || n_scales == OC, fn, "scales", n_scales, "must be 1 or out_channels");
  check_arg(n_zps == 1 || n_zps == OC, fn, "zero points", n_zps, "must be 1 or out_channels");
  check_arg(n_bias == 0 || n_bias == OC, fn, "bias", n_bias, "must be 0 or out_channels");
  p.qparams_.scales.resize(n_scales);
  p.qparams_.zero_points.resize(n_zps);
  p.bias_.resize(n_bias);
  r.take(p.qparams_.scales.data(), n_scales * sizeof(double), "scales");
  r.take(p.qparams_.zero_points.data(), n_zps * sizeof(int32_t), "zero points");
  r.take(p.bias_.data(), n_bias * sizeof(float), "bias");
  conv_weights::check_qparams(fn, p.qparams_, OC);
  const size_t OCg = s.group_out();
  p.groups_.reserve(s.groups);
  for (size_t g = 0; g < s.groups; ++g) {
    const auto [blob, n] = r.get_blob("group");
    PackedWeights pw = PackedWeights::deserialize(blob, n, isa);  // repacks for `isa`
    check_arg(pw.K() == s.K() && pw.N() == OCg, fn, ArgAt{"group", g}, pw.describe(),
              "does not match the layer's shape (K=" + std::to_string(s.K()) + ":N=" + std::to_string(OCg) + ")");
    const WeightQParams want = conv_weights::group_qparams(p.qparams_, g, OCg);
    check_arg(pw.qparams().scales == want.scales && pw.qparams().zero_points == want.zero_points &&
                  pw.bias().size() == (n_bias ? OCg : 0),
              fn, ArgAt{"group", g}, pw.describe(), "qparams or bias differ from the layer's");
    p.groups_.push_back(std::move(pw));
  }
  r.expect_end();
  return p;
}

}  // namespace qjit
