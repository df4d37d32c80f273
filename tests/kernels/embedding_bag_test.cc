// The embedding-bag kernel: every path bit-exact to the scalar reference (dims 1..70, 8/4/2 bits, every mode, bags
// from empty to long, per-sample weights, include_last_offset, int32 and int64 indices); what mean and max compute
// (against the dequantized table); and each kind of bad argument.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/embedding_bag.h"
#include "kernels/reference/embedding_bag_ref.h"
#include "packing/embedding_rowwise.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

struct Table {
  int bits;
  size_t rows, dim;
  std::vector<uint8_t> bytes;
  RowwiseTable view() const { return {bits, bytes.data(), rows, dim}; }
};

Table random_table(int bits, size_t rows, size_t dim, std::mt19937& rng) {
  std::normal_distribution<float> g(0.0f, 1.5f);
  std::vector<float> w(rows * dim);
  for (float& v : w) v = g(rng);
  Table t{bits, rows, dim, std::vector<uint8_t>(rows * rowwise_row_bytes(bits, dim))};
  rowwise_prepack(bits, w.data(), rows, dim, t.bytes.data());
  return t;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Bag lengths 0, 1, 2, 3, 0, 7, 1, 16, 0 (empty bags first, in the middle and last).
struct Bags {
  std::vector<int64_t> indices, offsets;
  std::vector<float> weights;
};
Bags make_bags(size_t rows, std::mt19937& rng) {
  Bags b;
  std::uniform_int_distribution<int64_t> pick(0, static_cast<int64_t>(rows) - 1);
  std::uniform_real_distribution<float> wd(-2.0f, 2.0f);
  for (int len : {0, 1, 2, 3, 0, 7, 1, 16, 0}) {
    b.offsets.push_back(static_cast<int64_t>(b.indices.size()));
    for (int i = 0; i < len; ++i) {
      b.indices.push_back(pick(rng));
      b.weights.push_back(wd(rng));
    }
  }
  return b;
}

TEST(EmbeddingBagKernel, EveryPathIsBitExactToTheReferenceForDims1To70) {
  std::mt19937 rng(7);
  int compared = 0;
  for (int bits : {8, 4, 2}) {
    for (size_t dim = 1; dim <= 70; ++dim) {
      const Table t = random_table(bits, 23, dim, rng);
      const Bags b = make_bags(t.rows, rng);
      for (EmbeddingBagMode mode : {EmbeddingBagMode::sum, EmbeddingBagMode::mean, EmbeddingBagMode::max}) {
        for (bool psw : {false, true}) {
          if (psw && mode != EmbeddingBagMode::sum) continue;
          for (bool last : {false, true}) {
            SCOPED_TRACE("bits=" + std::to_string(bits) + " dim=" + std::to_string(dim) + " mode=" +
                         embedding_bag_mode_name(mode) + (psw ? " psw" : "") + (last ? " include_last_offset" : ""));
            std::vector<int64_t> off = b.offsets;
            if (last) off.push_back(static_cast<int64_t>(b.indices.size()));
            const EmbeddingBagDesc desc{mode, last};
            const float* w = psw ? b.weights.data() : nullptr;
            const size_t n_out = embedding_bag_count(off.size(), last) * dim;
            std::vector<float> want(n_out);
            ref::embedding_bag(t.view(), b.indices.data(), b.indices.size(), off.data(), off.size(), w, desc,
                               want.data());
            const std::vector<int32_t> idx32(b.indices.begin(), b.indices.end()), off32(off.begin(), off.end());
            testing::for_each_isa([&](Isa isa) {
              std::vector<float> got(n_out, std::nanf("")), got32(n_out, std::nanf(""));
              embedding_bag(t.view(), b.indices.data(), b.indices.size(), off.data(), off.size(), w, desc,
                            got.data(), Exec{isa});
              embedding_bag(t.view(), idx32.data(), idx32.size(), off32.data(), off32.size(), w, desc,
                            got32.data(), Exec{isa});
              EXPECT_TRUE(same_bits(got, want)) << "int64 indices";
              EXPECT_TRUE(same_bits(got32, want)) << "int32 indices";
              ++compared;
            });
          }
        }
      }
    }
  }
  EXPECT_GE(compared, 3 * 70 * 8);
}

// The value PyTorch's embedding lookup gives for one element: fma(scale, q, bias).
float dequantized(const RowwiseTable& t, size_t r, size_t j) {
  return std::fma(rowwise_scale(t, r), static_cast<float>(ref::rowwise_value(t, r, j)), rowwise_bias(t, r));
}

TEST(EmbeddingBagKernel, MeanDividesTheSumByTheBagLengthAndMaxTakesTheLargestDequantizedValue) {
  // PyTorch 1.13 without FBGEMM returns the sum for mean and max; the documented semantics are checked here.
  std::mt19937 rng(11);
  for (int bits : {8, 4, 2}) {
    SCOPED_TRACE("bits=" + std::to_string(bits));
    const Table t = random_table(bits, 9, 13, rng);
    const std::vector<int64_t> idx = {4, 1, 1, 8, 0, 2, 7};
    const std::vector<int64_t> off = {0, 3, 3, 4};  // bags of 3, 0, 1, 3 rows
    testing::for_each_isa([&](Isa isa) {
      std::vector<float> sum(4 * 13), mean(4 * 13), mx(4 * 13);
      embedding_bag(t.view(), idx.data(), idx.size(), off.data(), off.size(), nullptr, {EmbeddingBagMode::sum},
                    sum.data(), Exec{isa});
      embedding_bag(t.view(), idx.data(), idx.size(), off.data(), off.size(), nullptr, {EmbeddingBagMode::mean},
                    mean.data(), Exec{isa});
      embedding_bag(t.view(), idx.data(), idx.size(), off.data(), off.size(), nullptr, {EmbeddingBagMode::max},
                    mx.data(), Exec{isa});
      const size_t lens[4] = {3, 0, 1, 3};
      for (size_t b = 0; b < 4; ++b) {
        for (size_t j = 0; j < 13; ++j) {
          const size_t o = b * 13 + j;
          if (lens[b] == 0) {
            EXPECT_EQ(mean[o], 0.0f);
            EXPECT_EQ(mx[o], 0.0f);
            continue;
          }
          EXPECT_EQ(mean[o], sum[o] * (1.0f / static_cast<float>(lens[b]))) << "bag " << b << " column " << j;
          float m = -INFINITY, s = 0.0f;
          for (size_t i = off[b]; i < off[b] + lens[b]; ++i) {
            m = std::max(m, dequantized(t.view(), idx[i], j));
            s += dequantized(t.view(), idx[i], j);
          }
          EXPECT_EQ(mx[o], m) << "bag " << b << " column " << j;
          EXPECT_NEAR(mean[o], s / static_cast<float>(lens[b]), 1e-5f * (1.0f + std::fabs(s)));
        }
      }
    });
  }
}

TEST(EmbeddingBagKernel, PerSampleWeightsScaleEachRowOfTheSum) {
  std::mt19937 rng(3);
  const Table t = random_table(8, 5, 10, rng);
  const std::vector<int64_t> idx = {2, 4}, off = {0};
  const std::vector<float> w = {0.5f, -3.0f};
  testing::for_each_isa([&](Isa isa) {
    std::vector<float> out(10);
    embedding_bag(t.view(), idx.data(), 2, off.data(), 1, w.data(), {}, out.data(), Exec{isa});
    for (size_t j = 0; j < 10; ++j)
      EXPECT_NEAR(out[j], 0.5f * dequantized(t.view(), 2, j) - 3.0f * dequantized(t.view(), 4, j), 1e-5f);
  });
}

TEST(EmbeddingBagKernel, IncludeLastOffsetIgnoresIndicesPastTheLastOffsetAndNoOffsetsGiveNoBags) {
  std::mt19937 rng(5);
  const Table t = random_table(4, 6, 9, rng);
  const std::vector<int64_t> idx = {1, 2, 3, 4}, off_last = {0, 1, 3}, off = {0, 1};
  std::vector<float> a(2 * 9), b(2 * 9);
  embedding_bag(t.view(), idx.data(), 4, off_last.data(), 3, nullptr, {EmbeddingBagMode::sum, true}, a.data());
  embedding_bag(t.view(), idx.data(), 3, off.data(), 2, nullptr, {EmbeddingBagMode::sum, false}, b.data());
  EXPECT_TRUE(same_bits(a, b));
  EXPECT_EQ(embedding_bag_count(0, false), 0u);
  EXPECT_EQ(embedding_bag_count(1, true), 0u);
  embedding_bag(t.view(), idx.data(), 4, off.data(), 0, nullptr, {}, nullptr);  // no bags, nothing written
}

TEST(EmbeddingBagKernel, ThreadsAndCallerPartitionsGiveTheSameBitsAsOneThread) {
  std::mt19937 rng(9);
  const Table t = random_table(8, 1000, 96, rng);
  std::uniform_int_distribution<int64_t> pick(0, 999);
  std::vector<int64_t> idx(4000), off;
  for (auto& i : idx) i = pick(rng);
  for (int64_t b = 0; b < 4000; b += 1 + b % 13) off.push_back(b);  // varied lengths, 1 to 13
  ASSERT_GE(idx.size() * t.dim, size_t{1} << 16) << "large enough to use the pool";
  testing::for_each_isa([&](Isa isa) {
    std::vector<float> one(off.size() * 96), pool(off.size() * 96, NAN), parts(off.size() * 96, NAN);
    embedding_bag(t.view(), idx.data(), idx.size(), off.data(), off.size(), nullptr, {}, one.data(), Exec{isa, nullptr, 1});
    embedding_bag(t.view(), idx.data(), idx.size(), off.data(), off.size(), nullptr, {}, pool.data(), Exec{isa, nullptr, 0});
    for (int p = 0; p < 3; ++p) {
      const Partition part{p, 3};
      embedding_bag(t.view(), idx.data(), idx.size(), off.data(), off.size(), nullptr, {}, parts.data(),
                    Exec{isa, &part, 0});
    }
    EXPECT_TRUE(same_bits(pool, one));
    EXPECT_TRUE(same_bits(parts, one));
  });
}

TEST(EmbeddingBagKernel, BadArgumentsAreErrorsNamingTheArgumentAndValue) {
  std::mt19937 rng(1);
  const Table t = random_table(8, 4, 3, rng);
  std::vector<float> out(64);
  const std::vector<int64_t> idx = {0, 1, 2, 3};
  auto run = [&](std::vector<int64_t> i, std::vector<int64_t> o, const float* w, EmbeddingBagDesc d,
                 RowwiseTable tv) { embedding_bag(tv, i.data(), i.size(), o.data(), o.size(), w, d, out.data()); };
  using test::expect_error;
  expect_error([&] { run(idx, {0, -1}, nullptr, {}, t.view()); }, {"embedding_bag", "offsets[1] = -1", "never decrease"});
  expect_error([&] { run(idx, {0, 3, 2}, nullptr, {}, t.view()); }, {"offsets[2] = 2", "never decrease"});
  expect_error([&] { run(idx, {1, 2}, nullptr, {}, t.view()); }, {"offsets[0] = 1", "must be 0"});
  expect_error([&] { run(idx, {0, 5}, nullptr, {}, t.view()); }, {"offsets[1] = 5", "number of indices (4)"});
  expect_error([&] { run({0, 4}, {0}, nullptr, {}, t.view()); }, {"indices[1] = 4", "[0, 4)"});
  expect_error([&] { run({-1}, {0}, nullptr, {}, t.view()); }, {"indices[0] = -1"});
  expect_error([&] { run(idx, {}, nullptr, {EmbeddingBagMode::sum, true}, t.view()); },
               {"offsets.size() = 0", "include_last_offset"});
  const float w[4] = {1, 1, 1, 1};
  expect_error([&] { run(idx, {0}, w, {EmbeddingBagMode::mean}, t.view()); }, {"mode = mean", "per_sample_weights"});
  expect_error([&] { run(idx, {0}, nullptr, {static_cast<EmbeddingBagMode>(3)}, t.view()); }, {"mode = 3"});
  RowwiseTable bad = t.view();
  bad.bits = 3;
  expect_error([&] { run(idx, {0}, nullptr, {}, bad); }, {"bits = 3", "8, 4 or 2"});
  bad = t.view();
  bad.dim = 0;
  expect_error([&] { run(idx, {0}, nullptr, {}, bad); }, {"dim = 0"});
  bad = t.view();
  bad.data = nullptr;
  expect_error([&] { run(idx, {0}, nullptr, {}, bad); }, {"table.data"});
  expect_error(
      [&] {
        embedding_bag(t.view(), idx.data(), idx.size(), idx.data(), 1, nullptr, {}, out.data(), Exec{Isa::neon});
      },
      {"embedding_bag"});
}

}  // namespace
}  // namespace qjit
