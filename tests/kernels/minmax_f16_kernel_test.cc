// min/max reduction and f32 <-> f16 conversion: every available path against kernels/reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "kernels/convert_f16.h"
#include "kernels/minmax.h"
#include "kernels/reference/quantize_ref.h"
#include "tests/support/buffers.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

using testing::eltwise_lengths;
using testing::for_each_isa;
using testing::GuardedBuffer;

TEST(MinMaxKernel, MatchesReferenceOnEveryPathAndSkipsNaN) {
  for_each_isa([&](Isa isa) {
    for (size_t n : eltwise_lengths()) {
      std::mt19937 rng(static_cast<uint32_t>(n));
      std::uniform_real_distribution<float> d(-1000.0f, 1000.0f);
      GuardedBuffer<float> x(n, n % 4);
      for (size_t i = 0; i < n; ++i) x.set(i, rng() % 17 == 0 ? std::numeric_limits<float>::quiet_NaN() : d(rng));
      if (n > 10) x.set(n - 1, 5000.0f);  // extremes in the tail
      if (n > 11) x.set(n - 2, -5000.0f);
      float want_min, want_max, got_min, got_max;
      ref::min_max(x.data(), n, &want_min, &want_max);
      min_max(x.data(), n, &got_min, &got_max, Exec{isa});
      ASSERT_EQ(got_min, want_min) << "n=" << n;
      ASSERT_EQ(got_max, want_max) << "n=" << n;
    }
  });
}

TEST(MinMaxKernel, EmptyOrAllNaNGivesInfinities) {
  for_each_isa([&](Isa isa) {
    float mn = 0, mx = 0;
    min_max(nullptr, 0, &mn, &mx, Exec{isa});
    EXPECT_EQ(mn, std::numeric_limits<float>::infinity());
    EXPECT_EQ(mx, -std::numeric_limits<float>::infinity());
    std::vector<float> nans(37, std::numeric_limits<float>::quiet_NaN());
    min_max(nans.data(), nans.size(), &mn, &mx, Exec{isa});
    EXPECT_EQ(mn, std::numeric_limits<float>::infinity());
    EXPECT_EQ(mx, -std::numeric_limits<float>::infinity());
  });
}

TEST(ConvertF16Kernel, EveryHalfValueConvertsToFloatAndBackExactlyOnEveryPath) {
  std::vector<uint16_t> all(65536);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  std::vector<float> want(all.size());
  ref::f16_to_f32(all.data(), want.data(), all.size());
  for_each_isa([&](Isa isa) {
    std::vector<float> got(all.size());
    f16_to_f32(all.data(), got.data(), all.size(), Exec{isa});
    for (size_t i = 0; i < all.size(); ++i)
      ASSERT_EQ(std::memcmp(&got[i], &want[i], 4), 0) << "half 0x" << std::hex << i;
    std::vector<uint16_t> back(all.size());
    f32_to_f16(got.data(), back.data(), got.size(), Exec{isa});
    for (size_t i = 0; i < all.size(); ++i) {
      const bool nan = (i & 0x7c00) == 0x7c00 && (i & 0x3ff);
      // A signalling NaN comes back quietened; everything else round-trips.
      ASSERT_EQ(back[i], nan ? (all[i] | 0x200) : all[i]) << "half 0x" << std::hex << i;
    }
  });
}

TEST(ConvertF16Kernel, FloatToHalfRoundsToNearestEvenOnEveryPath) {
  for_each_isa([&](Isa isa) {
    for (size_t n : eltwise_lengths()) {
      std::mt19937 rng(static_cast<uint32_t>(n + 99));
      GuardedBuffer<float> x(n, n % 3);
      for (size_t i = 0; i < n; ++i) {
        uint32_t bits = rng();  // every float bit pattern: subnormals, halfway cases, overflow, NaN payloads
        if (i % 3 == 0) bits = (bits & 0x8000ffffu) | ((100u + rng() % 60u) << 23);  // near half's range
        float f;
        std::memcpy(&f, &bits, 4);
        x.set(i, f);
      }
      std::vector<uint16_t> want(n);
      ref::f32_to_f16(x.data(), want.data(), n);
      GuardedBuffer<uint16_t> got(n, 1);
      f32_to_f16(x.data(), got.data(), n, Exec{isa});
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(got.get(i), want[i]) << "n=" << n << " i=" << i << " x=" << x.get(i);
      ASSERT_TRUE(got.guards_intact());
    }
  });
}

}  // namespace
}  // namespace qjit
