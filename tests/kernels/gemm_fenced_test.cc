// The GEMM touches no byte outside the caller's buffers: A, C and every per-row and per-column array end at an
// inaccessible page, for N across panel remainders and every output stage.
#include <gtest/gtest.h>

#include "kernels/gemm.h"
#include "tests/support/fenced_array.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

using testing::FencedArray;

TEST(GemmFenced, NoReadOrWritePastAnyBufferOnEveryPath) {
  testing::for_each_isa([](Isa isa) {
    for (size_t N : {1, 3, 8, 9, 17, 31, 70})
      for (size_t M : {1, 7})
        for (OutputKind kind : {OutputKind::s32, OutputKind::u8, OutputKind::s8, OutputKind::f32})
          for (RequantFormula f : {RequantFormula::onednn, RequantFormula::qnnpack}) {
            if (kind == OutputKind::f32 && f == RequantFormula::qnnpack) continue;
            const size_t K = 13;
            SCOPED_TRACE("N=" + std::to_string(N) + " M=" + std::to_string(M) + " out=" + output_kind_name(kind));
            std::vector<int8_t> b(K * N, 3);
            const PackedWeights w(b.data(), WeightOrder::k_by_n, K, N, WeightQParams{std::vector<double>(N, 0.1), std::vector<int32_t>(N, 1)}, nullptr, isa);
            FencedArray a(M * K), c(M * N * output_kind_size(kind)), mult(N * 4), bias_f(N * 4), bias_i(N * 4),
                rows(M * 4), post(N * 4);
            OutputStage s;
            s.kind = kind;
            s.formula = f;
            s.multiplier = mult.as<float>(0.01f);
            s.per_channel = true;
            if (kind == OutputKind::u8 || kind == OutputKind::s8) {
              s.qmin = kind == OutputKind::u8 ? 0 : -128;
              s.qmax = kind == OutputKind::u8 ? 255 : 127;
              if (f == RequantFormula::onednn)
                s.bias_f = bias_f.as<float>(1.5f);
              else
                s.bias_i = bias_i.as<int32_t>(7);
            } else if (kind == OutputKind::f32) {
              s.bias_f = bias_f.as<float>(1.5f);
              s.post_bias = post.as<float>(0.25f);
              s.row_scale = rows.as<float>(2.0f);
            }
            gemm(a.as<uint8_t>(200), K, 3, M, w, c.as<uint8_t>(0), N, s, Exec{isa});
          }
  });
}

// A (255 everywhere) ends at an inaccessible page, B is 127 everywhere: every output is 255 * 127 * K, s32 out.
void expect_fenced_extremes_product(Isa isa, size_t M, size_t N, size_t K) {
  std::vector<int8_t> b(K * N, 127);
  const PackedWeights w(b.data(), WeightOrder::k_by_n, K, N, WeightQParams{}, nullptr, isa);
  FencedArray a(M * K), c(M * N * 4);
  OutputStage s;  // s32
  int32_t* y = c.as<int32_t>(0);
  gemm(a.as<uint8_t>(255), K, 0, M, w, y, N, s, Exec{isa});
  for (size_t i = 0; i < M * N; ++i) ASSERT_EQ(y[i], static_cast<int32_t>(255 * 127 * K)) << i;
}

// Full-range weights take the exact s16x2 layout, whose driver widens blocks of A rows to int16 when rows meet
// several panels: with K < 16 a row's 16-byte tail load spans the following rows, and must stop at A's end.
TEST(GemmFenced, WideningActivationsOfTheExactPathStaysInsideA) {
  testing::for_each_isa([](Isa isa) {
    for (size_t K : {1, 2, 7, 13, 15, 16, 17, 31})
      for (size_t M : {1, 2, 3, 7, 64}) {
        const size_t N = 40;
        SCOPED_TRACE("K=" + std::to_string(K) + " M=" + std::to_string(M));
        expect_fenced_extremes_product(isa, M, N, K);
      }
  });
}

// A single panel of full-range weights takes the kernel that reads rows of A 8 bytes at a time; the K % 8 bytes
// at the end of each row are gathered with exact-size loads, so the last row ends at the page.
TEST(GemmFenced, OctetsOfTheExactSinglePanelKernelStayInsideA) {
  testing::for_each_isa([](Isa isa) {
    for (size_t N : {4, 16})
      for (size_t K = 1; K <= 17; ++K)
        for (size_t M : {1, 2, 7}) {
          SCOPED_TRACE("N=" + std::to_string(N) + " K=" + std::to_string(K) + " M=" + std::to_string(M));
          expect_fenced_extremes_product(isa, M, N, K);
        }
  });
}

}  // namespace
}  // namespace qjit
