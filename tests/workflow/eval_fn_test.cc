// default_eval_fn (torch.ao.quantization, PyTorch 1.13.1): runs every calibration input in order, ignores targets,
// and a bad batch is an error naming its index and the module it failed in.
#include "workflow/eval_fn.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/golden.h"
#include "tests/workflow/random_model.h"
#include "workflow/minmax_observer.h"
#include "workflow/nn/linear.h"
#include "workflow/prepare.h"

namespace qjit {
namespace {

using test::random_linear;
using test::random_tensor;

TEST(DefaultEvalFn, RunsEveryInputInOrderAndIgnoresTargets) {
  auto model = std::make_shared<nn::Sequential>();
  model->add("fc", random_linear(4, 2, 5));
  model->eval();
  model->qconfig = default_qconfig();
  auto prepared = prepare(model);
  const Tensor a = random_tensor({2, 4}, 30), b = random_tensor({2, 4}, 31);
  default_eval_fn(*prepared, std::vector<std::pair<Tensor, Tensor>>{{a, Tensor()}, {b, Tensor()}});
  auto* obs = dynamic_cast<const MinMaxObserver*>(get_observer_dict(*prepared)["fc.activation_post_process"]);
  ASSERT_NE(obs, nullptr);
  float lo = INFINITY, hi = -INFINITY;
  for (const Tensor& x : {a, b})
    for (float v : test::tensor_floats((*model)(x))) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_EQ(obs->min_val(), lo);
  EXPECT_EQ(obs->max_val(), hi);
}

TEST(DefaultEvalFn, ABadBatchIsAnErrorNamingItsIndexAndTheModule) {
  auto model = std::make_shared<nn::Sequential>();
  model->add("fc", random_linear(4, 2, 5));
  model->qconfig = default_qconfig();
  auto prepared = prepare(model);
  test::expect_error([&] { default_eval_fn(*prepared, {random_tensor({2, 4}, 1), random_tensor({2, 5}, 2)}); },
                     {"default_eval_fn", "calib_data[1]", "fc (nn.Linear)", "[2, 5]"});
  test::expect_error([&] { default_eval_fn(*prepared, {Tensor()}); }, {"calib_data[0]", "undefined"});
}

}  // namespace
}  // namespace qjit
