// The upsampling kernels (kernels/upsample.h): every available ISA path bit-exact against the scalar reference over
// channel counts 1..67 (whole AVX2 blocks of 32 / 16 / 8 and every tail; 1 channel is how a contiguous NCHW tensor
// arrives), up and down, x2, by size and by scale factor, sizes of 1 and odd, align_corners both ways, u8 and s8
// with zero points at and inside the range's ends.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/reference/upsample_ref.h"
#include "kernels/upsample.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, 255);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(dist(rng));
  return v;
}

struct Resize {
  int64_t in_h, in_w, out_h, out_w;
  double scale_h, scale_w;  // 0: by size
};

// x2, odd up by size, down, from 1x1, to 1x1, a fractional scale factor, one dimension unchanged, equal sizes.
const Resize kResizes[] = {{5, 7, 10, 14, 0, 0},    {3, 5, 7, 11, 0, 0},    {9, 7, 4, 3, 0, 0},
                           {1, 1, 3, 5, 0, 0},      {4, 6, 1, 1, 0, 0},     {5, 7, 11, 16, 2.3, 2.3},
                           {6, 5, 6, 13, 1.0, 2.7}, {4, 6, 4, 6, 0, 0}};

UpsampleDesc make_desc(int64_t channels, const Resize& r, bool align_corners) {
  UpsampleDesc d;
  d.batch = 2;
  d.channels = channels;
  d.in_h = r.in_h;
  d.in_w = r.in_w;
  d.out_h = r.out_h;
  d.out_w = r.out_w;
  d.scale_h = r.scale_h;
  d.scale_w = r.scale_w;
  d.align_corners = align_corners;
  return d;
}

size_t in_elems(const UpsampleDesc& d) { return static_cast<size_t>(d.batch * d.in_h * d.in_w * d.channels); }
size_t out_elems(const UpsampleDesc& d) { return static_cast<size_t>(d.batch * d.out_h * d.out_w * d.channels); }

TEST(UpsampleKernel, NearestEveryIsaBitExactToReferenceChannels1To67) {
  qjit::testing::for_each_isa([](Isa isa) {
    for (QType t : {QType::u8, QType::s8})
      for (const Resize& r : kResizes)
        for (int64_t C = 1; C <= 67; ++C) {
          const UpsampleDesc d = make_desc(C, r, false);
          const auto x = random_bytes(in_elems(d), static_cast<uint32_t>(C * 19 + r.out_w));
          std::vector<uint8_t> got(out_elems(d), 0xAA), want(out_elems(d), 0x55);
          upsample_nearest_nhwc(d, t, x.data(), got.data(), isa);
          ref::upsample_nearest_nhwc(d, t, x.data(), want.data());
          ASSERT_EQ(got, want) << qtype_name(t) << " C=" << C << " " << r.in_h << "x" << r.in_w << " -> " << r.out_h
                               << "x" << r.out_w << " scale " << r.scale_h << "," << r.scale_w;
        }
  });
}

TEST(UpsampleKernel, BilinearEveryIsaBitExactToReferenceChannels1To67) {
  qjit::testing::for_each_isa([](Isa isa) {
    for (QType t : {QType::u8, QType::s8})
      for (int32_t u8_zp : {0, 77, 255})
        for (bool align_corners : {false, true})
          for (const Resize& r : kResizes)
            for (int64_t C = 1; C <= 67; ++C) {
              const UpsampleDesc d = make_desc(C, r, align_corners);
              const int32_t zp = t == QType::s8 ? u8_zp - 128 : u8_zp;
              const auto x = random_bytes(in_elems(d), static_cast<uint32_t>(C * 23 + r.out_h + u8_zp));
              std::vector<uint8_t> got(out_elems(d), 0xAA), want(out_elems(d), 0x55);
              upsample_bilinear_nhwc(d, t, zp, x.data(), got.data(), isa);
              ref::upsample_bilinear_nhwc(d, t, zp, x.data(), want.data());
              ASSERT_EQ(got, want) << qtype_name(t) << " zp=" << zp << " align_corners=" << align_corners
                                   << " C=" << C << " " << r.in_h << "x" << r.in_w << " -> " << r.out_h << "x"
                                   << r.out_w << " scale " << r.scale_h << "," << r.scale_w;
            }
  });
}

// Known values: x2 nearest repeats each pixel; x2 bilinear (half-pixel) between 0 and 100 gives 25 and 75 inside
// and copies the edges.
TEST(UpsampleKernel, NearestAndBilinearX2GiveKnownValuesOnEveryIsa) {
  qjit::testing::for_each_isa([](Isa isa) {
    const int64_t C = 40;
    UpsampleDesc d = make_desc(C, {1, 2, 1, 4, 0, 0}, false);
    d.batch = 1;
    std::vector<uint8_t> x(static_cast<size_t>(2 * C));
    for (int64_t c = 0; c < C; ++c) x[static_cast<size_t>(C + c)] = 100;
    std::vector<uint8_t> y(static_cast<size_t>(4 * C));
    upsample_nearest_nhwc(d, QType::u8, x.data(), y.data(), isa);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t w = 0; w < 4; ++w) ASSERT_EQ(y[static_cast<size_t>(w * C + c)], w < 2 ? 0 : 100);
    upsample_bilinear_nhwc(d, QType::u8, 0, x.data(), y.data(), isa);
    const uint8_t want[4] = {0, 25, 75, 100};
    for (int64_t c = 0; c < C; ++c)
      for (int64_t w = 0; w < 4; ++w) ASSERT_EQ(y[static_cast<size_t>(w * C + c)], want[w]) << "w=" << w;
  });
}

}  // namespace
}  // namespace qjit
