// nnq activation modules and nnq.QFunctional: PyTorch's names and printing, forward = the functional op, the
// QFunctional methods requantize to the module's qparams and run activation_post_process from its slot.
#include <gtest/gtest.h>

#include "qlayers/activation.h"
#include "qlayers/functional_activation.h"
#include "qlayers/functional_binary.h"
#include "qlayers/qfunctional.h"
#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

Tensor qx(const std::vector<int64_t>& sizes, double scale = 0.05, int64_t zp = 128) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = -3.0f + 6.0f * static_cast<float>(i) / static_cast<float>(n);
  return quantize_per_tensor(from_vector(v, sizes), scale, zp, DType::quint8);
}
std::vector<int64_t> ints(const Tensor& q) { return test::tensor_ints(int_repr(q).contiguous()); }

TEST(QOpsModules, NamesAndReprFollowPyTorch) {
  EXPECT_EQ(nnq::ReLU6().qualified_name(), "nnq.ReLU6");
  EXPECT_EQ(nnq::ReLU6().extra_repr(), "");
  EXPECT_EQ(nnq::Hardswish(0.1, 3).type_name(), "Hardswish");
  EXPECT_EQ(nnq::ELU(0.1, 3).extra_repr(), "alpha=1.0");
  EXPECT_EQ(nnq::LeakyReLU(0.1, 3).extra_repr(), "negative_slope=0.01");
  EXPECT_EQ(nnq::Sigmoid(1.0 / 256, 0).qualified_name(), "nnq.Sigmoid");
  EXPECT_EQ(nnq::Softmax().extra_repr(), "dim=None");
  EXPECT_EQ(nnq::Softmax(-1).extra_repr(), "dim=-1");
  nnq::QFunctional f;
  EXPECT_EQ(f.qualified_name(), "nnq.QFunctional");
  EXPECT_EQ(f.extra_repr(), "scale=1.0, zero_point=0");
  EXPECT_TRUE(f.has_child("activation_post_process"));
  EXPECT_EQ(f.child("activation_post_process").type_name(), "Identity");
}

TEST(QOpsModules, ForwardRunsTheFunctionalOpWithTheModuleQParams) {
  const Tensor x = qx({2, 3, 4, 5});
  EXPECT_EQ(ints(nnq::ReLU6()(x)), ints(relu6(x)));
  EXPECT_EQ(ints(nnq::Hardswish(0.03, 20)(x)), ints(hardswish(x, 0.03, 20)));
  EXPECT_EQ(ints(nnq::ELU(0.04, 40, 0.5)(x)), ints(elu(x, 0.04, 40, 0.5)));
  EXPECT_EQ(ints(nnq::LeakyReLU(0.04, 30, 0.1)(x)), ints(leaky_relu(x, 0.1, 0.04, 30)));
  EXPECT_EQ(ints(nnq::Sigmoid(1.0 / 256, 0)(x)), ints(sigmoid(x)));
  const Tensor s = nnq::Softmax(std::nullopt, 1.0 / 256, 0)(x);  // 4-d: legacy dim 1
  EXPECT_EQ(ints(s), ints(softmax(x, 1, 1.0 / 256, 0)));
  const Tensor y = nnq::Hardswish(0.03, 20)(x);
  EXPECT_EQ(y.q_scale(), 0.03);
  EXPECT_EQ(y.q_zero_point(), 20);
}

TEST(QOpsModules, QFunctionalMethodsUseModuleQParamsAndPostProcessSlot) {
  auto f = nnq::QFunctional::from_qparams(0.08, 128);
  const Tensor a = qx({2, 8}), b = qx({2, 8}, 0.03, 140);
  EXPECT_EQ(ints(f->add(a, b)), ints(quantized_add(a, b, 0.08, 128)));
  EXPECT_EQ(ints(f->add_relu(a, b)), ints(quantized_add_relu(a, b, 0.08, 128)));
  EXPECT_EQ(ints(f->mul(a, b)), ints(quantized_mul(a, b, 0.08, 128)));
  EXPECT_EQ(ints(f->cat({a, b}, 1)), ints(quantized_cat({a, b}, 1, 0.08, 128)));
  EXPECT_EQ(f->add_scalar(a, 0.7).q_zero_point(), quantized_add_scalar(a, 0.7).q_zero_point());
  EXPECT_EQ(f->mul_scalar(a, -1.3).q_zero_point(), 127);
  // A replaced post-process (as an observer would be) sees the outputs of add / mul / cat / add_relu only.
  struct Counter : nn::ModuleBase<Counter> {
    int* calls;
    explicit Counter(int* c) : calls(c) {}
    std::string type_name() const override { return "Counter"; }
    Tensor forward(const Tensor& x) override {
      ++*calls;
      return x;
    }
  };
  int calls = 0;
  f->set_child("activation_post_process", std::make_shared<Counter>(&calls));
  f->add(a, b);
  f->mul(a, b);
  f->cat({a, b});
  f->add_relu(a, b);
  f->add_scalar(a, 1.0);
  f->mul_scalar(a, 2.0);
  EXPECT_EQ(calls, 4);
}

TEST(QOpsModules, QFunctionalForwardIsAnError) {
  nnq::QFunctional f;
  test::expect_error([&] { f(qx({2})); }, {"QFunctional", "forward"});
}

TEST(QOpsModules, DeepCloneKeepsQParams) {
  auto f = nnq::QFunctional::from_qparams(0.5, 3);
  auto c = std::dynamic_pointer_cast<nnq::QFunctional>(f->deep_clone());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scale, 0.5);
  EXPECT_EQ(c->zero_point, 3);
  EXPECT_TRUE(c->has_child("activation_post_process"));
}

}  // namespace
}  // namespace qjit
