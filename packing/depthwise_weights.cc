#include "packing/depthwise_weights.h"

#include <algorithm>
#include <cstdlib>

#include "base/error.h"

namespace qjit {

DepthwiseWeights::DepthwiseWeights(const int8_t* w, size_t in_channels, size_t multiplier,
                                   const std::array<size_t, 3>& kernel, const std::vector<int32_t>& zero_points,
                                   Isa isa)
    : C_(in_channels), m_(multiplier), k_(kernel), isa_(isa) {
  constexpr const char* fn = "DepthwiseWeights";
  check_not_null(fn, "weights", w);
  check_arg(in_channels > 0 && in_channels <= (size_t{1} << 24), fn, "channels", in_channels, "must be in [1, 2^24]");
  check_arg(multiplier > 0 && multiplier <= (size_t{1} << 24) / in_channels, fn, "multiplier", multiplier,
            "must be > 0 with channels * multiplier <= 2^24");
  for (int i = 0; i < 3; ++i)
    check_arg(kernel[static_cast<size_t>(i)] > 0 && kernel[static_cast<size_t>(i)] <= kMaxTaps, fn,
              i == 0 ? "kernel[0]" : i == 1 ? "kernel[1]" : "kernel[2]", kernel[static_cast<size_t>(i)],
              "must be in [1, 255]");
  check_arg(taps() <= kMaxTaps, fn, "kernel", taps(), "taps kD*kH*kW must be <= 255");
  const size_t OC = channels(), T = taps(), pairs = (T + 1) / 2, blocks = (OC + 31) / 32;
  check_arg(zero_points.empty() || zero_points.size() == 1 || zero_points.size() == OC, fn, "zero_points",
            zero_points.size(), "must have 0, 1 or channels * multiplier entries");
  for (int32_t z : zero_points) check_arg(z >= -128 && z <= 127, fn, "zero_points", z, "must be in [-128, 127]");
  check_isa_available(fn, isa);
  w_.resize(OC * T);
  sums_.assign(OC, 0);
  for (size_t oc = 0; oc < OC; ++oc) {
    const int32_t zp = zero_points.empty() ? 0 : zero_points[zero_points.size() == 1 ? 0 : oc];
    for (size_t t = 0; t < T; ++t) {
      w_[oc * T + t] = static_cast<int16_t>(w[oc * T + t] - zp);
      sums_[oc] += w_[oc * T + t];
    }
  }
  // Split for the kernel's VPMADDUBSW (jit/x86/depthwise_avx2.cc): w = 16 * hi + lo, lo in [-8, 7].
  const auto hi_of = [](int v) { return (v + 8) >> 4; };  // arithmetic shift: floor
  int max_hi = 8;
  for (int16_t v : w_) max_hi = std::max(max_hi, std::abs(hi_of(v)));
  // A tap pair adds at most 2 * 255 * max(|hi|, |lo|) to an int16 partial sum.
  flush_pairs_ = static_cast<int>(std::min<size_t>(32767 / (2 * 255 * static_cast<size_t>(max_hi)), 64));
  // Block b (32 channels), pair p: four 32-byte vectors hi(A), lo(A), hi(B), lo(B). Byte pair j of A holds
  // (tap 2p, tap 2p + 1) of channel {0-7, 16-23}[j], of B channel {8-15, 24-31}[j]: the order VPUNPCKLBW /
  // VPUNPCKHBW give the input bytes.
  packed_.assign(blocks * pairs * 128, 0);
  for (size_t b = 0; b < blocks; ++b)
    for (size_t p = 0; p < pairs; ++p)
      for (size_t half = 0; half < 2; ++half)
        for (size_t j = 0; j < 16; ++j)
          for (size_t k = 0; k < 2; ++k) {
            const size_t c = b * 32 + (j < 8 ? j : j + 8) + half * 8, t = 2 * p + k;
            const int v = c < OC && t < T ? w_[c * T + t] : 0;
            int8_t* vec = packed_.data() + (b * pairs + p) * 128 + half * 64;
            vec[2 * j + k] = static_cast<int8_t>(hi_of(v));
            vec[32 + 2 * j + k] = static_cast<int8_t>(v - 16 * hi_of(v));
          }
}

}  // namespace qjit
