#include "kernels/sgemm.h"

#include <cblas.h>

#include <climits>

#include "base/error.h"

namespace qjit {

void sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha, const float* a, size_t lda,
           const float* b, size_t ldb, float beta, float* c, size_t ldc) {
  constexpr const char* fn = "sgemm";
  if (M == 0 || N == 0) return;
  // OpenBLAS takes int (blasint) sizes: larger problems must be split by the caller.
  for (size_t v : {M, N, K, lda, ldb, ldc}) check_arg(v <= size_t(INT_MAX), fn, "size", v, "must fit in an int");
  check_at_least(fn, "lda", lda, "columns of A", trans_a ? M : K);
  check_at_least(fn, "ldb", ldb, "columns of B", trans_b ? K : N);
  check_at_least(fn, "ldc", ldc, "N", N);
  check_not_null(fn, "c", c);
  if (K > 0) {
    check_not_null(fn, "a", a);
    check_not_null(fn, "b", b);
  }
  // cblas needs lda >= 1 even when K == 0.
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, int(M), int(N),
              int(K), alpha, a, int(lda < 1 ? 1 : lda), b, int(ldb < 1 ? 1 : ldb), beta, c, int(ldc));
}

}  // namespace qjit
