#include "qlayers/quant_stubs.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "qlayers/quantize.h"

namespace qjit::nnq {
namespace {

TEST(QuantStubs, QuantizeThenDeQuantizeRoundsToTheGrid) {
  Quantize q(0.5, 10, DType::quint8);
  Tensor y = q(from_vector({0.f, 0.74f, -5.f, 200.f}));
  EXPECT_EQ(y.dtype(), DType::quint8);
  EXPECT_EQ(y.q_scale(), 0.5);
  EXPECT_EQ(y.q_zero_point(), 10);
  const uint8_t* v = y.data_ptr<uint8_t>();
  EXPECT_EQ(v[0], 10);
  EXPECT_EQ(v[1], 11);   // 0.74 / 0.5 = 1.48 -> 1
  EXPECT_EQ(v[2], 0);    // -10 + 10
  EXPECT_EQ(v[3], 255);  // clamped
  Tensor f = DeQuantize()(y);
  EXPECT_EQ(f.dtype(), DType::float32);
  EXPECT_EQ(f.data_ptr<float>()[1], 0.5f);
  EXPECT_EQ(q.to_string(), "Quantize(scale=0.5, zero_point=10, dtype=torch.quint8)");
}

TEST(QuantStubs, BadParametersAndInputsAreErrors) {
  EXPECT_THROW(Quantize(0.0, 0), Error);
  EXPECT_THROW(Quantize(1.0, 300, DType::quint8), Error);
  EXPECT_THROW(Quantize(1.0, 0, DType::float32), Error);
  Quantize q(1.0, 0);
  EXPECT_THROW(q(quantize_per_tensor(from_vector({1.f}), 1.0, 0, DType::quint8)), Error);
  EXPECT_THROW(DeQuantize()(from_vector({1.f})), Error);
}

}  // namespace
}  // namespace qjit::nnq
