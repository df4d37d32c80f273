// The OpenBLAS sgemm wrapper (all four transpositions, alpha/beta, leading dimensions) against the fp32 reference
// within rounding, its argument checks, and the float im2col / col2im pair.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "base/error.h"
#include "kernels/im2col_f32.h"
#include "kernels/reference/gemm_f32_ref.h"
#include "kernels/sgemm.h"

namespace qjit {
namespace {

TEST(Sgemm, AllTranspositionsMatchTheReferenceWithAlphaBetaAndPaddedStrides) {
  const size_t M = 7, N = 9, K = 13;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> a(M * K), w(K * N), c0(M * (N + 2));  // a: M x K, w: K x N
  for (auto& v : a) v = d(rng);
  for (auto& v : w) v = d(rng);
  for (auto& v : c0) v = d(rng);
  std::vector<float> ab(M * N, 0.f);
  ref::gemm_f32(a.data(), K, w.data(), nullptr, M, N, K, ab.data(), N);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      SCOPED_TRACE(std::string("trans_a=") + (ta ? "1" : "0") + " trans_b=" + (tb ? "1" : "0"));
      // Stored transposed when asked, with one padding column.
      const size_t lda = (ta ? M : K) + 1, ldb = (tb ? K : N) + 1, ldc = N + 2;
      std::vector<float> as((ta ? K : M) * lda), bs((tb ? N : K) * ldb);
      for (size_t m = 0; m < M; ++m)
        for (size_t k = 0; k < K; ++k) (ta ? as[k * lda + m] : as[m * lda + k]) = a[m * K + k];
      for (size_t k = 0; k < K; ++k)
        for (size_t n = 0; n < N; ++n) (tb ? bs[n * ldb + k] : bs[k * ldb + n]) = w[k * N + n];
      std::vector<float> c = c0;
      sgemm(ta, tb, M, N, K, 0.5f, as.data(), lda, bs.data(), ldb, 2.f, c.data(), ldc);
      for (size_t m = 0; m < M; ++m)
        for (size_t n = 0; n < ldc; ++n) {
          const float want = n < N ? 0.5f * ab[m * N + n] + 2.f * c0[m * ldc + n] : c0[m * ldc + n];
          EXPECT_NEAR(c[m * ldc + n], want, 1e-5f) << m << "," << n;
        }
    }
}

TEST(Sgemm, BadLeadingDimensionsAndNullPointersAreErrors) {
  float a[4] = {}, b[4] = {}, c[4] = {};
  EXPECT_THROW(sgemm(false, false, 2, 2, 2, 1.f, a, 1, b, 2, 0.f, c, 2), Error);
  EXPECT_THROW(sgemm(false, false, 2, 2, 2, 1.f, a, 2, b, 1, 0.f, c, 2), Error);
  EXPECT_THROW(sgemm(false, false, 2, 2, 2, 1.f, a, 2, b, 2, 0.f, c, 1), Error);
  EXPECT_THROW(sgemm(false, false, 2, 2, 2, 1.f, nullptr, 2, b, 2, 0.f, c, 2), Error);
  EXPECT_NO_THROW(sgemm(false, false, 0, 2, 2, 1.f, nullptr, 2, nullptr, 2, 0.f, nullptr, 2));
}

TEST(Im2colF32, Col2imIsTheAdjointOfIm2col) {
  // <im2col(x), y> == <x, col2im(y)> for any x, y: the two lowerings read and write the same positions.
  Im2colGeometry g;
  g.channels = 2;
  g.image = {1, 5, 6};
  g.kernel = {1, 3, 2};
  g.stride = {1, 2, 1};
  g.padding = {0, 1, 1};
  g.dilation = {1, 1, 2};
  g.grid = {1, (5 + 2 - 3) / 2 + 1, (6 + 2 - 3) / 1 + 1};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> x(2 * 5 * 6), y(size_t(g.col_rows() * g.col_cols())), col(y.size()), back(x.size(), 0.f);
  for (auto& v : x) v = d(rng);
  for (auto& v : y) v = d(rng);
  im2col_f32(x.data(), g, col.data());
  col2im_add_f32(y.data(), g, back.data());
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < y.size(); ++i) lhs += double(col[i]) * y[i];
  for (size_t i = 0; i < x.size(); ++i) rhs += double(x[i]) * back[i];
  EXPECT_NEAR(lhs, rhs, 1e-6);  // col2im sums in float; a misplaced tap would be off by ~0.1
  g.stride[1] = 0;
  EXPECT_THROW(im2col_f32(x.data(), g, col.data()), Error);
}

}  // namespace
}  // namespace qjit
