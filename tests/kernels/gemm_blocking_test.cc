// The GEMM driver's cache blocking: derived from the cache sizes found (or given), and, with tiny caches forced,
// many row blocks per call that still give bit-exact results on every path.
#include "kernels/gemm_blocking.h"

#include <gtest/gtest.h>

#include "jit/cpu.h"
#include "tests/kernels/gemm_tester.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

TEST(GemmBlocking, CacheSizesFoundAreOrderedAndSummarized) {
  const CacheSizes c = cache_sizes();
  EXPECT_GE(c.l1d, 4096u);
  EXPECT_GT(c.l2, c.l1d);
  if (c.l3) {
    EXPECT_GE(c.l3_per_core(), 1u);
  }
  EXPECT_NE(cpu_summary().find("L1d "), std::string::npos) << cpu_summary();
}

TEST(GemmBlocking, RowBlockFillsHalfOfL2AndNeverDropsBelowOneTile) {
  CacheSizes c;
  c.l1d = 32 * 1024, c.l2 = 512 * 1024, c.l3 = 32 << 20, c.l3_sharing = 2;
  // K = 1024 widened to int16: 2 KiB rows, 12 KiB tiles of 6 rows: 21 tiles in 256 KiB.
  GemmBlocking b = gemm_blocking(c, 2048, 6, 1024 * 16 * 2, 64 * 1024 * 16 * 2);
  EXPECT_EQ(b.mc_tiles, 21u);
  EXPECT_EQ(b.a_block_bytes, 21u * 12 * 1024);
  EXPECT_FALSE(b.panel_in_l1);  // 32 KiB panel, more than half of the L1d
  EXPECT_TRUE(b.b_in_l3);
  // Rows larger than the L2: one tile per block all the same.
  b = gemm_blocking(c, 1 << 20, 6, 512, 17u << 20);
  EXPECT_EQ(b.mc_tiles, 1u);
  EXPECT_TRUE(b.panel_in_l1);
  EXPECT_FALSE(b.b_in_l3);  // 17 MiB > 16 MiB, the share of one of 2 cores
  // Twice the L2, twice the rows.
  c.l2 *= 2;
  EXPECT_EQ(gemm_blocking(c, 2048, 6, 0, 0).mc_tiles, 42u);
}

// RAII: cache_sizes() returns `sizes` for the scope.
class ScopedCacheSizes {
 public:
  explicit ScopedCacheSizes(const CacheSizes& sizes) : sizes_(sizes) { set_cache_sizes_for_testing(&sizes_); }
  ~ScopedCacheSizes() { set_cache_sizes_for_testing(nullptr); }

 private:
  CacheSizes sizes_;
};

TEST(GemmBlocking, OverrideReplacesTheSizesFoundUntilRestored) {
  const size_t found_l2 = cache_sizes().l2;
  {
    CacheSizes tiny;
    tiny.l2 = 4096;
    ScopedCacheSizes scope(tiny);
    EXPECT_EQ(cache_sizes().l2, 4096u);
  }
  EXPECT_EQ(cache_sizes().l2, found_l2);
}

TEST(GemmBlocking, TinyL2GivesManyRowBlocksAndStillExactResults) {
  // A 4 KiB L2: a row block of 2 KiB, i.e. one tile per block at K >= 171 (s16x2) and a few at small K, so
  // every shape below crosses several block boundaries, with partial last tiles.
  CacheSizes tiny;
  tiny.l1d = 1024, tiny.l2 = 4096, tiny.l3 = 16384;
  ScopedCacheSizes scope(tiny);
  testing::for_each_isa([&](Isa isa) {
    const size_t shapes[][3] = {{61, 40, 100}, {25, 33, 300}, {7, 100, 17}, {1, 48, 64}};
    for (const auto& s : shapes)
      for (auto range : {std::pair{-128, 127}, std::pair{-64, 63}}) {
        testing::GemmTester().isa(isa).m(s[0]).n(s[1]).k(s[2]).weight_range(range.first, range.second)
            .output(OutputKind::u8).a_zero_point(43).per_channel(true).bias(true).test();
        testing::GemmTester().isa(isa).m(s[0]).n(s[1]).k(s[2]).weight_range(range.first, range.second)
            .output(OutputKind::s32).a_zero_point(7).b_zero_point(true).test();
      }
  });
}

}  // namespace
}  // namespace qjit
