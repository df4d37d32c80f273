// Forward hooks a user put on float modules survive the workflow as in PyTorch: prepare/convert remove only the
// observer hook they added, convert moves the rest to the quantized module, fuse_modules moves the run's last
// module's hooks to the fused module.
#include <gtest/gtest.h>

#include <memory>

#include "tests/workflow/random_model.h"
#include "workflow/convert.h"
#include "workflow/fuse_modules.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/linear.h"
#include "workflow/nn/stubs.h"
#include "workflow/prepare.h"

namespace qjit {
namespace {

using test::random_linear;
using test::random_tensor;

struct HookLog {
  int calls = 0;
  std::string last_module;
  DType last_dtype = DType::float32;
};

nn::Module::ForwardHook logging_hook(const std::shared_ptr<HookLog>& log) {
  return [log](nn::Module& m, const Tensor&, const Tensor& y) {
    ++log->calls;
    log->last_module = m.qualified_name();
    log->last_dtype = y.dtype();
    return y;
  };
}

std::shared_ptr<nn::Sequential> quant_linear_relu_model() {
  auto model = std::make_shared<nn::Sequential>();
  model->add("quant", std::make_shared<nn::QuantStub>())
      .add("fc", random_linear(8, 4, 3))
      .add("relu", std::make_shared<nn::ReLU>())
      .add("dequant", std::make_shared<nn::DeQuantStub>());
  model->eval();
  model->qconfig = default_qconfig();
  return model;
}

TEST(WorkflowHooks, RemoveObserversKeepsTheUsersHookAndDropsOnlyTheObserverHook) {
  auto model = quant_linear_relu_model();
  auto log = std::make_shared<HookLog>();
  model->child("fc").register_forward_hook(logging_hook(log));
  prepare(model, /*inplace=*/true);
  EXPECT_EQ(model->child("fc").forward_hook_count(), 2u);  // the user's and the observer's
  remove_observers(*model);
  EXPECT_TRUE(get_observer_dict(*model).empty());
  ASSERT_EQ(model->child("fc").forward_hook_count(), 1u);
  (*model)(random_tensor({2, 8}, 4));
  EXPECT_EQ(log->calls, 1);
}

TEST(WorkflowHooks, ConvertMovesTheUsersHookToTheQuantizedModuleWhichCallsItWithQuantizedOutput) {
  auto model = quant_linear_relu_model();
  auto log = std::make_shared<HookLog>();
  model->child("fc").register_forward_hook(logging_hook(log));
  const Tensor x = random_tensor({16, 8}, 5);
  auto q = quantize(model, [&](nn::Module& m) { m(x); });
  EXPECT_EQ(log->calls, 1) << "the hook ran once during calibration";
  ASSERT_EQ(q->child("fc").qualified_name(), "nnq.Linear");
  EXPECT_EQ(q->child("fc").forward_hook_count(), 1u) << "the observer hook must not come along";
  (*q)(x);
  EXPECT_EQ(log->calls, 2);
  EXPECT_EQ(log->last_module, "nnq.Linear");
  EXPECT_EQ(log->last_dtype, DType::quint8);
}

TEST(WorkflowHooks, FuseModulesMovesTheLastModulesHooksToTheFusedModule) {
  auto model = quant_linear_relu_model();
  auto first = std::make_shared<HookLog>(), last = std::make_shared<HookLog>();
  model->child("fc").register_forward_hook(logging_hook(first));
  model->child("relu").register_forward_hook(logging_hook(last));
  auto fused = fuse_modules(model, {{"fc", "relu"}});
  ASSERT_EQ(fused->child("fc").qualified_name(), "nni.LinearReLU");
  EXPECT_EQ(fused->child("fc").forward_hook_count(), 1u);
  EXPECT_EQ(model->child("relu").forward_hook_count(), 1u) << "inplace=false must leave the original alone";
  (*fused)(random_tensor({2, 8}, 6));
  EXPECT_EQ(last->calls, 1) << "the ReLU's hook runs once, on the fused module's output";
  EXPECT_EQ(last->last_module, "nni.LinearReLU");
  EXPECT_EQ(first->calls, 1) << "the Linear inside the fused module keeps its own hook, as in PyTorch";
}

}  // namespace
}  // namespace qjit
