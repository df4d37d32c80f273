#include "packing/packed_weights_f16.h"

#include <cmath>

#include "base/error.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit {

PackedWeightsF16::PackedWeightsF16(const float* w, WeightOrder order, size_t K, size_t N, const float* bias, Isa isa)
    : K_(K), N_(N), isa_(isa) {
  constexpr const char* fn = "PackedWeightsF16";
  check_arg(K > 0, fn, "K", K, "must be > 0");
  check_arg(N > 0, fn, "N", N, "must be > 0");
  check_not_null(fn, "weights", w);
  check_isa_available(fn, isa);
  nr_ = (isa == Isa::avx512 || isa == Isa::avx512_vnni) ? 32 : 16;
  data_.assign(panels() * K * nr_, 0);
  for (size_t k = 0; k < K; ++k)
    for (size_t n = 0; n < N; ++n) {
      const float v = order == WeightOrder::k_by_n ? w[k * N + n] : w[n * K + k];
      check_arg(!std::isnan(v), fn, ArgAt{"weights", order == WeightOrder::k_by_n ? k * N + n : n * K + k}, v,
                "must not be NaN");
      data_[(n / nr_) * K * nr_ + k * nr_ + n % nr_] = ref::f32_to_f16_val(v);
    }
  if (bias) {
    bias_.assign(bias, bias + N);
    for (size_t n = 0; n < N; ++n) check_arg(std::isfinite(bias_[n]), fn, ArgAt{"bias", n}, bias_[n], "must be finite");
  }
}

std::vector<float> PackedWeightsF16::unpack_k_by_n() const {
  std::vector<float> out(K_ * N_);
  for (size_t k = 0; k < K_; ++k)
    for (size_t n = 0; n < N_; ++n) out[k * N_ + n] = ref::f16_to_f32_val(data_[(n / nr_) * K_ * nr_ + k * nr_ + n % nr_]);
  return out;
}

}  // namespace qjit
