#include "packing/depthwise_weights.h"

#include "base/error.h"

namespace qjit {

DepthwiseWeights::DepthwiseWeights(const int8_t* w, size_t channels, size_t kernel_h, size_t kernel_w, Isa isa)
    : C_(channels), kh_(kernel_h), kw_(kernel_w), isa_(isa) {
  constexpr const char* fn = "DepthwiseWeights";
  check_not_null(fn, "weights", w);
  check_arg(channels > 0, fn, "channels", channels, "must be > 0");
  check_arg(kernel_h > 0 && kernel_h * kernel_w <= 255, fn, "kernel_h", kernel_h, "kernel taps must be in [1, 255]");
  check_arg(kernel_w > 0, fn, "kernel_w", kernel_w, "must be > 0");
  check_isa_available(fn, isa);
  const size_t T = taps(), pairs = (T + 1) / 2, blocks = (C_ + 15) / 16;
  w_.assign(w, w + C_ * T);
  sums_.assign(C_, 0);
  for (size_t c = 0; c < C_; ++c)
    for (size_t t = 0; t < T; ++t) sums_[c] += w_[c * T + t];
  // Block b, pair p: vector lo then hi, 16 int16 each. Within a vector, 128-bit lane l holds channels
  // (lo) l * 8 + 0..3 or (hi) l * 8 + 4..7, each as the pair (w[tap 2p], w[tap 2p + 1]).
  packed_.assign(blocks * pairs * 32, 0);
  for (size_t b = 0; b < blocks; ++b)
    for (size_t p = 0; p < pairs; ++p)
      for (int half = 0; half < 2; ++half)
        for (int lane = 0; lane < 2; ++lane)
          for (int i = 0; i < 4; ++i) {
            const size_t c = b * 16 + static_cast<size_t>(lane * 8 + half * 4 + i);
            if (c >= C_) continue;
            int16_t* dst = packed_.data() + ((b * pairs + p) * 2 + static_cast<size_t>(half)) * 16 +
                           static_cast<size_t>(lane * 8 + i * 2);
            dst[0] = w_[c * T + 2 * p];
            dst[1] = 2 * p + 1 < T ? w_[c * T + 2 * p + 1] : 0;
          }
}

}  // namespace qjit
