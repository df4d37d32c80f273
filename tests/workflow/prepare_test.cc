#include "workflow/prepare.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "workflow/minmax_observer.h"
#include "workflow/observer_defaults.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/linear.h"
#include "workflow/observer_module.h"

namespace qjit {
namespace {

// A float leaf module: y = 2x.
class Twice : public nn::ModuleBase<Twice> {
 public:
  std::string type_name() const override { return "Twice"; }
  std::string qualified_name() const override { return "test.Twice"; }
  Tensor forward(const Tensor& x) override {
    Tensor y = x.clone();
    for (int64_t i = 0; i < y.numel(); ++i) y.data_ptr<float>()[i] *= 2;
    return y;
  }
};

// Twice is not a PyTorch type: the tests observe it by naming it in prepare()'s allow list.
const std::set<std::string> kObserveTwice{"test.Twice"};

std::shared_ptr<nn::Sequential> two_layer_model() {
  auto inner = std::make_shared<nn::Sequential>();
  inner->add("b", std::make_shared<Twice>());
  auto model = std::make_shared<nn::Sequential>();
  model->add("a", std::make_shared<Twice>()).add("block", inner);
  return model;
}

TEST(Prepare, PropagateGivesChildrenTheParentsQconfigUnlessNameOrTypeOverrides) {
  auto model = two_layer_model();
  QConfigMapping mapping;
  mapping.set_global(default_qconfig()).set_module_name("block.b", nullptr);
  propagate_qconfig_(*model, mapping);
  EXPECT_NE(model->child("a").qconfig, nullptr);
  EXPECT_EQ(model->get_submodule("block.b")->qconfig, nullptr);
  // A module's own qconfig wins over the mapping.
  auto model2 = two_layer_model();
  QConfigPtr own = get_default_qconfig("qnnpack");
  model2->child("a").qconfig = own;
  propagate_qconfig_(*model2, mapping);
  EXPECT_EQ(model2->child("a").qconfig, own);
}

TEST(Prepare, ObserversAttachToLeavesAndRecordTheirOutputs) {
  auto model = two_layer_model();
  model->qconfig = default_qconfig();
  auto prepared = prepare(model, /*inplace=*/false, kObserveTwice);
  EXPECT_FALSE(has_observer(model->child("a"))) << "inplace=false must leave the original alone";
  auto observers = get_observer_dict(*prepared);
  ASSERT_EQ(observers.size(), 2u);
  ASSERT_TRUE(observers.count("a.activation_post_process"));
  ASSERT_TRUE(observers.count("block.b.activation_post_process"));
  (*prepared)(from_vector({-1.f, 3.f}));
  auto* a = dynamic_cast<const MinMaxObserver*>(observers["a.activation_post_process"]);
  auto* b = dynamic_cast<const MinMaxObserver*>(observers["block.b.activation_post_process"]);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->min_val(), -2.f);
  EXPECT_EQ(a->max_val(), 6.f);
  EXPECT_EQ(b->min_val(), -4.f);
  EXPECT_EQ(b->max_val(), 12.f);
}

TEST(Prepare, DeepCloneOfAPreparedModelObservesWithItsOwnObservers) {
  auto model = two_layer_model();
  model->qconfig = default_qconfig();
  auto prepared = prepare(model, true, kObserveTwice);
  auto copy = prepared->deep_clone();
  (*copy)(from_vector({5.f}));
  auto* orig = dynamic_cast<const MinMaxObserver*>(get_observer_dict(*prepared)["a.activation_post_process"]);
  auto* cp = dynamic_cast<const MinMaxObserver*>(get_observer_dict(*copy)["a.activation_post_process"]);
  EXPECT_EQ(cp->max_val(), 10.f);
  EXPECT_NE(orig->max_val(), 10.f);
}

TEST(Prepare, RemoveObserversRestoresThePlainModel) {
  auto model = two_layer_model();
  model->qconfig = default_qconfig();
  prepare(model, true, kObserveTwice);
  remove_observers(*model);
  EXPECT_TRUE(get_observer_dict(*model).empty());
  EXPECT_EQ(model->child("a").forward_hook_count(), 0u);
  EXPECT_EQ(model->child("a").qconfig, nullptr);
}

TEST(Prepare, OnlyTypesOfThePropagationListAreObservedByDefault) {
  auto model = std::make_shared<nn::Sequential>();
  model->add("fc", std::make_shared<nn::Linear>(4, 4)).add("relu", std::make_shared<nn::ReLU>())
      .add("twice", std::make_shared<Twice>());
  model->qconfig = default_qconfig();
  auto prepared = prepare(model);
  EXPECT_TRUE(has_observer(prepared->child("fc")));
  EXPECT_FALSE(has_observer(prepared->child("relu"))) << "nn.ReLU keeps its input's qparams, as in PyTorch";
  EXPECT_FALSE(has_observer(prepared->child("twice")));
  const auto list = get_default_qconfig_propagation_list();
  EXPECT_TRUE(list.count("nn.Conv2d") && list.count("nn.LSTM") && list.count("nn.QuantStub") && list.count("nn.Sequential"));
  EXPECT_FALSE(list.count("nn.ReLU"));
}

TEST(Prepare, ModelWithoutAnyQconfigIsAnErrorAndConvertSeesMissingObservers) {
  auto model = two_layer_model();
  EXPECT_THROW(prepare(model), Error);
  try {
    activation_observer(model->child("a"), "a");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("prepare"), std::string::npos);
  }
}

}  // namespace
}  // namespace qjit
