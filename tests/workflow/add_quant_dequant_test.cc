// add_quant_dequant (torch.ao.quantization, PyTorch 1.13.1): which modules get wrapped, and that the wrapped model
// prepares, calibrates (default_eval_fn) and converts into Quantize -> quantized leaf -> DeQuantize per leaf.
#include "workflow/add_quant_dequant.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/golden.h"
#include "tests/workflow/random_model.h"
#include "workflow/convert.h"
#include "workflow/eval_fn.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/linear.h"
#include "workflow/nn/stubs.h"
#include "workflow/prepare.h"

namespace qjit {
namespace {

using test::random_linear;
using test::random_tensor;

// fc1 -> relu -> block.fc2: a nested float model without stubs.
std::shared_ptr<nn::Sequential> float_model() {
  auto block = std::make_shared<nn::Sequential>();
  block->add("fc2", random_linear(8, 4, 2));
  auto model = std::make_shared<nn::Sequential>();
  model->add("fc1", random_linear(16, 8, 1)).add("relu", std::make_shared<nn::ReLU>()).add("block", block);
  model->eval();
  return model;
}

TEST(AddQuantDequant, WrapsEveryLeafWithAQconfigAndLeavesTheOthers) {
  auto model = float_model();
  QConfigMapping mapping;
  mapping.set_object_type("nn.Linear", default_qconfig());
  propagate_qconfig_(*model, mapping);
  auto fc1 = model->child_ptr("fc1");
  auto out = add_quant_dequant(model);
  EXPECT_EQ(out, model) << "a module with children is modified in place and returned";
  ASSERT_EQ(model->child("fc1").qualified_name(), "nn.QuantWrapper");
  EXPECT_EQ(model->child("fc1").child_ptr("module"), fc1) << "the wrapper holds the original leaf";
  EXPECT_EQ(model->child("fc1").child("quant").qconfig, fc1->qconfig) << "the stubs take the leaf's qconfig";
  EXPECT_EQ(model->child("fc1").child("dequant").qconfig, fc1->qconfig);
  EXPECT_EQ(model->get_submodule("block.fc2")->qualified_name(), "nn.QuantWrapper");
  EXPECT_EQ(model->child("relu").qualified_name(), "nn.ReLU") << "a leaf without a qconfig is not wrapped";
  EXPECT_EQ(model->child("block").qualified_name(), "nn.Sequential") << "a module with children is not wrapped";
  EXPECT_FALSE(model->child("fc1").is_training()) << "the wrapper takes the wrapped module's mode";
}

TEST(AddQuantDequant, ALeafWithAQconfigComesBackWrappedAndOneWithoutUnchanged) {
  std::shared_ptr<nn::Module> lin = random_linear(4, 2, 3);
  EXPECT_EQ(add_quant_dequant(lin), lin);
  lin->qconfig = default_qconfig();
  auto wrapped = add_quant_dequant(lin);
  ASSERT_EQ(wrapped->qualified_name(), "nn.QuantWrapper");
  EXPECT_EQ(wrapped->child_ptr("module"), lin);
  const Tensor x = random_tensor({3, 4}, 4);
  EXPECT_EQ(test::tensor_floats((*wrapped)(x)), test::tensor_floats((*lin)(x))) << "float wrapper = identity stubs";
}

TEST(AddQuantDequant, NullModuleIsAnError) {
  test::expect_error([] { add_quant_dequant(nullptr); }, {"add_quant_dequant", "module"});
}

TEST(AddQuantDequant, WrappedModelConvertsToQuantizeLeafDequantizeAndStaysCloseToFloat) {
  auto model = float_model();
  model->qconfig = default_qconfig();
  propagate_qconfig_(*model);
  model->child("relu").qconfig = nullptr;  // stays float between the two quantized Linears
  add_quant_dequant(model);
  std::vector<Tensor> calib;
  for (uint32_t s = 0; s < 4; ++s) calib.push_back(random_tensor({16, 16}, 10 + s));
  const Tensor x = random_tensor({8, 16}, 20);
  const Tensor y_float = (*model)(x);
  auto q = quantize(model, default_eval_fn(calib));
  EXPECT_EQ(q->get_submodule("fc1.quant")->qualified_name(), "nnq.Quantize");
  EXPECT_EQ(q->get_submodule("fc1.module")->qualified_name(), "nnq.Linear");
  EXPECT_EQ(q->get_submodule("fc1.dequant")->qualified_name(), "nnq.DeQuantize");
  EXPECT_EQ(q->get_submodule("block.fc2.module")->qualified_name(), "nnq.Linear");
  EXPECT_EQ(q->child("relu").qualified_name(), "nn.ReLU");
  const Tensor y = (*q)(x);
  ASSERT_EQ(y.dtype(), DType::float32) << "each wrapped leaf hands a float tensor on";
  const auto a = test::tensor_floats(y), b = test::tensor_floats(y_float);
  ASSERT_EQ(a.size(), b.size());
  float err = 0, mag = 0;
  for (size_t i = 0; i < a.size(); ++i) err = std::max(err, std::fabs(a[i] - b[i])), mag = std::max(mag, std::fabs(b[i]));
  EXPECT_LT(err, 0.05f * mag);
}

}  // namespace
}  // namespace qjit
