// The element-wise quantized kernels (kernels/qbinary.h, kernels/qlut.h) on every available ISA path against the
// scalar reference, bit-exactly: sizes 1..100 and a large one, u8 and s8, every op, broadcast operands, and the
// vector/tail boundary of ATen's add at every position.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/qbinary.h"
#include "kernels/qlut.h"
#include "kernels/reference/qbinary_ref.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

std::vector<size_t> sizes_to_test() {
  std::vector<size_t> s;
  for (size_t n = 1; n <= 100; ++n) s.push_back(n);
  s.push_back(70001);  // several thread shares, odd tail
  return s;
}

TEST(QBinaryKernel, EveryIsaMatchesReferenceForAllOpsTypesSizesAndBroadcasts) {
  testing::for_each_isa([](Isa isa) {
    Exec exec;
    exec.isa = isa;
    for (QType type : {QType::u8, QType::s8})
      for (QBinaryOp op : {QBinaryOp::add, QBinaryOp::mul})
        for (bool relu : {false, true}) {
          QBinaryParams p;
          p.op = op;
          p.relu = relu;
          p.type = type;
          p.a_scale = 0.05f;
          p.a_zero_point = type == QType::u8 ? 120 : -7;
          p.b_scale = 0.03f;
          p.b_zero_point = type == QType::u8 ? 140 : 5;
          p.out_scale = op == QBinaryOp::mul ? 0.1f : 0.04f;
          p.out_zero_point = type == QType::u8 ? 100 : -3;
          for (size_t n : sizes_to_test()) {
            const auto a = random_bytes(n, static_cast<uint32_t>(n)), b = random_bytes(n, static_cast<uint32_t>(n + 7));
            for (int bcast = 0; bcast < 3; ++bcast) {  // none, a is one value, b is one value
              const ptrdiff_t as = bcast == 1 ? 0 : 1, bs = bcast == 2 ? 0 : 1;
              for (size_t vend : {size_t{0}, aten_vector_end(n), n / 2, n}) {
                std::vector<uint8_t> want(n), got(n, 0xAA);
                ref::qbinary_generic(p, a.data(), as, b.data(), bs, want.data(), n, vend);
                qbinary_generic(p, a.data(), as, b.data(), bs, got.data(), n, vend, exec);
                ASSERT_EQ(got, want) << "type " << qtype_name(type) << " op " << int(op) << " relu " << relu << " n "
                                     << n << " broadcast " << bcast << " vector_end " << vend;
              }
            }
          }
        }
  });
}

TEST(QBinaryKernel, StridedOperandsUseTheReferenceFormula) {
  QBinaryParams p;
  p.a_scale = 0.05f;
  p.a_zero_point = 120;
  p.b_scale = 0.03f;
  p.b_zero_point = 140;
  p.out_scale = 0.08f;
  p.out_zero_point = 128;
  const auto a = random_bytes(300, 1), b = random_bytes(300, 2);
  std::vector<uint8_t> want(100), got(100);
  ref::qbinary_generic(p, a.data(), 3, b.data(), 2, want.data(), 100, 0);
  qbinary_generic(p, a.data(), 3, b.data(), 2, got.data(), 100, 0);
  EXPECT_EQ(got, want);
}

// The fma and plain dequantizations really differ for these parameters (otherwise the position tests prove nothing).
TEST(QBinaryKernel, FmaAndPlainDequantizationDifferSomewhereForGoldenParameters) {
  QBinaryParams p;
  p.a_scale = 0.05f;
  p.a_zero_point = 120;
  p.b_scale = 0.03f;
  p.b_zero_point = 140;
  p.out_scale = 0.08f;
  p.out_zero_point = 128;
  int differ = 0;
  for (int qa = 0; qa < 256; ++qa)
    for (int qb = 0; qb < 256; ++qb)
      differ += ref::qbinary_generic_val(qa, qb, p, true) != ref::qbinary_generic_val(qa, qb, p, false);
  EXPECT_GT(differ, 0);
}

TEST(QAddQnnpackKernel, EveryIsaMatchesReferenceForSizesAndRelu) {
  testing::for_each_isa([](Isa isa) {
    Exec exec;
    exec.isa = isa;
    for (bool relu : {false, true}) {
      const QAddQnnpackParams p = qadd_qnnpack_params(0.05f, 120, 0.03f, 140, 0.04f, relu ? 0 : 128, relu);
      for (size_t n : sizes_to_test()) {
        const auto a = random_bytes(n, static_cast<uint32_t>(3 * n)), b = random_bytes(n, static_cast<uint32_t>(5 * n));
        std::vector<uint8_t> want(n), got(n);
        ref::qadd_qnnpack(p, a.data(), b.data(), want.data(), n);
        qadd_qnnpack(p, a.data(), b.data(), got.data(), n, exec);
        ASSERT_EQ(got, want) << "relu " << relu << " n " << n;
      }
    }
  });
}

TEST(QAddQnnpackKernel, RoundsTiesAwayFromZero) {
  // a_scale / out_scale = 0.5, b contributes 0: q - zp = 1 gives 0.5 -> 1, q - zp = -1 gives -0.5 -> -1.
  const QAddQnnpackParams p = qadd_qnnpack_params(0.5f, 100, 1.0f, 0, 1.0f, 100, false);
  EXPECT_EQ(ref::qadd_qnnpack_val(101, 0, p), 101);
  EXPECT_EQ(ref::qadd_qnnpack_val(99, 0, p), 99);
  EXPECT_EQ(ref::qadd_qnnpack_val(103, 0, p), 102);  // 1.5 -> 2
}

TEST(QAddQnnpackKernel, ScaleRatioOutsideQnnpackRangeIsAnError) {
  test::expect_error([] { qadd_qnnpack_params(300.0f, 0, 1.0f, 0, 1.0f, 0, false); },
                     {"qadd_qnnpack_params", "a_scale / out_scale", "2^8"});
  test::expect_error([] { qadd_qnnpack_params(1.0f, 0, 1e-6f, 0, 1.0f, 0, false); },
                     {"qadd_qnnpack_params", "b_scale / out_scale"});
}

TEST(QBinaryKernel, BadParametersAreErrors) {
  QBinaryParams p;
  uint8_t a = 0, b = 0, o = 0;
  p.type = QType::s32;
  test::expect_error([&] { qbinary_generic(p, &a, 1, &b, 1, &o, 1, 0); }, {"qbinary_generic", "type", "s32"});
  p.type = QType::u8;
  p.out_scale = 0.0f;
  test::expect_error([&] { qbinary_generic(p, &a, 1, &b, 1, &o, 1, 0); }, {"out_scale", "0"});
  p.out_scale = 1.0f;
  p.a_zero_point = 300;
  test::expect_error([&] { qbinary_generic(p, &a, 1, &b, 1, &o, 1, 0); }, {"a_zero_point", "300"});
  p.a_zero_point = 0;
  test::expect_error([&] { qbinary_generic(p, &a, 1, &b, 1, &o, 1, 2); }, {"vector_end", "2"});
}

TEST(QLutKernel, EveryIsaMatchesTableLookupForSizes) {
  QLut t;
  for (int i = 0; i < 256; ++i) t[static_cast<size_t>(i)] = static_cast<uint8_t>((i * 37 + 11) ^ (i >> 3));
  testing::for_each_isa([&](Isa isa) {
    Exec exec;
    exec.isa = isa;
    for (size_t n : sizes_to_test()) {
      const auto in = random_bytes(n, static_cast<uint32_t>(n * 11));
      std::vector<uint8_t> got(n);
      qlut_apply(t, in.data(), got.data(), n, exec);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], t[in[i]]) << "n " << n << " i " << i;
    }
  });
}

TEST(QClampKernel, EveryIsaMatchesScalarClampForBothTypes) {
  testing::for_each_isa([](Isa isa) {
    Exec exec;
    exec.isa = isa;
    for (size_t n : sizes_to_test()) {
      const auto in = random_bytes(n, static_cast<uint32_t>(n * 13));
      std::vector<uint8_t> got(n);
      qclamp(QType::u8, in.data(), got.data(), n, 60, 180, exec);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], std::clamp<int>(in[i], 60, 180)) << "u8 n " << n;
      qclamp(QType::s8, in.data(), got.data(), n, -20, 90, exec);
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(static_cast<int8_t>(got[i]), std::clamp<int>(static_cast<int8_t>(in[i]), -20, 90)) << "s8 n " << n;
    }
  });
}

TEST(QClampKernel, BoundsOutsideTheTypeAreErrors) {
  uint8_t x = 0;
  test::expect_error([&] { qclamp(QType::u8, &x, &x, 1, -1, 10); }, {"qclamp", "lo", "-1"});
  test::expect_error([&] { qclamp(QType::s8, &x, &x, 1, 5, 200); }, {"qclamp", "hi", "200"});
}

}  // namespace
}  // namespace qjit
