// nnq.Conv1d/2d/3d, nniq.ConvReLU*d and quantized_conv*d: PyTorch's constructor arguments, initial state and repr,
// weight() / bias() give back what was set, both memory formats in, channels-last out, the fused ReLU, save /
// load, and a qjit::Error for each kind of bad input. Numerics against PyTorch: conv_golden_test.cc.
#include "qlayers/conv.h"

#include <gtest/gtest.h>

#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"
#include "tests/qlayers/qlayers_test_util.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

using test::expect_error;
using test::tensor_ints;

TEST(QConv, NewModulesHavePyTorchsInitialStateAndRepr) {
  nnq::Conv2d m(4, 8, 3);
  EXPECT_EQ(m.in_channels(), 4);
  EXPECT_EQ(m.out_channels(), 8);
  EXPECT_EQ(m.kernel_size(), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(m.stride(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(m.padding(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(m.dilation(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(m.groups(), 1);
  EXPECT_EQ(m.padding_mode(), "zeros");
  EXPECT_EQ(m.scale, 1.0);
  EXPECT_EQ(m.zero_point, 0);
  const Tensor w = m.weight();
  EXPECT_EQ(w.dtype(), DType::qint8);
  EXPECT_EQ(w.sizes(), (std::vector<int64_t>{8, 4, 3, 3}));
  EXPECT_EQ(tensor_ints(w), std::vector<int64_t>(8 * 4 * 9, 0));
  EXPECT_EQ(test::tensor_floats(m.bias()), std::vector<float>(8, 0.0f));
  EXPECT_EQ(m.type_name(), "Conv2d");
  EXPECT_EQ(m.qualified_name(), "nnq.Conv2d");
  EXPECT_EQ(m.extra_repr(), "4, 8, kernel_size=(3, 3), stride=(1, 1), scale=1.0, zero_point=0");
  nnq::Conv2d g(4, 8, {3, 5}, 2, {1, 2}, 1, 2, false);
  g.scale = 0.05;
  g.zero_point = 7;
  EXPECT_EQ(g.extra_repr(),
            "4, 8, kernel_size=(3, 5), stride=(2, 2), scale=0.05, zero_point=7, padding=(1, 2), groups=2, bias=False");
  EXPECT_EQ(g.weight().sizes(), (std::vector<int64_t>{8, 2, 3, 5}));
  nnq::Conv1d c1(2, 3, 5, 1, 0, 2);
  EXPECT_EQ(c1.extra_repr(), "2, 3, kernel_size=(5,), stride=(1,), scale=1.0, zero_point=0, dilation=(2,)");
  nnq::Conv3d c3(2, 4, {1, 3, 3});
  EXPECT_EQ(c3.weight().sizes(), (std::vector<int64_t>{4, 2, 1, 3, 3}));
  EXPECT_EQ(nniq::ConvReLU1d(1, 1, 1).qualified_name(), "nniq.ConvReLU1d");
  EXPECT_EQ(nniq::ConvReLU2d(1, 1, 1).qualified_name(), "nniq.ConvReLU2d");
  EXPECT_EQ(nniq::ConvReLU3d(1, 1, 1).type_name(), "ConvReLU3d");
  EXPECT_EQ(nnq::Conv3d(1, 1, 1).qualified_name(), "nnq.Conv3d");
}

TEST(QConv, OneIntForAllDimensionsEqualsOnePerDimension) {
  nnq::Conv3d a(2, 4, 3, 2, 1, 1);
  nnq::Conv3d b(2, 4, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1});
  EXPECT_EQ(a.kernel_size(), b.kernel_size());
  EXPECT_EQ(a.stride(), b.stride());
  EXPECT_EQ(a.padding(), b.padding());
  EXPECT_EQ(a.extra_repr(), b.extra_repr());
}

TEST(QConv, WeightAndBiasGiveBackExactlyWhatWasSet) {
  for (bool per_channel : {false, true}) {
    SCOPED_TRACE(per_channel ? "per channel" : "per tensor");
    const std::vector<int64_t> sizes{6, 2, 3, 2};
    const Tensor w = per_channel ? test::random_qweight_per_channel(sizes, 1) : test::random_qweight(sizes, 0.011, 4, 1);
    const Tensor b = test::random_bias(6, 2);
    nnq::Conv2d m(4, 6, {3, 2}, 1, 0, 1, 2);
    m.set_weight_bias(w, b);
    const Tensor got = m.weight();
    EXPECT_EQ(got.sizes(), w.sizes());
    EXPECT_EQ(got.qscheme(), w.qscheme());
    EXPECT_EQ(tensor_ints(got), tensor_ints(w));
    if (per_channel) {
      EXPECT_EQ(got.q_per_channel_scales(), w.q_per_channel_scales());
      EXPECT_EQ(got.q_per_channel_zero_points(), w.q_per_channel_zero_points());
    } else {
      EXPECT_EQ(got.q_scale(), 0.011);
      EXPECT_EQ(got.q_zero_point(), 4);
    }
    EXPECT_EQ(test::tensor_floats(m.bias()), test::tensor_floats(b));
    m.set_weight_bias(w, Tensor());
    EXPECT_FALSE(m.bias().defined());
  }
}

TEST(QConv, ContiguousAndChannelsLastInputsGiveTheSameChannelsLastOutput) {
  const auto c2 = nnq::Conv2d::from_quantized(test::random_qweight_per_channel({8, 3, 3, 3}, 3), test::random_bias(8, 4),
                                              0.1, 100, 2, 1);
  const Tensor x2 = test::random_quint8({2, 3, 9, 7}, 0.03, 128, 5);
  const Tensor y2 = (*c2)(x2);
  EXPECT_EQ(y2.sizes(), (std::vector<int64_t>{2, 8, 5, 4}));
  EXPECT_TRUE(y2.is_contiguous(MemoryFormat::channels_last));
  EXPECT_EQ(tensor_ints((*c2)(x2.contiguous(MemoryFormat::channels_last))), tensor_ints(y2));

  const auto c3 = nniq::ConvReLU3d::from_quantized(test::random_qweight({4, 2, 2, 3, 3}, 0.02, 0, 6), test::random_bias(4, 7),
                                                   0.05, 90, 1, {0, 1, 1});
  const Tensor x3 = test::random_quint8({1, 2, 3, 5, 6}, 0.03, 128, 8);
  const Tensor y3 = (*c3)(x3);
  EXPECT_EQ(y3.sizes(), (std::vector<int64_t>{1, 4, 2, 5, 6}));
  EXPECT_TRUE(y3.is_contiguous(MemoryFormat::channels_last));
  EXPECT_EQ(tensor_ints((*c3)(x3.contiguous(MemoryFormat::channels_last))), tensor_ints(y3));

  const auto c1 = nnq::Conv1d::from_quantized(test::random_qweight({5, 3, 3}, 0.02, 0, 9), Tensor(), 0.05, 120, 1, 1);
  const Tensor x1 = test::random_quint8({2, 3, 11}, 0.03, 128, 10);
  const Tensor y1 = (*c1)(x1);
  EXPECT_EQ(y1.sizes(), (std::vector<int64_t>{2, 5, 11}));
  EXPECT_EQ(y1.strides(), (std::vector<int64_t>{55, 1, 5}));  // [N, OC, L] over a dense [N, L, OC]
  const Tensor x1_nlc = x1.permute({0, 2, 1}).contiguous().permute({0, 2, 1});
  EXPECT_EQ(tensor_ints((*c1)(x1_nlc)), tensor_ints(y1));
}

// Conv1d is the conv2d of its [N, C, 1, L] view: same weights (with a unit height), same outputs.
TEST(QConv, Conv1dEqualsConv2dWithUnitHeight) {
  const Tensor w1 = test::random_qweight_per_channel({6, 2, 3}, 11);
  const Tensor b = test::random_bias(6, 12);
  const auto c1 = nnq::Conv1d::from_quantized(w1, b, 0.08, 110, 2, 1, 2, 2);
  const Tensor w2 = make_per_channel_quantized_tensor(int_repr(w1).reshape({6, 2, 1, 3}), w1.q_per_channel_scales(),
                                                      w1.q_per_channel_zero_points(), 0);
  const auto c2 = nnq::Conv2d::from_quantized(w2, b, 0.08, 110, {1, 2}, {0, 1}, {1, 2}, 2);
  const Tensor x = test::random_quint8({3, 4, 15}, 0.04, 128, 13);
  const Tensor x4 = make_per_tensor_quantized_tensor(int_repr(x).reshape({3, 4, 1, 15}), 0.04, 128);
  for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
    EngineGuard guard(e);
    EXPECT_EQ(tensor_ints((*c1)(x)), tensor_ints((*c2)(x4)));
  }
}

TEST(QConv, ConvReLUClampsAtTheOutputZeroPointAndOtherwiseEqualsConv) {
  const Tensor w = test::random_qweight({4, 3, 3, 3}, 0.01, 0, 14);
  const Tensor b = test::random_bias(4, 15);
  const auto plain = nnq::Conv2d::from_quantized(w, b, 0.03, 100, 1, 1);
  const auto relu = nniq::ConvReLU2d::from_quantized(w, b, 0.03, 100, 1, 1);
  const Tensor x = test::random_quint8({1, 3, 6, 6}, 0.05, 128, 16);
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

TEST(QConv, FunctionalOpsTakePrepackedWeights) {
  const Tensor w = test::random_qweight_per_channel({4, 1, 3, 3}, 17);
  const Tensor b = test::random_bias(4, 18);
  const auto packed = conv2d_prepack(w, b, {1, 1}, {1, 1}, {1, 1}, 4);  // depthwise
  EXPECT_EQ(packed->groups(), 4);
  const auto m = nnq::Conv2d::from_quantized(w, b, 0.06, 130, 1, 1, 1, 4);
  const Tensor x = test::random_quint8({2, 4, 5, 5}, 0.02, 120, 19);
  EXPECT_EQ(tensor_ints(quantized_conv2d(x, *packed, 0.06, 130)), tensor_ints((*m)(x)));
  expect_error([&] { quantized_conv3d(x, *packed, 0.06, 130); }, {"quantized_conv3d", "conv2d", "conv3d"});
  expect_error([&] { conv1d_prepack(w, b); }, {"conv1d_prepack", "qweight", "3 dimensions"});
}

TEST(QConv, SerializeDeserializeGivesIdenticalModulesAndOutputs) {
  const auto m2 = nnq::Conv2d::from_quantized(test::random_qweight_per_channel({6, 2, 3, 3}, 20), test::random_bias(6, 21),
                                              0.07, 77, 2, {1, 0}, 1, 2);
  const Tensor x2 = test::random_quint8({2, 4, 7, 8}, 0.03, 110, 22);
  const auto b2 = m2->serialize();
  const auto r2 = nnq::Conv2d::deserialize(b2.data(), b2.size());
  EXPECT_EQ(r2->extra_repr(), m2->extra_repr());
  EXPECT_EQ(tensor_ints(r2->weight()), tensor_ints(m2->weight()));
  EXPECT_EQ(r2->weight().q_per_channel_scales(), m2->weight().q_per_channel_scales());
  EXPECT_EQ(test::tensor_floats(r2->bias()), test::tensor_floats(m2->bias()));
  EXPECT_EQ(tensor_ints((*r2)(x2)), tensor_ints((*m2)(x2)));

  const auto m1 = nniq::ConvReLU1d::from_quantized(test::random_qweight({3, 2, 4}, 0.02, 0, 23), Tensor(), 0.05, 60, 1, 2, 2);
  const Tensor x1 = test::random_quint8({1, 2, 20}, 0.03, 128, 24);
  const auto b1 = m1->serialize();
  const auto r1 = nniq::ConvReLU1d::deserialize(b1.data(), b1.size());
  EXPECT_FALSE(r1->bias().defined());
  EXPECT_EQ(r1->extra_repr(), m1->extra_repr());
  EXPECT_EQ(tensor_ints((*r1)(x1)), tensor_ints((*m1)(x1)));

  const auto m3 = nnq::Conv3d::from_quantized(test::random_qweight({2, 2, 2, 2, 2}, 0.02, 0, 25), test::random_bias(2, 26), 0.05, 60);
  const Tensor x3 = test::random_quint8({1, 2, 3, 4, 5}, 0.03, 128, 27);
  const auto b3 = m3->serialize();
  EXPECT_EQ(tensor_ints((*nnq::Conv3d::deserialize(b3.data(), b3.size()))(x3)), tensor_ints((*m3)(x3)));

  // The blob says which module it holds.
  expect_error([&] { nnq::Conv1d::deserialize(b1.data(), b1.size()); }, {"nnq.Conv1d.deserialize", "nniq.ConvReLU1d"});
  expect_error([&] { nnq::Conv3d::deserialize(b2.data(), b2.size()); }, {"nnq.Conv3d.deserialize", "nnq.Conv2d"});
}

TEST(QConv, TruncatedOrCorruptBlobIsAnError) {
  const auto m = nnq::Conv2d::from_quantized(test::random_qweight({3, 2, 2, 2}, 0.02, 0, 28), test::random_bias(3, 29), 0.1, 5);
  const auto blob = m->serialize();
  for (size_t len = 0; len < blob.size(); ++len)
    EXPECT_THROW(nnq::Conv2d::deserialize(blob.data(), len), Error) << "length " << len;
  for (size_t i = 0; i < blob.size(); i += 3) {
    auto bad = blob;
    bad[i] ^= 0x20;
    EXPECT_THROW(nnq::Conv2d::deserialize(bad.data(), bad.size()), Error) << "byte " << i;
  }
  auto bad = blob;
  bad[blob.size() / 2] ^= 1;
  expect_error([&] { nnq::Conv2d::deserialize(bad.data(), bad.size()); }, {"nnq.Conv2d.deserialize", "checksum"});
  const auto linear_like = std::vector<uint8_t>(blob.size(), 0);
  expect_error([&] { nnq::Conv2d::deserialize(linear_like.data(), linear_like.size()); }, {"magic"});
}

TEST(QConv, ChangingInputScaleBetweenCallsGivesFreshResults) {
  const Tensor w = test::random_qweight_per_channel({4, 2, 3, 3}, 32);
  const Tensor b = test::random_bias(4, 33);
  const auto m = nnq::Conv2d::from_quantized(w, b, 0.05, 128, 1, 1);
  const Tensor xa = test::random_quint8({1, 2, 5, 5}, 0.02, 128, 34);
  const Tensor xb = make_per_tensor_quantized_tensor(int_repr(xa), 0.035, 128);
  const auto ya = tensor_ints((*m)(xa));
  const auto yb = tensor_ints((*m)(xb));
  EXPECT_NE(ya, yb);
  EXPECT_EQ(yb, tensor_ints((*nnq::Conv2d::from_quantized(w, b, 0.05, 128, 1, 1))(xb)));
  EXPECT_EQ(tensor_ints((*m)(xa)), ya);
}

TEST(QConv, EmptyBatchGivesAnEmptyOutput) {
  const auto m = nnq::Conv2d::from_quantized(test::random_qweight({3, 2, 3, 3}, 0.02, 0, 35), Tensor(), 0.1, 5);
  const Tensor y = (*m)(test::random_quint8({0, 2, 5, 5}, 0.1, 0, 1));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{0, 3, 3, 3}));
}

TEST(QConv, BadInputsAreErrorsNamingTheArgument) {
  const auto m = nnq::Conv2d::from_quantized(test::random_qweight({4, 3, 3, 3}, 0.02, 0, 30), test::random_bias(4, 31), 0.1, 5);
  // Input dtype / scheme / rank / channels / size.
  expect_error([&] { (*m)(zeros({1, 3, 5, 5})); }, {"quantized_conv2d", "x.dtype", "float32", "quint8"});
  expect_error([&] { (*m)(make_per_tensor_quantized_tensor(zeros({1, 3, 5, 5}, DType::int8), 0.1, 0)); },
               {"x.dtype", "qint8"});
  expect_error([&] { (*m)(test::random_quint8({1, 2, 5, 5}, 0.1, 0, 1)); }, {"x.size(1)", "2", "in_channels (3)"});
  expect_error([&] { (*m)(test::random_quint8({3, 5, 5}, 0.1, 0, 1)); }, {"x.sizes", "[3, 5, 5]", "4 dimensions"});
  expect_error([&] { (*m)(test::random_quint8({1, 3, 2, 5}, 0.1, 0, 1)); }, {"quantized_conv2d", "kernel", "larger"});
  const Tensor pc_x = make_per_channel_quantized_tensor(zeros({1, 3, 5, 5}, DType::uint8), {0.1, 0.2, 0.3}, {0, 0, 0}, 1);
  expect_error([&] { (*m)(pc_x); }, {"x.qscheme", "per_channel_affine"});
  // Weight dtype and shape, bias length.
  nnq::Conv2d c(3, 4, 3);
  expect_error([&] { c.set_weight_bias(make_per_tensor_quantized_tensor(zeros({4, 3, 3, 3}, DType::uint8), 0.1, 0), Tensor()); },
               {"qweight.dtype", "quint8", "qint8"});
  expect_error([&] { c.set_weight_bias(test::random_qweight({4, 3, 3, 2}, 0.1, 0, 2), Tensor()); },
               {"nnq.Conv2d.set_weight_bias", "qweight.sizes", "[4, 3, 3, 2]"});
  expect_error([&] { c.set_weight_bias(test::random_qweight({4, 3, 3, 3}, 0.1, 0, 2), test::random_bias(3, 1)); },
               {"bias.sizes", "[3]", "[4]"});
  expect_error([&] { nnq::Conv2d::from_quantized(test::random_qweight({4, 3, 3}, 0.1, 0, 2), Tensor(), 0.1, 0); },
               {"nnq.Conv2d.from_quantized", "qweight", "4 dimensions"});
  // Groups that do not divide the channels.
  expect_error([&] { nnq::Conv2d(6, 4, 3, 1, 0, 1, 4); }, {"nnq.Conv2d", "in_channels", "6", "groups (4)"});
  expect_error([&] { nnq::Conv2d(4, 6, 3, 1, 0, 1, 4); }, {"out_channels", "6", "groups (4)"});
  expect_error([&] { nnq::Conv2d::from_quantized(test::random_qweight({6, 1, 3, 3}, 0.1, 0, 3), Tensor(), 0.1, 0, 1, 0, 1, 4); },
               {"groups", "4", "out_channels (6"});
  // Bad geometry.
  expect_error([&] { nnq::Conv2d(3, 4, 3, 0); }, {"stride[0]", "0"});
  expect_error([&] { nnq::Conv2d(3, 4, 3, 1, -1); }, {"padding[0]", "-1"});
  expect_error([&] { nnq::Conv2d(3, 4, 3, 1, 0, 0); }, {"dilation[0]", "0"});
  expect_error([&] { nnq::Conv2d(3, 4, 0); }, {"kernel_size", "0"});
  expect_error([&] { nnq::Conv2d(3, 4, {3, 3, 3}); }, {"kernel_size", "[3, 3, 3]", "2 values"});
  expect_error([&] { nnq::Conv1d(3, 4, 3, {1, 1}); }, {"stride", "[1, 1]", "1 values"});
  // padding_mode, dtype, output qparams.
  expect_error([&] { nnq::Conv2d(3, 4, 3, 1, 0, 1, 1, true, "reflect"); }, {"padding_mode", "reflect", "zeros"});
  expect_error([&] { nnq::Conv2d::from_quantized(test::random_qweight({4, 3, 3, 3}, 0.1, 0, 2), Tensor(), 0.1, 0, 1, 0, 1, 1, "circular"); },
               {"padding_mode", "circular"});
  expect_error([&] { nnq::Conv2d(3, 4, 3, 1, 0, 1, 1, true, "zeros", DType::quint8); }, {"dtype", "quint8"});
  expect_error([&] { nnq::Conv2d::from_quantized(test::random_qweight({4, 3, 3, 3}, 0.1, 0, 2), Tensor(), 0.1, -1); },
               {"zero_point", "-1"});
  expect_error([&] { quantized_conv2d(test::random_quint8({1, 3, 5, 5}, 0.1, 0, 1), m->packed_params(), 0.0, 0); },
               {"output_scale", "0"});
}

}  // namespace
}  // namespace qjit
