#include "kernels/qlut.h"

#include <algorithm>

#include "base/error.h"
#include "jit/isa_has_avx2.h"
#include "kernels/eltwise_run.h"

namespace qjit {

namespace detail {
#if defined(__x86_64__)
void qlut_apply_avx2(const uint8_t* table, const uint8_t* in, uint8_t* out, size_t n);  // qlut_avx2.cc
void qclamp_avx2(bool is_signed, const uint8_t* in, uint8_t* out, size_t n, int32_t lo, int32_t hi);
#endif
}  // namespace detail

void qlut_apply(const QLut& table, const uint8_t* in, uint8_t* out, size_t n, const Exec& exec) {
  constexpr const char* fn = "qlut_apply";
  check_isa_available(fn, exec.isa);
  if (n == 0) return;
  check_not_null(fn, "in", in);
  check_not_null(fn, "out", out);
  detail::for_each_share(exec, n, detail::kEltwiseMinPerShare, 64, [&](size_t begin, size_t end) {
#if defined(__x86_64__)
    if (isa_has_avx2(exec.isa)) {
      detail::qlut_apply_avx2(table.data(), in + begin, out + begin, end - begin);
      return;
    }
#endif
    for (size_t i = begin; i < end; ++i) out[i] = table[in[i]];
  });
}

void qclamp(QType type, const void* in, void* out, size_t n, int32_t lo, int32_t hi, const Exec& exec) {
  constexpr const char* fn = "qclamp";
  check_arg(type == QType::u8 || type == QType::s8, fn, "type", qtype_name(type), "must be u8 or s8");
  check_arg(lo >= qtype_min(type) && lo <= qtype_max(type), fn, "lo", lo, "must lie in the type's range");
  check_arg(hi >= lo && hi <= qtype_max(type), fn, "hi", hi, "must lie in [lo, type's max]");
  check_isa_available(fn, exec.isa);
  if (n == 0) return;
  check_not_null(fn, "in", in);
  check_not_null(fn, "out", out);
  const auto* src = static_cast<const uint8_t*>(in);
  auto* dst = static_cast<uint8_t*>(out);
  detail::for_each_share(exec, n, detail::kEltwiseMinPerShare, 64, [&](size_t begin, size_t end) {
#if defined(__x86_64__)
    if (isa_has_avx2(exec.isa)) {
      detail::qclamp_avx2(type == QType::s8, src + begin, dst + begin, end - begin, lo, hi);
      return;
    }
#endif
    if (type == QType::s8) {
      const auto* s = reinterpret_cast<const int8_t*>(src);
      auto* d = reinterpret_cast<int8_t*>(dst);
      for (size_t i = begin; i < end; ++i) d[i] = static_cast<int8_t>(std::clamp<int32_t>(s[i], lo, hi));
    } else {
      for (size_t i = begin; i < end; ++i) dst[i] = static_cast<uint8_t>(std::clamp<int32_t>(src[i], lo, hi));
    }
  });
}

}  // namespace qjit
