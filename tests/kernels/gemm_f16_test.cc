// fp32 GEMM over fp16 weights: every path bit-exact to the in-order fmaf reference over M, N, K remainders.
#include <gtest/gtest.h>

#include <random>

#include "base/error.h"
#include "kernels/gemm_f16.h"
#include "kernels/reference/gemm_f32_ref.h"
#include "tests/support/buffers.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

void check(Isa isa, size_t M, size_t N, size_t K, bool bias, size_t lda_pad, size_t ldc_pad) {
  SCOPED_TRACE("M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K));
  std::mt19937 rng(static_cast<uint32_t>(M * 1000 + N * 10 + K));
  std::normal_distribution<float> d(0.0f, 1.0f);
  const size_t lda = K + lda_pad, ldc = N + ldc_pad;
  std::vector<float> a(M * lda), w(N * K), b(N);
  for (auto& v : a) v = d(rng);
  for (auto& v : w) v = d(rng);
  for (auto& v : b) v = d(rng);
  const PackedWeightsF16 p(w.data(), WeightOrder::n_by_k, K, N, bias ? b.data() : nullptr, isa);
  const std::vector<float> wk = p.unpack_k_by_n();  // the weights as the kernel sees them (rounded to half)
  std::vector<float> want(M * ldc, 0.0f);
  ref::gemm_f32(a.data(), lda, wk.data(), bias ? b.data() : nullptr, M, N, K, want.data(), ldc);
  testing::GuardedBuffer<float> got(M * ldc);
  for (size_t i = 0; i < M * ldc; ++i) got.set(i, 0.0f);
  gemm_f32_f16w(a.data(), lda, M, p, got.data(), ldc, Exec{isa});
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got.get(i), want[i]) << "element " << i;
  ASSERT_TRUE(got.guards_intact());
}

TEST(GemmF16Weights, MatchesInOrderFmaReferenceOnEveryPath) {
  testing::for_each_isa([](Isa isa) {
    for (size_t m = 1; m <= 13; ++m) check(isa, m, 35, 19, m % 2 == 0, 0, 0);
    for (size_t n = 1; n <= 70; ++n) check(isa, 7, n, 9, true, 1, 2);
    for (size_t k = 1; k <= 40; ++k) check(isa, 6, 16, k, true, 0, 0);
    check(isa, 64, 512, 256, true, 0, 0);
  });
}

TEST(GemmF16Weights, WeightsAreRoundedToHalf) {
  const float w[2] = {1.0f + 1.0f / 4096.0f, 70000.0f};  // below half's precision; above half's range
  const PackedWeightsF16 p(w, WeightOrder::k_by_n, 1, 2, nullptr, Isa::scalar);
  const auto u = p.unpack_k_by_n();
  EXPECT_EQ(u[0], 1.0f);
  EXPECT_TRUE(std::isinf(u[1]));
}

TEST(GemmF16Weights, BadArgumentsAreErrors) {
  const float w[4] = {1, 2, 3, NAN};
  EXPECT_THROW(PackedWeightsF16(w, WeightOrder::k_by_n, 2, 2), Error);
  const PackedWeightsF16 p(w, WeightOrder::k_by_n, 1, 3, nullptr, Isa::scalar);
  float a[2] = {1, 2}, c[6];
  EXPECT_THROW(gemm_f32_f16w(a, 0, 2, p, c, 3, Exec{Isa::scalar}), Error);
  EXPECT_THROW(gemm_f32_f16w(a, 1, 2, p, c, 2, Exec{Isa::scalar}), Error);
}

}  // namespace
}  // namespace qjit
