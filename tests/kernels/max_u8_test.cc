// kernels/max_u8.h: the max of a byte buffer (and of a block of rows) on every path, against a plain loop: every
// length 0..100 and large ones, every start offset inside a vector, the max at every position, the buffer
// ending at an inaccessible page (no read past the end), and bad arguments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/max_u8.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/fenced_array.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

using testing::for_each_isa;

TEST(MaxU8, EveryLengthEveryOffsetAndTheMaxAtEveryPosition) {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(7);
    std::vector<uint8_t> buf(100 + 64);
    for (size_t n = 0; n <= 100; ++n)
      for (size_t offset = 0; offset < 33; offset += (n < 40 ? 1 : 8)) {
        // Background below the max (values 0..99), then one larger value at each position in turn.
        for (auto& v : buf) v = static_cast<uint8_t>(rng() % 100);
        const uint8_t* x = buf.data() + offset;
        const uint8_t background = n ? *std::max_element(x, x + n) : 0;
        ASSERT_EQ(max_u8(x, n, Exec{isa}), background) << "n=" << n << " offset=" << offset;
        for (size_t p = 0; p < n; ++p) {
          const uint8_t saved = buf[offset + p];
          for (uint8_t peak : {uint8_t{128}, uint8_t{255}}) {
            buf[offset + p] = peak;
            ASSERT_EQ(max_u8(x, n, Exec{isa}), peak) << "n=" << n << " offset=" << offset << " max at " << p;
          }
          buf[offset + p] = saved;
        }
      }
  });
}

TEST(MaxU8, LargeBuffersWithTheMaxNearTheStartMiddleAndEnd) {
  for_each_isa([](Isa isa) {
    for (size_t n : {size_t{127}, size_t{128}, size_t{129}, size_t{4096 + 77}, size_t{1} << 20}) {
      std::vector<uint8_t> x(n, 0);
      for (size_t i = 0; i < n; ++i) x[i] = static_cast<uint8_t>(i % 127);  // up to 126
      EXPECT_EQ(max_u8(x.data(), n, Exec{isa}), 126) << "n=" << n;
      for (size_t p : {size_t{0}, n / 2, n - 1}) {
        x[p] = 127;
        EXPECT_EQ(max_u8(x.data(), n, Exec{isa}), 127) << "n=" << n << " p=" << p;
        x[p] = static_cast<uint8_t>(p % 127);
      }
    }
  });
}

TEST(MaxU8, NeverReadsPastTheLastByte) {
  for_each_isa([](Isa isa) {
    for (size_t n = 1; n <= 70; ++n) {
      testing::FencedArray mem(n);
      uint8_t* x = mem.as<uint8_t>(3);
      x[n - 1] = 200;
      EXPECT_EQ(max_u8(x, n, Exec{isa}), 200) << "n=" << n;
    }
  });
}

TEST(MaxU8Rows, IgnoresTheBytesBetweenRows) {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(11);
    for (size_t rows : {size_t{1}, size_t{2}, size_t{7}, size_t{33}})
      for (size_t cols : {size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{100}})
        for (size_t pad : {size_t{0}, size_t{1}, size_t{9}}) {
          const size_t ld = cols + pad;
          std::vector<uint8_t> x(rows * ld, 255);  // the padding: 255, never part of the max
          for (size_t r = 0; r < rows; ++r)
            for (size_t c = 0; c < cols; ++c) x[r * ld + c] = static_cast<uint8_t>(rng() % 128);
          uint8_t want = 0;
          for (size_t r = 0; r < rows; ++r)
            for (size_t c = 0; c < cols; ++c) want = std::max(want, x[r * ld + c]);
          EXPECT_EQ(max_u8_rows(x.data(), ld, rows, cols, Exec{isa}), want)
              << "rows=" << rows << " cols=" << cols << " pad=" << pad;
          x[(rows - 1) * ld + cols - 1] = 201;  // the last byte of the last row
          EXPECT_EQ(max_u8_rows(x.data(), ld, rows, cols, Exec{isa}), 201);
        }
  });
}

TEST(MaxU8, EmptyInputIsZeroAndNullIsAllowedOnlyWhenEmpty) {
  EXPECT_EQ(max_u8(nullptr, 0), 0);
  EXPECT_EQ(max_u8_rows(nullptr, 0, 0, 5), 0);
  EXPECT_EQ(max_u8_rows(nullptr, 0, 5, 0), 0);
}

TEST(MaxU8, BadArgumentsAreErrors) {
  const uint8_t x[4] = {1, 2, 3, 4};
  test::expect_error([] { max_u8(nullptr, 3); }, {"max_u8", "x"});
  test::expect_error([] { max_u8_rows(nullptr, 4, 2, 4); }, {"max_u8_rows", "x"});
  test::expect_error([&] { max_u8_rows(x, 1, 2, 2); }, {"max_u8_rows", "ld", "1"});
}

}  // namespace
}  // namespace qjit
