#include "kernels/qnorm.h"

#include <cmath>

#include "jit/isa_has_avx2.h"
#include "kernels/reference/qnorm_ref.h"

namespace qjit {
namespace detail {
#if defined(__x86_64__)
void quantized_normalize_avx2(const NormDesc& d, QType t, const void* x, void* y);  // qnorm_avx2.cc
void q_batch_norm_avx2(const BatchNormDesc& d, QType t, const void* x, void* y);
#endif
}  // namespace detail

void quantized_normalize(const NormDesc& d, QType t, const void* x, void* y, Isa isa) {
#if defined(__x86_64__)
  if (isa_has_avx2(isa)) return detail::quantized_normalize_avx2(d, t, x, y);
#endif
  ref::quantized_normalize(d, t, x, y);
}

void batch_norm_fused_params(int64_t channels, const float* weight, const float* bias, const float* mean,
                             const float* var, double eps, double in_scale, double out_scale, float* alpha,
                             float* beta) {
  // ATen's compute_fused_params: float, with the scale ratio and the division by the output scale in double.
  for (int64_t c = 0; c < channels; ++c) {
    const float inv_sigma = static_cast<float>(1.0 / std::sqrt(var[c] + static_cast<float>(eps)));
    const float wv = weight ? weight[c] : 1.0f, bv = bias ? bias[c] : 0.0f;
    alpha[c] = static_cast<float>(inv_sigma * wv * (in_scale / out_scale));
    beta[c] = static_cast<float>((bv - mean[c] * inv_sigma * wv) / out_scale);
  }
}

void q_batch_norm(const BatchNormDesc& d, QType t, const void* x, void* y, Isa isa) {
#if defined(__x86_64__)
  if (isa_has_avx2(isa)) return detail::q_batch_norm_avx2(d, t, x, y);
#endif
  ref::q_batch_norm(d, t, x, y);
}

}  // namespace qjit
