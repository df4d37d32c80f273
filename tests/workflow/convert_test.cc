#include "workflow/convert.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "qlayers/conv_transpose.h"
#include "qlayers/dynamic_linear.h"
#include "qlayers/linear.h"
#include "qlayers/quant_stubs.h"
#include "tests/support/golden.h"
#include "tests/workflow/random_model.h"
#include "workflow/fuse_modules.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/conv.h"
#include "workflow/nn/linear.h"
#include "workflow/nn/stubs.h"
#include "workflow/prepare.h"

namespace qjit {
namespace {

using test::random_linear;
using test::random_tensor;

float max_abs(const Tensor& a) {
  float m = 0;
  for (float v : test::tensor_floats(a)) m = std::max(m, std::fabs(v));
  return m;
}

float max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto x = test::tensor_floats(a), y = test::tensor_floats(b);
  EXPECT_EQ(x.size(), y.size());
  float m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

TEST(QuantizeDynamic, SwapsNestedLinearsAndStaysCloseToFloat) {
  auto block = std::make_shared<nn::Sequential>();
  block->add("fc1", random_linear(16, 32, 1)).add("relu", std::make_shared<nn::ReLU>());
  auto model = std::make_shared<nn::Sequential>();
  model->add("block", block).add("fc2", random_linear(32, 8, 2));
  const Tensor x = random_tensor({4, 16}, 3);
  const Tensor y_float = (*model)(x);

  auto q = quantize_dynamic(model);
  EXPECT_EQ(q->get_submodule("block.fc1")->qualified_name(), "nnqd.Linear");
  EXPECT_EQ(q->get_submodule("fc2")->qualified_name(), "nnqd.Linear");
  EXPECT_EQ(model->get_submodule("fc2")->qualified_name(), "nn.Linear") << "inplace=false must copy";
  // 8-bit weights and activations over K = 16 and 32: within 2% of the output range.
  EXPECT_LT(max_abs_diff((*q)(x), y_float), 0.02f * max_abs(y_float));

  auto q16 = quantize_dynamic(model, {}, DType::float16);
  EXPECT_LT(max_abs_diff((*q16)(x), y_float), 1e-3f * max_abs(y_float));
  // By name: only fc2.
  QConfigMapping by_name;
  by_name.set_module_name("fc2", default_dynamic_qconfig());
  auto q_one = quantize_dynamic(model, by_name);
  EXPECT_EQ(q_one->get_submodule("block.fc1")->qualified_name(), "nn.Linear");
  EXPECT_EQ(q_one->get_submodule("fc2")->qualified_name(), "nnqd.Linear");
}

TEST(QuantizeDynamic, ABareLinearIsReturnedUnchangedAsInPyTorch) {
  std::shared_ptr<nn::Module> lin = random_linear(4, 4, 5);
  EXPECT_EQ(quantize_dynamic(lin)->qualified_name(), "nn.Linear");
}

TEST(Convert, StaticLinearModelIsSwappedAndCloseToFloat) {
  auto model = std::make_shared<nn::Sequential>();
  model->add("quant", std::make_shared<nn::QuantStub>())
      .add("fc", random_linear(16, 8, 7))
      .add("dequant", std::make_shared<nn::DeQuantStub>());
  model->eval();
  // MinMax observers (default_qconfig): the output range is the observed one, so the error is a few output LSB
  // (HistogramObserver would clip this small calibration set's tails on purpose).
  model->qconfig = default_qconfig();
  const Tensor x = random_tensor({32, 16}, 8);
  const Tensor y_float = (*model)(x);
  auto q = quantize(model, [&](nn::Module& m) { m(x); });
  EXPECT_EQ(q->child("quant").qualified_name(), "nnq.Quantize");
  EXPECT_EQ(q->child("fc").qualified_name(), "nnq.Linear");
  EXPECT_EQ(q->child("dequant").qualified_name(), "nnq.DeQuantize");
  EXPECT_EQ(q->child("fc").qconfig, nullptr);
  EXPECT_LT(max_abs_diff((*q)(x), y_float), 0.03f * max_abs(y_float));
}

TEST(Convert, ConvTransposeWithPerChannelQconfigIsQuantizedAlongItsOutputChannels) {
  auto conv = std::make_shared<nn::ConvTranspose2d>(3, 4, std::vector<int64_t>{3}, std::vector<int64_t>{2});
  conv->weight = random_tensor({3, 4, 3, 3}, 21);  // [in, out, kh, kw]
  // Output channel 1 much larger than the others: per-channel scales must follow axis 1 to keep channel 0 exact.
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t k = 0; k < 9; ++k) conv->weight.data_ptr<float>()[(i * 4 + 1) * 9 + k] *= 50.f;
  conv->bias = random_tensor({4}, 22);
  auto model = std::make_shared<nn::Sequential>();
  model->add("quant", std::make_shared<nn::QuantStub>()).add("deconv", conv).add("dequant",
                                                                                 std::make_shared<nn::DeQuantStub>());
  model->eval();
  model->qconfig = default_per_channel_qconfig();  // MinMax activations, per-channel symmetric weights
  const Tensor x = random_tensor({2, 3, 5, 5}, 23);
  auto q = quantize(model, [&](nn::Module& m) { m(x); });
  const auto* deconv = dynamic_cast<const nnq::ConvTranspose2d*>(&q->child("deconv"));
  ASSERT_NE(deconv, nullptr);
  EXPECT_EQ(deconv->weight().q_per_channel_axis(), 1);
  EXPECT_EQ(deconv->weight().q_per_channel_scales().size(), 4u);
  EXPECT_LT(max_abs_diff((*q)(x), (*model)(x)), 0.03f * max_abs((*model)(x)));
}

TEST(Convert, UnpreparedModelIsAnErrorNamingTheModule) {
  auto model = std::make_shared<nn::Sequential>();
  model->add("fc", random_linear(4, 4, 9));
  model->qconfig = default_qconfig();
  propagate_qconfig_(*model);
  try {
    convert(model);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fc"), std::string::npos) << e.what();
  }
}

TEST(Convert, UserMappingEntryReplacesTheDefault) {
  auto model = std::make_shared<nn::Sequential>();
  model->add("fc", random_linear(4, 4, 10));
  model->eval();
  model->qconfig = default_qconfig();
  auto prepared = prepare(model);
  (*prepared)(random_tensor({2, 4}, 11));
  ModuleMapping mapping = get_default_static_quant_module_mappings();
  mapping.set("nn.Linear", [](const ConvertContext&) -> std::shared_ptr<nn::Module> {
    return std::make_shared<nn::Identity>();
  });
  EXPECT_EQ(convert(prepared, mapping)->child("fc").qualified_name(), "nn.Identity");
}

TEST(FuseModules, ConvBnReluBecomesConvReLUWithFoldedWeightsAndSameOutput) {
  auto model = std::make_shared<nn::Sequential>();
  auto conv = std::make_shared<nn::Conv2d>(3, 4, std::vector<int64_t>{3});
  conv->weight = random_tensor({4, 3, 3, 3}, 12);
  conv->bias = random_tensor({4}, 13);
  auto bn = std::make_shared<nn::BatchNorm2d>(4);
  bn->weight = random_tensor({4}, 14);
  bn->bias = random_tensor({4}, 15);
  bn->running_mean = random_tensor({4}, 16);
  Tensor var = random_tensor({4}, 17);
  for (int i = 0; i < 4; ++i) var.data_ptr<float>()[i] = std::fabs(var.data_ptr<float>()[i]) + 0.5f;
  bn->running_var = var;
  model->add("conv", conv).add("bn", bn).add("relu", std::make_shared<nn::ReLU>());
  model->eval();
  const Tensor x = random_tensor({2, 3, 6, 6}, 18);
  const Tensor y = (*model)(x);
  auto fused = fuse_modules(model, {{"conv", "bn", "relu"}});
  EXPECT_EQ(fused->child("conv").qualified_name(), "nni.ConvReLU2d");
  EXPECT_EQ(fused->child("bn").qualified_name(), "nn.Identity");
  EXPECT_EQ(fused->child("relu").qualified_name(), "nn.Identity");
  EXPECT_EQ(model->child("bn").qualified_name(), "nn.BatchNorm2d") << "inplace=false must copy";
  EXPECT_LT(max_abs_diff((*fused)(x), y), 1e-5f);
}

TEST(FuseModules, WrongOrderTrainModeAndUnknownNamesAreErrors) {
  auto model = std::make_shared<nn::Sequential>();
  model->add("conv", std::make_shared<nn::Conv2d>(3, 4, std::vector<int64_t>{3}))
      .add("relu", std::make_shared<nn::ReLU>());
  model->eval();
  EXPECT_THROW(fuse_modules(model, {{"relu", "conv"}}), Error);
  EXPECT_THROW(fuse_modules(model, {{"conv", "nope"}}), Error);
  model->train();
  EXPECT_THROW(fuse_modules(model, {{"conv", "relu"}}), Error);
}

}  // namespace
}  // namespace qjit
