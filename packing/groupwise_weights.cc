#include "packing/groupwise_weights.h"

#include "base/error.h"
#include "jit/groupwise_desc.h"

namespace qjit {

GroupwiseWeights::GroupwiseWeights(const int8_t* w, size_t groups, size_t group_channels, size_t taps, Isa isa)
    : G_(groups), cg_(group_channels), T_(taps), isa_(isa) {
  constexpr const char* fn = "GroupwiseWeights";
  check_not_null(fn, "weights", w);
  check_arg(groups > 0 && groups <= (size_t{1} << 20), fn, "groups", groups, "must be in [1, 2^20]");
  check_arg(GroupwiseDesc::supports_group_channels(group_channels), fn, "group_channels", group_channels,
            "must be 2, 4, 8 or 16");
  check_arg(taps > 0 && taps <= GroupwiseDesc::kMaxTaps, fn, "taps", taps, "must be in [1, 64]");
  check_isa_available(fn, isa);
  const size_t C = channels(), T = T_;
  w_.assign(w, w + C * cg_ * T);
  sums_.assign(C, 0);
  for (size_t oc = 0; oc < C; ++oc)
    for (size_t i = 0; i < cg_ * T; ++i) sums_[oc] += w_[oc * cg_ * T + i];

  GroupwiseDesc d;
  d.group_channels = static_cast<uint8_t>(cg_);
  const size_t J = static_cast<size_t>(d.vectors()), chunks = static_cast<size_t>(d.chunks());
  const size_t blocks = (C + 15) / 16;
  packed_.assign(blocks * chunks * T * J * 16, 0);
  int16_t* dst = packed_.data();
  for (size_t b = 0; b < blocks; ++b)
    for (size_t k = 0; k < chunks; ++k)
      for (size_t t = 0; t < T; ++t)
        for (size_t v = 0; v < J; ++v, dst += 16)
          for (size_t p = 0; p < 8; ++p) {  // the dword of the pair (c, c + 1)
            const size_t c = b * 16 + 2 * p, g = c / cg_, i = c % cg_, oc = g * cg_ + k * J + v;
            if (g >= G_) continue;
            dst[2 * p] = weight(oc, i, t);
            dst[2 * p + 1] = weight(oc, i + 1, t);
          }
}

}  // namespace qjit
