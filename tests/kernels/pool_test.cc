// The pooling kernels (kernels/pool.h): every available ISA path bit-exact against the scalar reference over
// channel counts 1..67 (whole AVX2 blocks and every tail), kernel / stride / padding / dilation / ceil-mode
// geometries, u8 and s8, average pooling's divisor rules and zero points.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/pool.h"
#include "kernels/reference/pool_ref.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

struct Geometry {
  int64_t k, s, p, dil;
  bool ceil;
};

const Geometry kGeometries[] = {{2, 2, 0, 1, false}, {3, 2, 1, 1, false}, {3, 2, 1, 1, true},
                                {3, 1, 1, 1, false}, {3, 2, 1, 2, true},  {2, 3, 1, 1, true}};

PoolDesc make_desc(int64_t batch, int64_t channels, int64_t h, int64_t w, const Geometry& g) {
  PoolDesc d;
  d.batch = batch;
  d.channels = channels;
  d.in[1] = h;
  d.in[2] = w;
  d.kernel[1] = d.kernel[2] = g.k;
  d.stride[1] = d.stride[2] = g.s;
  d.pad[1] = d.pad[2] = g.p;
  d.dilation[1] = d.dilation[2] = g.dil;
  d.out[1] = pooling_output_size(h, g.k, g.p, g.s, g.dil, g.ceil);
  d.out[2] = pooling_output_size(w, g.k, g.p, g.s, g.dil, g.ceil);
  return d;
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, 255);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(dist(rng));
  return v;
}

size_t out_elems(const PoolDesc& d) { return static_cast<size_t>(d.batch * d.out[0] * d.out[1] * d.out[2] * d.channels); }

TEST(PoolKernel, OutputSizeFollowsAtenFloorAndCeilRules) {
  EXPECT_EQ(pooling_output_size(9, 2, 0, 2, 1, false), 4);
  EXPECT_EQ(pooling_output_size(9, 2, 0, 2, 1, true), 5);
  EXPECT_EQ(pooling_output_size(11, 3, 1, 2, 2, true), 5);  // golden max_pool2d_ceil_dil: 11 -> 5
  EXPECT_EQ(pooling_output_size(9, 3, 1, 2, 2, true), 4);   // 9 -> 4
  // ceil mode drops a last window that would start in the right padding
  EXPECT_EQ(pooling_output_size(5, 2, 1, 2, 1, true), 3);
  EXPECT_EQ(pooling_output_size(2, 5, 0, 1, 1, false), -2);  // too small: callers reject
}

TEST(PoolKernel, MaxPoolEveryIsaBitExactToReferenceChannels1To67) {
  qjit::testing::for_each_isa([](Isa isa) {
    for (QType t : {QType::u8, QType::s8})
      for (const Geometry& g : kGeometries)
        for (int64_t c = 1; c <= 67; c += (c < 40 ? 1 : 3)) {
          const PoolDesc d = make_desc(2, c, 7, 9, g);
          const auto x = random_bytes(static_cast<size_t>(2 * 7 * 9 * c), static_cast<uint32_t>(c * 31 + g.k));
          std::vector<uint8_t> got(out_elems(d), 0xAA), want(out_elems(d), 0x55);
          max_pool_nhwc(d, t, x.data(), got.data(), isa);
          ref::max_pool_nhwc(d, t, x.data(), want.data());
          ASSERT_EQ(got, want) << qtype_name(t) << " C=" << c << " k=" << g.k << " s=" << g.s << " p=" << g.p
                               << " dil=" << g.dil << " ceil=" << g.ceil;
        }
  });
}

TEST(PoolKernel, AvgPoolEveryIsaBitExactToReferenceChannels1To67) {
  struct Divide {
    bool include_pad;
    int64_t divisor;
    int32_t in_zp, out_zp;
  };
  const Divide divides[] = {{true, 0, 100, 100}, {false, 0, 3, 3}, {true, 3, 128, 128}, {false, 7, 0, 0}};
  qjit::testing::for_each_isa([&](Isa isa) {
    for (QType t : {QType::u8, QType::s8})
      for (const Geometry& g : kGeometries) {
        if (g.dil != 1) continue;  // average pooling has no dilation
        for (const Divide& v : divides)
          for (int64_t c = 1; c <= 67; c += (c < 40 ? 1 : 3)) {
            const PoolDesc d = make_desc(2, c, 7, 9, g);
            const auto x = random_bytes(static_cast<size_t>(2 * 7 * 9 * c), static_cast<uint32_t>(c * 17 + g.s));
            AvgPoolParams p;
            p.count_include_pad = v.include_pad;
            p.divisor_override = v.divisor;
            p.in_zero_point = t == QType::s8 ? v.in_zp - 128 : v.in_zp;
            p.out_zero_point = t == QType::s8 ? v.out_zp - 128 : v.out_zp;
            std::vector<uint8_t> got(out_elems(d), 0xAA), want(out_elems(d), 0x55);
            avg_pool_nhwc(d, p, t, x.data(), got.data(), isa);
            ref::avg_pool_nhwc(d, p, t, x.data(), want.data());
            ASSERT_EQ(got, want) << qtype_name(t) << " C=" << c << " k=" << g.k << " s=" << g.s << " p=" << g.p
                                 << " ceil=" << g.ceil << " include_pad=" << v.include_pad
                                 << " divisor=" << v.divisor;
          }
      }
  });
}

// Saturation: a divisor override smaller than the window pushes averages past the range; every path clamps.
TEST(PoolKernel, AvgPoolClampsToTheRangeOnEveryIsa) {
  qjit::testing::for_each_isa([](Isa isa) {
    PoolDesc d = make_desc(1, 40, 4, 4, {2, 2, 0, 1, false});
    std::vector<uint8_t> x(static_cast<size_t>(16 * 40), 250), y(out_elems(d));
    AvgPoolParams p;
    p.divisor_override = 1;
    avg_pool_nhwc(d, p, QType::u8, x.data(), y.data(), isa);
    for (uint8_t v : y) ASSERT_EQ(v, 255);
  });
}

}  // namespace
}  // namespace qjit
