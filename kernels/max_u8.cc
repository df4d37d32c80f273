#include "kernels/max_u8.h"

#include <algorithm>

#include "base/error.h"
#include "jit/isa_has_avx2.h"

namespace qjit {

namespace {

uint8_t max_run(const uint8_t* x, size_t n, Isa isa) {
#if defined(__x86_64__)
  if (isa_has_avx2(isa)) return detail::max_u8_avx2(x, n);
#else
  (void)isa;
#endif
  uint8_t m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

}  // namespace

uint8_t max_u8(const uint8_t* x, size_t n, const Exec& exec) {
  constexpr const char* fn = "max_u8";
  check_isa_available(fn, exec.isa);
  if (n == 0) return 0;
  check_not_null(fn, "x", x);
  return max_run(x, n, exec.isa);
}

uint8_t max_u8_rows(const uint8_t* x, size_t ld, size_t rows, size_t cols, const Exec& exec) {
  constexpr const char* fn = "max_u8_rows";
  check_isa_available(fn, exec.isa);
  if (rows == 0 || cols == 0) return 0;
  check_not_null(fn, "x", x);
  check_at_least(fn, "ld", ld, "cols", cols);
  if (ld == cols || rows == 1) return max_run(x, rows == 1 ? cols : rows * cols, exec.isa);
  uint8_t m = 0;
  for (size_t r = 0; r < rows && m < 255; ++r) m = std::max(m, max_run(x + r * ld, cols, exec.isa));
  return m;
}

}  // namespace qjit
