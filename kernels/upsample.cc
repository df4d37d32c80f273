#include "kernels/upsample.h"

#include "jit/isa_has_avx2.h"
#include "kernels/reference/upsample_ref.h"

namespace qjit {
namespace detail {
#if defined(__x86_64__)
void upsample_nearest_nhwc_avx2(const UpsampleDesc& d, QType t, const void* x, void* y);  // upsample_avx2.cc
void upsample_bilinear_nhwc_avx2(const UpsampleDesc& d, QType t, int32_t zero_point, const void* x, void* y);
#endif
}  // namespace detail

// Below 8 (bilinear) / 16 (nearest) channels no vector fits a pixel: the reference is the path.
void upsample_nearest_nhwc(const UpsampleDesc& d, QType t, const void* x, void* y, Isa isa) {
#if defined(__x86_64__)
  if (isa_has_avx2(isa) && d.channels >= 16) return detail::upsample_nearest_nhwc_avx2(d, t, x, y);
#endif
  ref::upsample_nearest_nhwc(d, t, x, y);
}

void upsample_bilinear_nhwc(const UpsampleDesc& d, QType t, int32_t zero_point, const void* x, void* y, Isa isa) {
#if defined(__x86_64__)
  if (isa_has_avx2(isa) && d.channels >= 8) return detail::upsample_bilinear_nhwc_avx2(d, t, zero_point, x, y);
#endif
  ref::upsample_bilinear_nhwc(d, t, zero_point, x, y);
}

}  // namespace qjit
