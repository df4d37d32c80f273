#include "packing/packed_conv_transpose_weights.h"

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <string>

#include "base/error.h"

namespace qjit {

namespace {

constexpr const char* kFn = "PackedConvTransposeWeights";
constexpr const char* kLoadFn = "PackedConvTransposeWeights::deserialize";

void check_shape(const char* fn, const ConvTransposeWeightShape& s) {
  check_arg(s.in_channels > 0, fn, "in_channels", s.in_channels, "must be > 0");
  check_arg(s.out_channels > 0, fn, "out_channels", s.out_channels, "must be > 0");
  check_arg(s.groups > 0, fn, "groups", s.groups, "must be > 0");
  check_arg(s.in_channels % s.groups == 0, fn, "in_channels", s.in_channels,
            "must be a multiple of groups (" + std::to_string(s.groups) + ")");
  check_arg(s.out_channels % s.groups == 0, fn, "out_channels", s.out_channels,
            "must be a multiple of groups (" + std::to_string(s.groups) + ")");
  for (size_t i = 0; i < 3; ++i) check_arg(s.kernel[i] > 0, fn, ArgAt{"kernel", i}, s.kernel[i], "must be > 0");
  // PackedWeights bounds K by 2^24 (exact int32 accumulation); the product is checked without overflowing first.
  constexpr size_t kMaxK = size_t{1} << 24;
  check_arg(s.kernel[0] <= kMaxK && s.kernel[1] <= kMaxK && s.kernel[2] <= kMaxK &&
                s.kernel[0] * s.kernel[1] <= kMaxK && s.taps() <= kMaxK && s.group_in() <= kMaxK &&
                s.taps() * s.group_in() <= kMaxK,
            fn, "kernel",
            std::to_string(s.kernel[0]) + "x" + std::to_string(s.kernel[1]) + "x" + std::to_string(s.kernel[2]),
            "kD*kH*kW*C/G must be <= 2^24 (int32 accumulators)");
  check_arg(s.out_channels <= kMaxK, fn, "out_channels", s.out_channels, "must be <= 2^24");
}

void check_qparams(const char* fn, const WeightQParams& q, size_t OC) {
  check_arg(q.scales.size() == 1 || q.scales.size() == OC, fn, "scales.size()", q.scales.size(),
            "must be 1 or out_channels (" + std::to_string(OC) + ")");
  check_arg(q.zero_points.size() == 1 || q.zero_points.size() == OC, fn, "zero_points.size()", q.zero_points.size(),
            "must be 1 or out_channels (" + std::to_string(OC) + ")");
  for (size_t i = 0; i < q.scales.size(); ++i) check_scale(fn, ArgAt{"scales", i}, q.scales[i]);
  for (size_t i = 0; i < q.zero_points.size(); ++i)
    check_zero_point(fn, ArgAt{"zero_points", i}, q.zero_points[i], -128, 127);
}

template <class T>
std::vector<T> slice(const std::vector<T>& v, size_t first, size_t n) {
  if (v.size() == 1) return v;
  return std::vector<T>(v.begin() + static_cast<ptrdiff_t>(first), v.begin() + static_cast<ptrdiff_t>(first + n));
}

}  // namespace

PackedConvTransposeWeights::PackedConvTransposeWeights(const ConvTransposeWeightShape& shape, const int8_t* w,
                                                       WeightQParams qparams, const float* bias, Isa isa) {
  check_shape(kFn, shape);
  check_not_null(kFn, "weights", w);
  check_qparams(kFn, qparams, shape.out_channels);
  check_isa_available(kFn, isa);
  const size_t OC = shape.out_channels;
  if (bias)
    for (size_t i = 0; i < OC; ++i) check_arg(std::isfinite(bias[i]), kFn, ArgAt{"bias", i}, bias[i], "must be finite");
  shape_ = shape;
  qparams_ = std::move(qparams);
  if (bias) bias_.assign(bias, bias + OC);

  const size_t G = shape.groups, Cg = shape.group_in(), OCg = shape.group_out(), taps = shape.taps(), K = shape.K();
  std::vector<int8_t> kn(K * OCg);
  groups_.reserve(G);
  for (size_t g = 0; g < G; ++g) {
    // The PyTorch offset of (input channel g*Cg + c, output channel n of the group, tap t) is
    // ((g*Cg + c)*OCg + n)*taps + t.
    for (size_t c = 0; c < Cg; ++c)
      for (size_t n = 0; n < OCg; ++n) {
        const int8_t* src = w + ((g * Cg + c) * OCg + n) * taps;
        for (size_t t = 0; t < taps; ++t) kn[(t * Cg + c) * OCg + n] = src[t];
      }
    WeightQParams q{slice(qparams_.scales, g * OCg, OCg), slice(qparams_.zero_points, g * OCg, OCg)};
    groups_.emplace_back(kn.data(), WeightOrder::k_by_n, K, OCg, std::move(q), bias ? bias + g * OCg : nullptr, isa);
  }
}

bool PackedConvTransposeWeights::has_zero_points() const {
  for (const PackedWeights& g : groups_)
    if (g.has_zero_points()) return true;
  return false;
}

std::vector<int8_t> PackedConvTransposeWeights::unpack() const {
  const size_t Cg = shape_.group_in(), OCg = shape_.group_out(), taps = shape_.taps();
  std::vector<int8_t> w(shape_.elements());
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::vector<int8_t> kn = groups_[g].unpack(WeightOrder::k_by_n);
    for (size_t c = 0; c < Cg; ++c)
      for (size_t n = 0; n < OCg; ++n)
        for (size_t t = 0; t < taps; ++t) w[((g * Cg + c) * OCg + n) * taps + t] = kn[(t * Cg + c) * OCg + n];
  }
  return w;
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

class Writer {
 public:
  template <class T>
  void put(const T& v) {
    put_bytes(&v, sizeof(T));
  }
  void put_bytes(const void* p, size_t n) {
    bytes.insert(bytes.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  }
  std::vector<uint8_t> bytes;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  template <class T>
  T get(const char* what) {
    T v;
    take(&v, sizeof(T), what);
    return v;
  }
  void take(void* dst, size_t n, const char* what) {
    if (n > n_ - pos_) throw_bad_arg(kLoadFn, "size", n_, std::string("truncated while reading ") + what);
    if (n) std::memcpy(dst, p_ + pos_, n);
    pos_ += n;
  }
  void skip(size_t n) { pos_ += n; }  // n <= left()
  const uint8_t* here() const { return p_ + pos_; }
  size_t left() const { return n_ - pos_; }

 private:
  const uint8_t* p_;
  size_t n_, pos_ = 0;
};

}  // namespace

std::vector<uint8_t> PackedConvTransposeWeights::serialize() const {
  Writer w;
  w.put_bytes(kMagic, sizeof kMagic);
  w.put(kVersion);
  for (uint64_t v : {shape_.in_channels, shape_.out_channels, shape_.groups, shape_.kernel[0], shape_.kernel[1],
                     shape_.kernel[2], qparams_.scales.size(), qparams_.zero_points.size(), bias_.size()})
    w.put(v);
  w.put_bytes(qparams_.scales.data(), qparams_.scales.size() * sizeof(double));
  w.put_bytes(qparams_.zero_points.data(), qparams_.zero_points.size() * sizeof(int32_t));
  w.put_bytes(bias_.data(), bias_.size() * sizeof(float));
  for (const PackedWeights& g : groups_) {
    const std::vector<uint8_t> blob = g.serialize();
    w.put(static_cast<uint64_t>(blob.size()));
    w.put_bytes(blob.data(), blob.size());
  }
  const uint32_t crc = static_cast<uint32_t>(crc32(0L, w.bytes.data(), static_cast<uInt>(w.bytes.size())));
  w.put(crc);
  return std::move(w.bytes);
}

PackedConvTransposeWeights PackedConvTransposeWeights::deserialize(const uint8_t* data, size_t size, Isa isa) {
  const char* fn = kLoadFn;
  check_not_null(fn, "data", data);
  check_isa_available(fn, isa);
  check_arg(size >= sizeof kMagic + 4 + 4, fn, "size", size, "too small for a packed transposed-conv weights header");
  check_arg(std::memcmp(data, kMagic, sizeof kMagic) == 0, fn, "magic", "?",
            "not a qjit packed transposed-conv weights blob");
  uint32_t stored_crc;
  std::memcpy(&stored_crc, data + size - 4, 4);
  const uint32_t crc = static_cast<uint32_t>(crc32(0L, data, static_cast<uInt>(size - 4)));
  check_arg(crc == stored_crc, fn, "checksum", stored_crc, "does not match the data (corrupt blob)");
  Reader r(data + sizeof kMagic, size - sizeof kMagic - 4);
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");

  PackedConvTransposeWeights p;
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
  check_qparams(fn, p.qparams_, OC);
  const size_t OCg = s.group_out();
  p.groups_.reserve(s.groups);
  for (size_t g = 0; g < s.groups; ++g) {
    const uint64_t n = r.get<uint64_t>("group size");
    check_arg(n <= r.left(), fn, "size", size, "truncated while reading group " + std::to_string(g));
    PackedWeights pw = PackedWeights::deserialize(r.here(), n, isa);  // repacks for `isa`
    r.skip(n);
    check_arg(pw.K() == s.K() && pw.N() == OCg, fn, ArgAt{"group", g}, pw.describe(),
              "does not match the layer's shape (K=" + std::to_string(s.K()) + ":N=" + std::to_string(OCg) + ")");
    const WeightQParams want{slice(p.qparams_.scales, g * OCg, OCg), slice(p.qparams_.zero_points, g * OCg, OCg)};
    check_arg(pw.qparams().scales == want.scales && pw.qparams().zero_points == want.zero_points &&
                  pw.bias().size() == (n_bias ? OCg : 0),
              fn, ArgAt{"group", g}, pw.describe(), "qparams or bias differ from the layer's");
    p.groups_.push_back(std::move(pw));
  }
  check_arg(r.left() == 0, fn, "size", size, "has trailing bytes");
  return p;
}

}  // namespace qjit
