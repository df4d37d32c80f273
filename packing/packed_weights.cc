#include "packing/packed_weights.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/error.h"
#include "packing/blob.h"

namespace qjit {

namespace {

std::shared_ptr<uint8_t[]> aligned_bytes(size_t n) {
  const size_t rounded = (n + 63) / 64 * 64 + 64;
  auto* p = static_cast<uint8_t*>(std::aligned_alloc(64, rounded));
  if (!p) throw Error("PackedWeights: out of memory for " + std::to_string(n) + " bytes");
  std::memset(p, 0, rounded);
  return std::shared_ptr<uint8_t[]>(p, [](uint8_t* q) { std::free(q); });
}

void check_qparams(const char* fn, const WeightQParams& q, size_t N) {
  check_arg(q.scales.size() == 1 || q.scales.size() == N, fn, "scales.size()", q.scales.size(),
            "must be 1 or N (" + std::to_string(N) + ")");
  check_arg(q.zero_points.size() == 1 || q.zero_points.size() == N, fn, "zero_points.size()", q.zero_points.size(),
            "must be 1 or N (" + std::to_string(N) + ")");
  for (size_t i = 0; i < q.scales.size(); ++i) check_scale(fn, ArgAt{"scales", i}, q.scales[i]);
  for (size_t i = 0; i < q.zero_points.size(); ++i)
    check_zero_point(fn, ArgAt{"zero_points", i}, q.zero_points[i], -128, 127);
}

}  // namespace

PackedWeights::PackedWeights(const int8_t* w, WeightOrder order, size_t K, size_t N, WeightQParams qparams,
                             const float* bias, Isa isa, PackOptions options) {
  constexpr const char* fn = "PackedWeights";
  check_arg(K > 0, fn, "K", K, "must be > 0");
  check_arg(N > 0, fn, "N", N, "must be > 0");
  check_arg(K <= (size_t{1} << 24), fn, "K", K, "must be <= 2^24 (int32 accumulators)");
  check_not_null(fn, "weights", w);
  check_qparams(fn, qparams, N);
  check_isa_available(fn, isa);
  K_ = K;
  N_ = N;
  qparams_ = std::move(qparams);
  options_ = options;
  if (bias) {
    bias_.assign(bias, bias + N);
    for (size_t n = 0; n < N; ++n)
      check_arg(std::isfinite(bias_[n]), fn, ArgAt{"bias", n}, bias_[n], "must be finite");
  }
  std::vector<int8_t> kn;
  const int8_t* src = w;
  if (order == WeightOrder::n_by_k) {
    kn.resize(K * N);
    for (size_t n = 0; n < N; ++n)
      for (size_t k = 0; k < K; ++k) kn[k * N + n] = w[n * K + k];
    src = kn.data();
  }
  layout_ = gemm_layout(isa, weight_pairs_fit_int16(src, N, K, N), N);
  pack_from(src, N);
}

void PackedWeights::pack_from(const int8_t* kn, size_t ldw) {
  const size_t nr = static_cast<size_t>(layout_.nr);
  const size_t n_pad = panels() * nr;
  data_bytes_ = panels() * layout_.panel_bytes(K_);
  data_ = aligned_bytes(data_bytes_);
  col_sums_.assign(n_pad, 0);
  col_zps_.assign(n_pad, 0);
  has_zp_ = false;
  for (size_t n = 0; n < N_; ++n) {
    col_zps_[n] = qparams_.zero_points.size() == 1 ? qparams_.zero_points[0] : qparams_.zero_points[n];
    has_zp_ = has_zp_ || col_zps_[n] != 0;
  }
  for (size_t k = 0; k < K_; ++k)
    for (size_t n = 0; n < N_; ++n) col_sums_[n] += kn[k * ldw + n];
  pack_panels(kn, ldw, layout_, data_.get());
  a7_data_.reset();
  a7_layout_ = GemmLayout{};
  if (options_.a7_panels && layout_.dot == DotKind::madd16) {
    a7_layout_ = gemm_layout(layout_.isa, /*pairs_fit_int16=*/true, N_);
    a7_data_ = aligned_bytes(panels() * a7_layout_.panel_bytes(K_));
    pack_panels(kn, ldw, a7_layout_, a7_data_.get());
  }
}

void PackedWeights::pack_panels(const int8_t* kn, size_t ldw, const GemmLayout& l, uint8_t* dst_panels) const {
  const size_t nr = static_cast<size_t>(l.nr), kg = static_cast<size_t>(l.k_group);
  // panel j holds panel[k / kg][nn][k % kg] for columns j * nr + nn: walk each row of B once, writing with a
  // fixed stride inside each panel (no division per element).
  const size_t panel_bytes = l.panel_bytes(K_), eb = l.elem_bytes(), lane_stride = kg * eb;
  for (size_t k = 0; k < K_; ++k) {
    const int8_t* row = kn + k * ldw;
    const size_t lane_offset = ((k / kg) * nr * kg + k % kg) * eb;
    for (size_t j = 0, n0 = 0; n0 < N_; ++j, n0 += nr) {
      uint8_t* dst = dst_panels + j * panel_bytes + lane_offset;
      const size_t count = std::min(nr, N_ - n0);
      for (size_t nn = 0; nn < count; ++nn) {
        const int8_t v = row[n0 + nn];
        if (eb == 2) {
          const int16_t v16 = v;
          std::memcpy(dst + nn * lane_stride, &v16, 2);
        } else {
          dst[nn * lane_stride] = static_cast<uint8_t>(v);
        }
      }
    }
  }
}

std::vector<int8_t> PackedWeights::unpack(WeightOrder order) const {
  const size_t nr = static_cast<size_t>(layout_.nr), kg = static_cast<size_t>(layout_.k_group);
  const size_t panel_bytes = layout_.panel_bytes(K_);
  std::vector<int8_t> out(K_ * N_);
  for (size_t k = 0; k < K_; ++k)
    for (size_t n = 0; n < N_; ++n) {
      const size_t idx = ((k / kg) * nr + n % nr) * kg + k % kg;
      const uint8_t* panel = data_.get() + (n / nr) * panel_bytes;
      int8_t v;
      if (layout_.dot == DotKind::madd16) {
        int16_t v16;
        std::memcpy(&v16, panel + idx * 2, 2);
        v = static_cast<int8_t>(v16);
      } else {
        v = static_cast<int8_t>(panel[idx]);
      }
      if (order == WeightOrder::k_by_n)
        out[k * N_ + n] = v;
      else
        out[n * K_ + k] = v;
    }
  return out;
}

std::string PackedWeights::describe() const {
  return "K=" + std::to_string(K_) + ":N=" + std::to_string(N_) + ":layout=" + dot_kind_name(layout_.dot) +
         ":nr=" + std::to_string(layout_.nr) + (a7_data_ ? std::string(":a7=") + dot_kind_name(a7_layout_.dot) : "");
}

// ---- Serialization -------------------------------------------------------------------------------------------
// "QJITPW\0\0" | u32 version | u32 isa, dot, mr, nr, k_group | u64 K, N, n_scales, n_zps, n_bias, data_bytes |
// u32 options (version 2: bit 0 a7_panels) | f64 scales | i32 zero points | f32 bias | packed data (the exact
// panels only: the a7 panels are rebuilt on load, as the exact ones are repacked) | u32 crc32 of everything before.
// Version 1 is the same without the options field.

namespace {

constexpr char kMagic[8] = {'Q', 'J', 'I', 'T', 'P', 'W', 0, 0};
constexpr uint32_t kVersion = 2;
constexpr uint32_t kOptionA7Panels = 1;

}  // namespace

std::vector<uint8_t> PackedWeights::serialize() const {
  BlobWriter w(kMagic);
  w.put(kVersion);
  w.put(static_cast<uint32_t>(layout_.isa));
  w.put(static_cast<uint32_t>(layout_.dot));
  w.put(static_cast<uint32_t>(layout_.mr));
  w.put(static_cast<uint32_t>(layout_.nr));
  w.put(static_cast<uint32_t>(layout_.k_group));
  w.put(static_cast<uint64_t>(K_));
  w.put(static_cast<uint64_t>(N_));
  w.put(static_cast<uint64_t>(qparams_.scales.size()));
  w.put(static_cast<uint64_t>(qparams_.zero_points.size()));
  w.put(static_cast<uint64_t>(bias_.size()));
  w.put(static_cast<uint64_t>(data_bytes_));
  w.put(options_.a7_panels ? kOptionA7Panels : uint32_t{0});
  w.put_bytes(qparams_.scales.data(), qparams_.scales.size() * sizeof(double));
  w.put_bytes(qparams_.zero_points.data(), qparams_.zero_points.size() * sizeof(int32_t));
  w.put_bytes(bias_.data(), bias_.size() * sizeof(float));
  w.put_bytes(data_.get(), data_bytes_);
  return w.finish();
}

PackedWeights PackedWeights::deserialize(const uint8_t* data, size_t size, Isa isa) {
  constexpr const char* fn = "PackedWeights::deserialize";
  check_isa_available(fn, isa);
  BlobReader r(fn, data, size, kMagic, "a qjit packed-weights blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == 1 || version == kVersion, fn, "version", version, "unsupported (this build reads versions 1 and 2)");
  PackedWeights p;
  GemmLayout l;
  l.isa = static_cast<Isa>(r.get<uint32_t>("isa"));
  l.dot = static_cast<DotKind>(r.get<uint32_t>("dot"));
  l.mr = static_cast<int>(r.get<uint32_t>("mr"));
  l.nr = static_cast<int>(r.get<uint32_t>("nr"));
  l.k_group = static_cast<int>(r.get<uint32_t>("k_group"));
  const uint64_t K = r.get<uint64_t>("K"), N = r.get<uint64_t>("N");
  const uint64_t n_scales = r.get<uint64_t>("scales"), n_zps = r.get<uint64_t>("zero points");
  const uint64_t n_bias = r.get<uint64_t>("bias"), data_bytes = r.get<uint64_t>("data size");
  if (version >= 2) {
    const uint32_t options = r.get<uint32_t>("options");
    check_arg((options & ~kOptionA7Panels) == 0, fn, "options", options, "has unknown bits");
    p.options_.a7_panels = (options & kOptionA7Panels) != 0;
  }
  check_arg(K > 0 && K <= (uint64_t{1} << 24), fn, "K", K, "out of range");
  check_arg(N > 0 && N <= (uint64_t{1} << 32), fn, "N", N, "out of range");
  check_arg(l.nr == 8 || l.nr == 16 || l.nr == 32 || l.nr == 64, fn, "nr", l.nr, "unknown panel width");
  check_arg(l.k_group == 2 || l.k_group == 4, fn, "k_group", l.k_group, "unknown");
  check_arg(static_cast<uint32_t>(l.dot) <= 2, fn, "dot", static_cast<uint32_t>(l.dot), "unknown");
  check_arg(n_scales == 1 || n_scales == N, fn, "scales", n_scales, "must be 1 or N");
  check_arg(n_zps == 1 || n_zps == N, fn, "zero points", n_zps, "must be 1 or N");
  check_arg(n_bias == 0 || n_bias == N, fn, "bias", n_bias, "must be 0 or N");
  p.K_ = K;
  p.N_ = N;
  p.layout_ = l;
  check_arg(data_bytes == p.panels() * l.panel_bytes(K), fn, "data size", data_bytes, "does not match K, N and layout");
  p.qparams_.scales.resize(n_scales);
  p.qparams_.zero_points.resize(n_zps);
  p.bias_.resize(n_bias);
  r.take(p.qparams_.scales.data(), n_scales * sizeof(double), "scales");
  r.take(p.qparams_.zero_points.data(), n_zps * sizeof(int32_t), "zero points");
  r.take(p.bias_.data(), n_bias * sizeof(float), "bias");
  check_qparams(fn, p.qparams_, N);
  p.data_bytes_ = data_bytes;
  p.data_ = aligned_bytes(data_bytes);
  r.take(p.data_.get(), data_bytes, "packed data");
  r.expect_end();
  // The blob's own layout gives back the weights. Column sums and zero points are derived, not stored, and
  // packing again costs what deriving them does, so the weights are always packed anew, in the layout `isa`
  // wants (which differs from the blob's when it was packed on another machine or path).
  const std::vector<int8_t> kn = p.unpack(WeightOrder::k_by_n);
  p.layout_ = gemm_layout(isa, weight_pairs_fit_int16(kn.data(), N, K, N), N);
  p.pack_from(kn.data(), N);
  return p;
}

}  // namespace qjit
