// Quantize / dequantize kernels: every available path bit-exact to kernels/reference over lengths 0..300 and large
// ones, unaligned buffers, guard bytes untouched, per tensor and per channel, integer and float zero points.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "base/error.h"
#include "kernels/quantize.h"
#include "kernels/reference/quantize_ref.h"
#include "tests/support/buffers.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

using testing::eltwise_lengths;
using testing::for_each_isa;
using testing::GuardedBuffer;

// Inputs that hit the interesting cases: exact .5 ties at the given scale, values beyond the range (clamping),
// +-0, +-inf, NaN, huge magnitudes, and plain random values.
std::vector<float> tricky_floats(size_t n, float scale, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> wide(-300.0f * scale, 300.0f * scale);
  std::uniform_int_distribution<int> tie(-300, 300);
  const float specials[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                            3e38f, -3e38f, 2.2e9f * scale, -2.2e9f * scale};
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    const int kind = static_cast<int>(rng() % 16);
    if (kind == 0)
      x[i] = specials[rng() % (sizeof specials / sizeof specials[0])];
    else if (kind < 5)
      x[i] = (static_cast<float>(tie(rng)) + 0.5f) * scale;
    else
      x[i] = wide(rng);
  }
  return x;
}

template <class T>
void expect_same_bytes(const GuardedBuffer<T>& got, const std::vector<T>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::memcmp(&want[i], got.data() + i, sizeof(T)) != 0) {
      ADD_FAILURE() << what << ": first mismatch at " << i << " of " << want.size() << ": got " << +got.get(i)
                    << ", want " << +want[i];
      return;
    }
  }
  EXPECT_TRUE(got.guards_intact()) << what << ": wrote outside the output";
}

template <class Q>
void check_quantize_per_tensor(QType t, float scale, int32_t zp) {
  for_each_isa([&](Isa isa) {
    for (size_t n : eltwise_lengths()) {
      const size_t misalign = n % 4;
      const auto x = tricky_floats(n, scale, static_cast<uint32_t>(n));
      GuardedBuffer<float> xin(n, misalign + n % 3);
      for (size_t i = 0; i < n; ++i) xin.set(i, x[i]);
      std::vector<Q> want(n);
      ref::quantize_per_tensor(x.data(), want.data(), n, t, scale, zp);
      GuardedBuffer<Q> got(n, misalign);
      quantize_per_tensor(xin.data(), got.data(), n, t, scale, zp, Exec{isa});
      SCOPED_TRACE("n=" + std::to_string(n));
      expect_same_bytes(got, want, "quantize_per_tensor");
      if (::testing::Test::HasFailure()) return;

      // Dequantize the reference's output back.
      GuardedBuffer<Q> qin(n, misalign);
      for (size_t i = 0; i < n; ++i) qin.set(i, want[i]);
      std::vector<float> dwant(n);
      ref::dequantize_per_tensor(want.data(), dwant.data(), n, t, scale, zp);
      GuardedBuffer<float> dgot(n, (n + 1) % 4);
      dequantize_per_tensor(qin.data(), dgot.data(), n, t, scale, zp, Exec{isa});
      expect_same_bytes(dgot, dwant, "dequantize_per_tensor");
      if (::testing::Test::HasFailure()) return;
    }
  });
}

TEST(QuantizeKernel, PerTensorU8MatchesReferenceOnEveryPath) {
  check_quantize_per_tensor<uint8_t>(QType::u8, 0.5f, 0);
  check_quantize_per_tensor<uint8_t>(QType::u8, 0.1f, 128);
  check_quantize_per_tensor<uint8_t>(QType::u8, 0.013f, 255);
}

TEST(QuantizeKernel, PerTensorS8MatchesReferenceOnEveryPath) {
  check_quantize_per_tensor<int8_t>(QType::s8, 0.25f, 0);
  check_quantize_per_tensor<int8_t>(QType::s8, 0.037f, -128);
  check_quantize_per_tensor<int8_t>(QType::s8, 3.0f, 127);
}

TEST(QuantizeKernel, PerTensorS32MatchesReferenceOnEveryPath) {
  check_quantize_per_tensor<int32_t>(QType::s32, 0.1f, 0);
  check_quantize_per_tensor<int32_t>(QType::s32, 1e-6f, 5);
  check_quantize_per_tensor<int32_t>(QType::s32, 0.5f, INT32_MIN);
  check_quantize_per_tensor<int32_t>(QType::s32, 0.5f, INT32_MAX);
}

// Per channel: [outer][channels][inner] with inner == 1 (parameters vary by lane) and inner > 1 (per row).
template <class Q>
void check_per_channel(QType t, bool float_zp) {
  const size_t shapes[][3] = {{1, 1, 1},  {3, 7, 1},  {2, 16, 1}, {5, 67, 1}, {1, 300, 1}, {2, 3, 5},
                              {1, 4, 33}, {3, 2, 17}, {1, 1, 300}, {4, 9, 8}, {2, 33, 1}, {7, 5, 3}};
  std::mt19937 rng(7);
  for_each_isa([&](Isa isa) {
    for (const auto& s : shapes) {
      const size_t outer = s[0], channels = s[1], inner = s[2], n = outer * channels * inner;
      SCOPED_TRACE("outer=" + std::to_string(outer) + " channels=" + std::to_string(channels) +
                   " inner=" + std::to_string(inner));
      std::vector<float> scales(channels), fzps(channels);
      std::vector<int32_t> zps(channels);
      for (size_t c = 0; c < channels; ++c) {
        scales[c] = c % 3 == 0 ? 0.5f : 0.001f + static_cast<float>(rng() % 1000) / 997.0f;
        zps[c] = static_cast<int32_t>(qtype_min(t) + (t == QType::s32 ? rng() % 1000 : rng() % 256));
        fzps[c] = static_cast<float>(rng() % 25500) / 100.0f;
      }
      const auto x = tricky_floats(n, 0.5f, static_cast<uint32_t>(n * 31));
      std::vector<Q> want(n);
      GuardedBuffer<Q> got(n, 1);
      std::vector<float> dwant(n);
      GuardedBuffer<float> dgot(n, 1);
      if (float_zp) {
        ref::quantize_per_channel_float_qparams(x.data(), want.data(), outer, channels, inner, t, scales.data(),
                                                fzps.data());
        quantize_per_channel_float_qparams(x.data(), got.data(), outer, channels, inner, t, scales.data(),
                                           fzps.data(), Exec{isa});
        ref::dequantize_per_channel_float_qparams(want.data(), dwant.data(), outer, channels, inner, t,
                                                  scales.data(), fzps.data());
        dequantize_per_channel_float_qparams(want.data(), dgot.data(), outer, channels, inner, t, scales.data(),
                                             fzps.data(), Exec{isa});
      } else {
        ref::quantize_per_channel(x.data(), want.data(), outer, channels, inner, t, scales.data(), zps.data());
        quantize_per_channel(x.data(), got.data(), outer, channels, inner, t, scales.data(), zps.data(), Exec{isa});
        ref::dequantize_per_channel(want.data(), dwant.data(), outer, channels, inner, t, scales.data(), zps.data());
        dequantize_per_channel(want.data(), dgot.data(), outer, channels, inner, t, scales.data(), zps.data(),
                               Exec{isa});
      }
      expect_same_bytes(got, want, "quantize_per_channel");
      expect_same_bytes(dgot, dwant, "dequantize_per_channel");
      if (::testing::Test::HasFailure()) return;
    }
  });
}

TEST(QuantizeKernel, PerChannelU8MatchesReferenceOnEveryPath) { check_per_channel<uint8_t>(QType::u8, false); }
TEST(QuantizeKernel, PerChannelS8MatchesReferenceOnEveryPath) { check_per_channel<int8_t>(QType::s8, false); }
TEST(QuantizeKernel, PerChannelS32MatchesReferenceOnEveryPath) { check_per_channel<int32_t>(QType::s32, false); }
TEST(QuantizeKernel, PerChannelFloatZeroPointU8MatchesReferenceOnEveryPath) {
  check_per_channel<uint8_t>(QType::u8, true);
}

TEST(QuantizeKernel, TiesRoundToEvenAndZeroPointIsAddedAfterRounding) {
  // 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -2.5 -> -2 (then + zp 10), on every path.
  const float x[8] = {0.5f, 1.5f, 2.5f, -2.5f, -0.5f, 3.5f, 127.5f, -10.5f};
  const int8_t want[8] = {10, 12, 12, 8, 10, 14, 127, 0};
  for_each_isa([&](Isa isa) {
    int8_t q[8];
    quantize_per_tensor(x, q, 8, QType::s8, 1.0f, 10, Exec{isa});
    for (int i = 0; i < 8; ++i) EXPECT_EQ(q[i], want[i]) << "x=" << x[i];
  });
}

TEST(QuantizeKernel, Qint32ZeroPointIsAddedInFloat) {
  // ATen adds a qint32 zero point to the rounded float: near 2^31 floats are 128 apart, so + 5 is lost
  // (integer arithmetic would give 2100000005).
  const float x[1] = {2.1e9f};
  for_each_isa([&](Isa isa) {
    int32_t q[1];
    quantize_per_tensor(x, q, 1, QType::s32, 1.0f, 5, Exec{isa});
    EXPECT_EQ(q[0], 2100000000);
  });
}

TEST(QuantizeKernel, CallerPartitionCoversTheWholeBufferInShares) {
  const size_t n = 1001;
  const auto x = tricky_floats(n, 0.1f, 3);
  std::vector<uint8_t> want(n), got(n, 0);
  ref::quantize_per_tensor(x.data(), want.data(), n, QType::u8, 0.1f, 3);
  for (int count : {1, 2, 3, 7}) {
    std::fill(got.begin(), got.end(), 0);
    for (int id = 0; id < count; ++id) {
      Partition p{id, count};
      Exec e;
      e.partition = &p;
      quantize_per_tensor(x.data(), got.data(), n, QType::u8, 0.1f, 3, e);
    }
    EXPECT_EQ(got, want) << "thread_count=" << count;
  }
}

TEST(QuantizeKernel, BadArgumentsThrowErrorsNamingTheArgument) {
  float x[4] = {};
  uint8_t q[4];
  auto expect_error = [](auto&& call, const std::string& needle) {
    try {
      call();
      ADD_FAILURE() << "no qjit::Error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([&] { quantize_per_tensor(x, q, 4, QType::u8, 0.0f, 0); }, "scale = 0");
  expect_error([&] { quantize_per_tensor(x, q, 4, QType::u8, -1.0f, 0); }, "scale = -1");
  expect_error([&] { quantize_per_tensor(x, q, 4, QType::u8, std::nanf(""), 0); }, "scale = nan");
  expect_error([&] { quantize_per_tensor(x, q, 4, QType::u8, INFINITY, 0); }, "scale = inf");
  expect_error([&] { quantize_per_tensor(x, q, 4, QType::u8, 1.0f, 256); }, "zero_point = 256");
  expect_error([&] { quantize_per_tensor(x, q, 4, QType::s8, 1.0f, 128); }, "zero_point = 128");
  expect_error([&] { quantize_per_tensor(nullptr, q, 4, QType::u8, 1.0f, 0); }, "input");
  const float scales[2] = {1.0f, 0.0f};
  const int32_t zps[2] = {0, 0};
  expect_error([&] { quantize_per_channel(x, q, 1, 2, 2, QType::u8, scales, zps); }, "scales[1] = 0");
  const float ok_scales[2] = {1.0f, 1.0f};
  const int32_t bad_zps[2] = {0, -1};
  expect_error([&] { dequantize_per_channel(q, x, 1, 2, 2, QType::u8, ok_scales, bad_zps); }, "zero_points[1] = -1");
  if (!cpu_has(Isa::avx512_vnni)) {
    Exec e;
    e.isa = Isa::avx512_vnni;
    expect_error([&] { quantize_per_tensor(x, q, 4, QType::u8, 1.0f, 0, e); }, "avx512_vnni");
  }
}

}  // namespace
}  // namespace qjit
