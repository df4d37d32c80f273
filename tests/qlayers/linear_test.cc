// nnq.Linear / nniq.LinearReLU and quantized_linear: PyTorch's initial state and repr, weight() / bias() give back
// what was set, inputs of any rank, the fused ReLU, save / load, and a qjit::Error for each kind of bad input.
#include "qlayers/linear.h"

#include <gtest/gtest.h>

#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"
#include "tests/qlayers/qlayers_test_util.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

using test::expect_error;
using test::tensor_ints;

TEST(QLinear, NewModuleHasPyTorchsInitialStateAndRepr) {
  nnq::Linear m(4, 2);
  EXPECT_EQ(m.in_features(), 4);
  EXPECT_EQ(m.out_features(), 2);
  EXPECT_EQ(m.scale, 1.0);
  EXPECT_EQ(m.zero_point, 0);
  const Tensor w = m.weight();
  EXPECT_EQ(w.dtype(), DType::qint8);
  EXPECT_EQ(w.sizes(), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(w.q_scale(), 1.0);
  EXPECT_EQ(tensor_ints(w), std::vector<int64_t>(8, 0));
  ASSERT_TRUE(m.bias().defined());
  EXPECT_EQ(test::tensor_floats(m.bias()), std::vector<float>(2, 0.0f));
  EXPECT_FALSE(nnq::Linear(4, 2, false).bias().defined());
  EXPECT_EQ(m.type_name(), "Linear");
  EXPECT_EQ(m.qualified_name(), "nnq.Linear");
  EXPECT_EQ(m.extra_repr(), "in_features=4, out_features=2, scale=1.0, zero_point=0, qscheme=per_tensor_affine");
  m.scale = 0.1;
  m.zero_point = 3;
  EXPECT_EQ(m.extra_repr(), "in_features=4, out_features=2, scale=0.1, zero_point=3, qscheme=per_tensor_affine");
  nniq::LinearReLU r(3, 5);
  EXPECT_EQ(r.type_name(), "LinearReLU");
  EXPECT_EQ(r.qualified_name(), "nniq.LinearReLU");
}

TEST(QLinear, WeightAndBiasGiveBackExactlyWhatWasSet) {
  for (bool per_channel : {false, true}) {
    SCOPED_TRACE(per_channel ? "per channel" : "per tensor");
    const Tensor w = per_channel ? test::random_qweight_per_channel({7, 13}, 1) : test::random_qweight({7, 13}, 0.013, -3, 1);
    const Tensor b = test::random_bias(7, 2);
    nnq::Linear m(13, 7);
    m.set_weight_bias(w, b);
    const Tensor got = m.weight();
    EXPECT_EQ(got.sizes(), w.sizes());
    EXPECT_EQ(got.qscheme(), w.qscheme());
    EXPECT_EQ(tensor_ints(got), tensor_ints(w));
    if (per_channel) {
      EXPECT_EQ(got.q_per_channel_scales(), w.q_per_channel_scales());
      EXPECT_EQ(got.q_per_channel_zero_points(), w.q_per_channel_zero_points());
      EXPECT_EQ(got.q_per_channel_axis(), 0);
      EXPECT_EQ(m.extra_repr(), "in_features=13, out_features=7, scale=1.0, zero_point=0, qscheme=per_channel_affine");
    } else {
      EXPECT_EQ(got.q_scale(), 0.013);
      EXPECT_EQ(got.q_zero_point(), -3);
    }
    EXPECT_EQ(test::tensor_floats(m.bias()), test::tensor_floats(b));
    m.set_weight_bias(w, Tensor());
    EXPECT_FALSE(m.bias().defined());
  }
}

// The same rows through a 1-D, 2-D and 3-D input give the same outputs, shaped x.sizes()[:-1] + [out_features].
TEST(QLinear, InputOfAnyRankUsesItsLastDimension) {
  const auto m = nnq::Linear::from_quantized(test::random_qweight_per_channel({5, 8}, 3), test::random_bias(5, 4),
                                             0.05, 120);
  const Tensor x = test::random_quint8({2, 3, 8}, 0.02, 128, 5);
  const Tensor y3 = (*m)(x);
  EXPECT_EQ(y3.sizes(), (std::vector<int64_t>{2, 3, 5}));
  const Tensor y2 = (*m)(x.reshape({6, 8}));
  EXPECT_EQ(y2.sizes(), (std::vector<int64_t>{6, 5}));
  EXPECT_EQ(tensor_ints(y2), tensor_ints(y3));
  const auto all = tensor_ints(y2);
  const Tensor xi = int_repr(x).contiguous();
  for (int64_t r = 0; r < 6; ++r) {
    const uint8_t* p = xi.data_ptr<uint8_t>() + r * 8;
    const Tensor xr = make_per_tensor_quantized_tensor(from_vector(std::vector<uint8_t>(p, p + 8), {8}), 0.02, 128);
    const Tensor y1 = (*m)(xr);
    EXPECT_EQ(y1.sizes(), (std::vector<int64_t>{5}));
    EXPECT_EQ(tensor_ints(y1), std::vector<int64_t>(all.begin() + r * 5, all.begin() + r * 5 + 5)) << "row " << r;
  }
  // A non-contiguous input (a transposed view) gives what its contiguous copy gives.
  const Tensor xt = test::random_quint8({8, 4}, 0.02, 128, 6).permute({1, 0});
  EXPECT_EQ(tensor_ints((*m)(xt)), tensor_ints((*m)(xt.contiguous())));
}

TEST(QLinear, LinearReLUClampsAtTheOutputZeroPointAndOtherwiseEqualsLinear) {
  const Tensor w = test::random_qweight({6, 10}, 0.01, 0, 7);
  const Tensor b = test::random_bias(6, 8);
  const auto plain = nnq::Linear::from_quantized(w, b, 0.03, 100);
  const auto relu = nniq::LinearReLU::from_quantized(w, b, 0.03, 100);
  const Tensor x = test::random_quint8({9, 10}, 0.05, 128, 9);
  for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
    EngineGuard guard(e);
    const auto p = tensor_ints((*plain)(x)), r = tensor_ints((*relu)(x));
    size_t clamped = 0;
    for (size_t i = 0; i < p.size(); ++i) {
      EXPECT_EQ(r[i], std::max<int64_t>(p[i], 100)) << i;
      clamped += p[i] < 100;
    }
    EXPECT_GT(clamped, 0u) << "the test input must reach negative outputs";
  }
}

TEST(QLinear, SerializeDeserializeGivesIdenticalModulesAndOutputs) {
  const Tensor x = test::random_quint8({4, 12}, 0.03, 110, 10);
  for (bool per_channel : {false, true}) {
    const Tensor w = per_channel ? test::random_qweight_per_channel({9, 12}, 11) : test::random_qweight({9, 12}, 0.02, 2, 11);
    const auto m = nnq::Linear::from_quantized(w, test::random_bias(9, 12), 0.07, 77);
    const auto blob = m->serialize();
    const auto r = nnq::Linear::deserialize(blob.data(), blob.size());
    EXPECT_EQ(r->scale, m->scale);
    EXPECT_EQ(r->zero_point, m->zero_point);
    EXPECT_EQ(r->extra_repr(), m->extra_repr());
    EXPECT_EQ(tensor_ints(r->weight()), tensor_ints(w));
    EXPECT_EQ(r->weight().qscheme(), w.qscheme());
    EXPECT_EQ(test::tensor_floats(r->bias()), test::tensor_floats(m->bias()));
    EXPECT_EQ(tensor_ints((*r)(x)), tensor_ints((*m)(x)));
  }
  const auto relu = nniq::LinearReLU::from_quantized(test::random_qweight({3, 12}, 0.02, 0, 13), Tensor(), 0.05, 90);
  const auto blob = relu->serialize();
  const auto r = nniq::LinearReLU::deserialize(blob.data(), blob.size());
  EXPECT_FALSE(r->bias().defined());
  EXPECT_EQ(tensor_ints((*r)(x)), tensor_ints((*relu)(x)));
  // The blob says which module it holds.
  expect_error([&] { nnq::Linear::deserialize(blob.data(), blob.size()); }, {"nnq.Linear.deserialize", "nniq.LinearReLU"});
}

TEST(QLinear, TruncatedOrCorruptBlobIsAnError) {
  const auto m = nnq::Linear::from_quantized(test::random_qweight({3, 5}, 0.02, 0, 14), test::random_bias(3, 15), 0.1, 5);
  const auto blob = m->serialize();
  for (size_t len = 0; len < blob.size(); ++len)
    EXPECT_THROW(nnq::Linear::deserialize(blob.data(), len), Error) << "length " << len;
  for (size_t i = 0; i < blob.size(); i += 3) {
    auto bad = blob;
    bad[i] ^= 0x20;
    EXPECT_THROW(nnq::Linear::deserialize(bad.data(), bad.size()), Error) << "byte " << i;
  }
  auto bad = blob;
  bad[blob.size() / 2] ^= 1;
  expect_error([&] { nnq::Linear::deserialize(bad.data(), bad.size()); }, {"nnq.Linear.deserialize", "checksum"});
  expect_error([&] { nnq::Linear::deserialize(nullptr, 0); }, {"data"});
}

TEST(QLinear, ClonesShareWeightsAndComputeTheSame) {
  const auto m = nniq::LinearReLU::from_quantized(test::random_qweight({4, 6}, 0.02, 0, 16), test::random_bias(4, 17), 0.04, 60);
  const auto c = m->deep_clone();
  EXPECT_EQ(c->qualified_name(), "nniq.LinearReLU");
  const Tensor x = test::random_quint8({3, 6}, 0.03, 128, 18);
  EXPECT_EQ(tensor_ints((*c)(x)), tensor_ints((*m)(x)));
}

TEST(QLinear, FunctionalOpTakesPrepackedWeightsAndAnExplicitFormula) {
  const Tensor w = test::random_qweight_per_channel({5, 7}, 19);
  const Tensor b = test::random_bias(5, 20);
  const auto packed = linear_prepack(w, b);
  EXPECT_EQ(tensor_ints(packed->weight()), tensor_ints(w));
  const Tensor x = test::random_quint8({4, 7}, 0.02, 120, 21);
  const auto m = nnq::Linear::from_quantized(w, b, 0.06, 130);
  for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
    EngineGuard guard(e);
    EXPECT_EQ(tensor_ints(quantized_linear(x, *packed, 0.06, 130, requant_formula(e))), tensor_ints((*m)(x)));
  }
  const Tensor y = quantized_linear_relu(x, *packed, 0.06, 130);
  EXPECT_EQ(y.q_scale(), 0.06);
  EXPECT_EQ(y.q_zero_point(), 130);
  for (int64_t v : tensor_ints(y)) EXPECT_GE(v, 130);
}

// The requantization constants are cached for the last input scale: a call with another scale (or engine) must
// not reuse them.
TEST(QLinear, ChangingInputScaleOrEngineBetweenCallsGivesFreshResults) {
  const Tensor w = test::random_qweight_per_channel({6, 9}, 24);
  const Tensor b = test::random_bias(6, 25);
  const auto m = nnq::Linear::from_quantized(w, b, 0.05, 128);
  const Tensor xa = test::random_quint8({5, 9}, 0.02, 128, 26);
  const Tensor xb = make_per_tensor_quantized_tensor(int_repr(xa), 0.035, 128);
  const auto ya = tensor_ints((*m)(xa));
  const auto yb = tensor_ints((*m)(xb));
  EXPECT_NE(ya, yb);
  EXPECT_EQ(yb, tensor_ints((*nnq::Linear::from_quantized(w, b, 0.05, 128))(xb)));
  EXPECT_EQ(tensor_ints((*m)(xa)), ya);
  std::vector<int64_t> yq;
  {
    EngineGuard guard(QEngine::qnnpack);
    yq = tensor_ints((*m)(xa));
  }
  EXPECT_EQ(yq, tensor_ints(quantized_linear(xa, *linear_prepack(w, b), 0.05, 128, RequantFormula::qnnpack)));
  EXPECT_EQ(tensor_ints((*m)(xa)), ya);
}

TEST(QLinear, EmptyBatchGivesAnEmptyOutput) {
  const auto m = nnq::Linear::from_quantized(test::random_qweight({3, 4}, 0.02, 0, 27), Tensor(), 0.1, 5);
  const Tensor y = (*m)(test::random_quint8({0, 4}, 0.1, 0, 1));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{0, 3}));
}

TEST(QLinear, BadInputsAreErrorsNamingTheArgument) {
  const auto m = nnq::Linear::from_quantized(test::random_qweight({3, 4}, 0.02, 0, 22), test::random_bias(3, 23), 0.1, 5);
  // Input dtype / scheme / shape.
  expect_error([&] { (*m)(zeros({2, 4})); }, {"quantized_linear", "x.dtype", "float32", "quint8"});
  expect_error([&] { (*m)(make_per_tensor_quantized_tensor(zeros({2, 4}, DType::int8), 0.1, 0)); },
               {"x.dtype", "qint8"});
  expect_error([&] { (*m)(test::random_quint8({2, 5}, 0.1, 0, 1)); }, {"x.sizes", "[2, 5]", "in_features (4)"});
  expect_error([&] { (*m)(Tensor()); }, {"quantized_linear", "x"});
  const Tensor pc_x = make_per_channel_quantized_tensor(zeros({2, 4}, DType::uint8), {0.1, 0.2}, {0, 0}, 0);
  expect_error([&] { (*m)(pc_x); }, {"x.qscheme", "per_channel_affine"});
  // Weight dtype, shape, scheme.
  nnq::Linear lin(4, 3);
  expect_error([&] { lin.set_weight_bias(make_per_tensor_quantized_tensor(zeros({3, 4}, DType::uint8), 0.1, 0), Tensor()); },
               {"qweight.dtype", "quint8", "qint8"});
  expect_error([&] { lin.set_weight_bias(zeros({3, 4}), Tensor()); }, {"qweight.dtype", "float32"});
  expect_error([&] { lin.set_weight_bias(test::random_qweight({3, 5}, 0.1, 0, 2), Tensor()); },
               {"qweight.sizes", "[3, 5]"});
  expect_error([&] { nnq::Linear::from_quantized(test::random_qweight({3, 4, 1}, 0.1, 0, 2), Tensor(), 0.1, 0); },
               {"qweight", "2 dimensions"});
  const Tensor axis1 = make_per_channel_quantized_tensor(test::random_int8({3, 4}, 3), {0.1, 0.1, 0.1, 0.1},
                                                         {0, 0, 0, 0}, 1);
  expect_error([&] { lin.set_weight_bias(axis1, Tensor()); }, {"q_per_channel_axis", "1"});
  // Bias length and dtype.
  const Tensor w = test::random_qweight({3, 4}, 0.1, 0, 4);
  expect_error([&] { lin.set_weight_bias(w, test::random_bias(4, 5)); }, {"bias.sizes", "[4]", "[3]"});
  expect_error([&] { lin.set_weight_bias(w, zeros({3}, DType::int32)); }, {"bias.dtype", "int32"});
  // Output qparams and constructor arguments.
  expect_error([&] { nnq::Linear::from_quantized(w, Tensor(), 0.0, 0); }, {"scale", "0"});
  expect_error([&] { nnq::Linear::from_quantized(w, Tensor(), 0.1, 256); }, {"zero_point", "256"});
  expect_error([&] { quantized_linear(test::random_quint8({1, 4}, 0.1, 0, 6), m->packed_params(), -1.0, 0); },
               {"output_scale", "-1"});
  expect_error([&] { nnq::Linear(4, 3, true, DType::quint8); }, {"dtype", "quint8"});
  expect_error([&] { nnq::Linear(0, 3); }, {"in_features", "0"});
}

}  // namespace
}  // namespace qjit
