#include "packing/conv_weight_groups.h"

namespace qjit::conv_weights {

void check_kernel(std::string_view fn, const std::array<size_t, 3>& k, size_t group_in) {
  for (size_t i = 0; i < 3; ++i) check_arg(k[i] > 0, fn, ArgAt{"kernel", i}, k[i], "must be > 0");
  constexpr size_t kMaxK = size_t{1} << 24;
  const size_t taps = k[0] * k[1] * k[2];
  check_arg(k[0] <= kMaxK && k[1] <= kMaxK && k[2] <= kMaxK && k[0] * k[1] <= kMaxK && taps <= kMaxK &&
                group_in <= kMaxK && taps * group_in <= kMaxK,
            fn, "kernel", std::to_string(k[0]) + "x" + std::to_string(k[1]) + "x" + std::to_string(k[2]),
            "kD*kH*kW*C/G must be <= 2^24 (int32 accumulators)");
}

void check_qparams(std::string_view fn, const WeightQParams& q, size_t OC) {
  check_arg(q.scales.size() == 1 || q.scales.size() == OC, fn, "scales.size()", q.scales.size(),
            "must be 1 or out_channels (" + std::to_string(OC) + ")");
  check_arg(q.zero_points.size() == 1 || q.zero_points.size() == OC, fn, "zero_points.size()", q.zero_points.size(),
            "must be 1 or out_channels (" + std::to_string(OC) + ")");
  for (size_t i = 0; i < q.scales.size(); ++i) check_scale(fn, ArgAt{"scales", i}, q.scales[i]);
  for (size_t i = 0; i < q.zero_points.size(); ++i)
    check_zero_point(fn, ArgAt{"zero_points", i}, q.zero_points[i], -128, 127);
}

}  // namespace qjit::conv_weights
