// FloatFunctional, the quant stubs and QuantWrapper, the nni fused containers, and state_dict / load_state_dict.
#include <gtest/gtest.h>

#include "tests/qlayers/expect_error.h"
#include "tests/workflow/nn_test_util.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/functional_modules.h"
#include "workflow/nn/fused.h"
#include "workflow/nn/stubs.h"
#include "workflow/state_dict.h"

namespace qjit::nn {
namespace {

using test::expect_close;
using test::expect_error;
using test::random_tensor;
using test::values;

TEST(NnFloatFunctional, OpsBroadcastAndPassThroughActivationPostProcess) {
  FloatFunctional f;
  ASSERT_TRUE(f.has_child("activation_post_process"));
  int observed = 0;
  f.child("activation_post_process").register_forward_hook([&](Module&, const Tensor&, const Tensor& y) {
    ++observed;
    return y;
  });
  const Tensor a = random_tensor({2, 3}, 1), b = random_tensor({3}, 2);
  const auto av = values(a), bv = values(b);
  std::vector<float> sum, prod, relu;
  for (int i = 0; i < 6; ++i) {
    sum.push_back(av[i] + bv[i % 3]);
    prod.push_back(av[i] * bv[i % 3]);
    relu.push_back(std::max(av[i] + bv[i % 3], 0.f));
  }
  expect_close(f.add(a, b), {2, 3}, sum, 0, 0);
  expect_close(f.mul(a, b), {2, 3}, prod, 0, 0);
  expect_close(f.add_relu(a, b), {2, 3}, relu, 0, 0);
  EXPECT_EQ(observed, 3);
  std::vector<float> plus2 = av, times3 = av;
  for (float& v : plus2) v += 2.f;
  for (float& v : times3) v *= 3.f;
  expect_close(f.add_scalar(a, 2.0), {2, 3}, plus2, 0, 0);
  expect_close(f.mul_scalar(a, 3.0), {2, 3}, times3, 0, 0);
  EXPECT_EQ(observed, 3) << "add_scalar / mul_scalar are not observed, as in PyTorch";
  const Tensor c = random_tensor({2, 1}, 3);
  const Tensor cat = f.cat({a, c}, -1);
  EXPECT_EQ(cat.sizes(), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(values(cat), (std::vector<float>{av[0], av[1], av[2], values(c)[0], av[3], av[4], av[5], values(c)[1]}));
  EXPECT_EQ(observed, 4);
}

TEST(NnFloatFunctional, MismatchedShapesAndTheSingleTensorForwardAreErrors) {
  FloatFunctional f;
  expect_error([&] { f.add(zeros({2, 3}), zeros({2})); }, {"add", "[2]", "broadcast"});
  expect_error([&] { f.cat({zeros({2, 3}), zeros({3, 3})}, 1); }, {"tensors[1]", "[3, 3]"});
  expect_error([&] { f.cat({}, 0); }, {"tensors", "empty"});
  expect_error([&] { f(zeros({1})); }, {"FloatFunctional"});
}

TEST(NnStubs, StubsAreIdentityAndQuantWrapperRunsQuantModuleDequantInOrder) {
  const Tensor x = random_tensor({2, 2}, 4);
  EXPECT_TRUE(QuantStub()(x).shares_storage_with(x));
  EXPECT_TRUE(DeQuantStub()(x).shares_storage_with(x));
  QuantWrapper w(std::make_shared<ReLU>());
  std::vector<std::string> names;
  for (const auto& [n, m] : w.named_children()) names.push_back(n + ":" + m->type_name());
  EXPECT_EQ(names, (std::vector<std::string>{"quant:QuantStub", "dequant:DeQuantStub", "module:ReLU"}));
  std::vector<std::string> order;
  for (const char* n : {"quant", "module", "dequant"})
    w.child(n).register_forward_hook([&order, n](Module&, const Tensor&, const Tensor& y) {
      order.push_back(n);
      return y;
    });
  expect_close(w(x), {2, 2}, values(ReLU()(x)), 0, 0);
  EXPECT_EQ(order, (std::vector<std::string>{"quant", "module", "dequant"}));
  expect_error([] { QuantWrapper(nullptr); }, {"module"});
}

TEST(NniFused, ContainersRunTheirPartsInOrderAndCarryPyTorchsNames) {
  auto conv = std::make_shared<Conv2d>(1, 2, std::vector<int64_t>{1});
  conv->weight = from_vector({1.f, -1.f}, {2, 1, 1, 1});
  nni::ConvReLU2d fused(conv, std::make_shared<ReLU>());
  EXPECT_EQ(fused.qualified_name(), "nni.ConvReLU2d");
  EXPECT_EQ(fused.size(), 2u);
  EXPECT_EQ(fused.child("0").type_name(), "Conv2d");
  expect_close(fused(from_vector({2.f}, {1, 1, 1, 1})), {1, 2, 1, 1}, {2.f, 0.f}, 0, 0);
  auto copy = fused.deep_clone();
  EXPECT_EQ(copy->qualified_name(), "nni.ConvReLU2d");
  EXPECT_NE(dynamic_cast<nni::ConvReLU2d*>(copy.get()), nullptr);

  nni::ConvBnReLU1d cbr(std::make_shared<Conv1d>(2, 2, std::vector<int64_t>{3}), std::make_shared<BatchNorm1d>(2),
                        std::make_shared<ReLU>());
  EXPECT_EQ(cbr.to_string(),
            "ConvBnReLU1d(\n  (0): Conv1d(2, 2, kernel_size=(3,), stride=(1,))\n  (1): BatchNorm1d(2, eps=1e-05, "
            "momentum=0.1, affine=True, track_running_stats=True)\n  (2): ReLU()\n)");
  EXPECT_EQ(nni::LinearBn1d(std::make_shared<Linear>(2, 2), std::make_shared<BatchNorm1d>(2)).type_name(),
            "LinearBn1d");
  EXPECT_EQ(nni::BNReLU3d(std::make_shared<BatchNorm3d>(2), std::make_shared<ReLU>()).type_name(), "BNReLU3d");
  expect_error([] { nni::LinearReLU(std::make_shared<Linear>(2, 2), nullptr); }, {"nni.LinearReLU", "part 1"});
}

// conv1 -> bn1 -> relu -> fc, as a state-dict fixture.
std::shared_ptr<Sequential> small_net() {
  auto net = std::make_shared<Sequential>();
  net->add("conv1", std::make_shared<Conv2d>(1, 2, std::vector<int64_t>{3}, std::vector<int64_t>{1},
                                             std::vector<int64_t>{1}, std::vector<int64_t>{1}, 1, false));
  net->add("bn1", std::make_shared<BatchNorm2d>(2));
  net->add("relu", std::make_shared<ReLU>());
  net->add("flatten", std::make_shared<Flatten>());
  net->add("fc", std::make_shared<Linear>(8, 3));
  return net;
}

TEST(StateDict, NamesAreDottedPathsInRegistrationOrder) {
  auto net = small_net();
  std::vector<std::string> keys;
  for (const auto& [k, t] : state_dict(*net)) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                                            "bn1.running_var", "bn1.num_batches_tracked", "fc.weight", "fc.bias"}));
  keys.clear();
  for (const auto& [k, t] : named_parameters(*net)) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"conv1.weight", "bn1.weight", "bn1.bias", "fc.weight", "fc.bias"}));
  EXPECT_EQ(named_buffers(*net).size(), 3u);
}

TEST(StateDict, RoundTripLoadsCopiesIntoAnotherModel) {
  auto a = small_net();
  for (auto& [k, t] : state_dict(*a))
    if (t.dtype() == DType::float32) load_state_dict(*a, {{k, random_tensor(t.sizes(), unsigned(k.size()))}}, false);
  auto b = small_net();
  const StateDict sa = state_dict(*a);
  const IncompatibleKeys r = load_state_dict(*b, sa);
  EXPECT_TRUE(r.missing_keys.empty());
  EXPECT_TRUE(r.unexpected_keys.empty());
  const StateDict sb = state_dict(*b);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_FALSE(sb[i].second.shares_storage_with(sa[i].second)) << sa[i].first << " must be copied";
    if (sa[i].second.dtype() == DType::float32) {
      EXPECT_EQ(values(sa[i].second), values(sb[i].second)) << sa[i].first;
    }
  }
  a->eval();
  b->eval();
  const Tensor x = random_tensor({2, 1, 2, 2}, 9);
  EXPECT_EQ(values((*a)(x)), values((*b)(x)));
}

TEST(StateDict, StrictModeReportsMissingAndUnexpectedKeysAndShapesAlwaysMustMatch) {
  auto net = small_net();
  StateDict sd = state_dict(*net);
  StateDict missing(sd.begin() + 1, sd.end());
  expect_error([&] { load_state_dict(*net, missing); }, {"missing", "\"conv1.weight\""});
  StateDict extra = sd;
  extra.emplace_back("fc.scale", zeros({1}));
  expect_error([&] { load_state_dict(*net, extra); }, {"unexpected", "\"fc.scale\""});
  const IncompatibleKeys r = load_state_dict(*net, extra, false);
  EXPECT_EQ(r.unexpected_keys, std::vector<std::string>{"fc.scale"});
  EXPECT_TRUE(r.missing_keys.empty());
  const IncompatibleKeys r2 = load_state_dict(*net, missing, false);
  EXPECT_EQ(r2.missing_keys, std::vector<std::string>{"conv1.weight"});
  StateDict bad_shape = sd;
  bad_shape[0].second = zeros({2, 1, 3, 2});
  expect_error([&] { load_state_dict(*net, bad_shape, false); }, {"conv1.weight", "[2, 1, 3, 2]", "[2, 1, 3, 3]"});
  StateDict bad_dtype = sd;
  bad_dtype[5].second = zeros({});
  expect_error([&] { load_state_dict(*net, bad_dtype); }, {"bn1.num_batches_tracked", "dtype", "int64"});
  StateDict dup = sd;
  dup.push_back(sd[0]);
  expect_error([&] { load_state_dict(*net, dup); }, {"conv1.weight", "twice"});
}

TEST(StateDict, AFailedLoadChangesNothing) {
  auto net = small_net();
  const Tensor before = child_as<Linear>(*net, "fc").weight;
  StateDict sd = state_dict(*net);
  sd.back().second = zeros({3});        // fc.bias fine
  sd[6].second = full({3, 8}, 1.0);     // fc.weight new values
  sd.emplace_back("nope", zeros({1}));  // strict failure
  EXPECT_THROW(load_state_dict(*net, sd), Error);
  EXPECT_TRUE(child_as<Linear>(*net, "fc").weight.shares_storage_with(before));
}

}  // namespace
}  // namespace qjit::nn
