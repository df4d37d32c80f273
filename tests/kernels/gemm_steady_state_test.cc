// The GEMM issue's promise for repeated calls: once a shape has run, calling it again generates no code and
// allocates nothing, on one thread and on the default pool, for every output stage and both AVX2 layouts, and with
// the extra u8x4 panels for 7-bit activations whichever panels the call's activations select.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "jit/code_cache.h"
#include "jit/gemm_desc.h"
#include "kernels/gemm.h"
#include "packing/packed_weights.h"
#include "tests/support/allocation_counter.h"

namespace qjit {
namespace {

struct Shape {
  size_t M, N, K;
};

// Weights in [lo, hi]: [-64, 63] packs as u8x4 on AVX2, the full range as s16x2.
PackedWeights make_weights(size_t K, size_t N, int lo, int hi, bool per_channel, const float* bias, Isa isa,
                           bool a7_panels) {
  std::mt19937 rng(static_cast<uint32_t>(K * 131 + N));
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int8_t> b(K * N);
  for (auto& v : b) v = static_cast<int8_t>(dist(rng));
  WeightQParams q;
  if (per_channel) {
    q.scales.assign(N, 0.01);
    q.zero_points.assign(N, 0);
  }
  return PackedWeights(b.data(), WeightOrder::k_by_n, K, N, q, bias, isa, PackOptions{a7_panels});
}

TEST(GemmSteadyState, SecondCallOfAShapeGeneratesNoCodeAndAllocatesNothing) {
  const Isa isa = max_isa();
  const std::vector<Shape> shapes = {{1, 128, 512}, {6, 256, 1024}, {7, 33, 36}, {64, 1024, 1024},
                                     {102, 512, 256}, {1000, 4, 36},  {3, 17, 5}};
  for (const Shape& s : shapes)
    // 127 with a7 panels: the per-call max of A picks the panels, here both ways (A = 200, then A = 100).
    for (int weight_max : {63, 127, -127})
      for (OutputKind kind : {OutputKind::s32, OutputKind::u8, OutputKind::f32})
        for (int threads : {1, 0}) {
          const bool a7 = weight_max < 0;
          SCOPED_TRACE(::testing::Message() << "M=" << s.M << " N=" << s.N << " K=" << s.K << " w<=" << weight_max
                                          << " out=" << output_kind_name(kind) << " threads=" << threads);
          const std::vector<float> bias(s.N, 0.5f), mult(s.N, 0.003f), row_scale(s.M, 0.02f);
          const bool per_channel = kind != OutputKind::s32;
          const PackedWeights w =
              make_weights(s.K, s.N, a7 ? -128 : -weight_max - 1, a7 ? 127 : weight_max, per_channel, bias.data(), isa, a7);
          OutputStage out;
          if (kind == OutputKind::u8) {
            out = requantize_stage(OutputKind::u8, RequantFormula::onednn, mult.data(), true, 5);
            out.bias_f = bias.data();
          } else if (kind == OutputKind::f32) {
            out.kind = OutputKind::f32;
            out.multiplier = mult.data();
            out.per_channel = true;
            out.bias_f = bias.data();
            out.row_scale = row_scale.data();
          }
          std::vector<uint8_t> a(s.M * s.K, 200);
          std::vector<uint8_t> a_low(s.M * s.K, 100);
          std::vector<int32_t> c(s.M * s.N);  // 4 bytes per entry covers every output kind
          const Exec exec{isa, nullptr, threads};
          // First calls: may generate and allocate.
          gemm(a.data(), s.K, 43, s.M, w, c.data(), s.N, out, exec);
          gemm(a_low.data(), s.K, 43, s.M, w, c.data(), s.N, out, exec);

          const size_t generated = CodeCache<GemmUkernelDesc>::instance().size();
          size_t allocations = 0;
          {
            const testing::CountAllocations count;
            for (int rep = 0; rep < 3; ++rep) {
              gemm(a.data(), s.K, 43, s.M, w, c.data(), s.N, out, exec);
              gemm(a_low.data(), s.K, 43, s.M, w, c.data(), s.N, out, exec);
            }
            allocations = count.count();
          }
          EXPECT_EQ(allocations, 0u);
          EXPECT_EQ(CodeCache<GemmUkernelDesc>::instance().size(), generated);
        }
}

TEST(GemmSteadyState, AllocationCounterSeesAllocations) {
  // The counter itself: a test that would pass with a counter that never counts proves nothing.
  const testing::CountAllocations count;
  auto* p = new std::vector<int>(100);
  delete p;
  EXPECT_GE(count.count(), 2u);
}

}  // namespace
}  // namespace qjit
