#include "qlayers/module.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace qjit::nn {
namespace {

// A module that adds a constant, to see which module a slot holds.
class AddConst : public ModuleBase<AddConst> {
 public:
  explicit AddConst(float c) : c_(c) {}
  std::string type_name() const override { return "AddConst"; }
  Tensor forward(const Tensor& x) override {
    Tensor y = x.clone();
    for (int64_t i = 0; i < y.numel(); ++i) y.data_ptr<float>()[i] += c_;
    return y;
  }
  float c_;
};

TEST(Module, SequentialRunsChildrenInOrderAndSeesAReplacedSlot) {
  Sequential seq({std::make_shared<AddConst>(1.f), std::make_shared<AddConst>(10.f)});
  EXPECT_EQ(seq(from_vector({0.f})).data_ptr<float>()[0], 11.f);
  seq.set_child("1", std::make_shared<AddConst>(100.f));
  EXPECT_EQ(seq(from_vector({0.f})).data_ptr<float>()[0], 101.f);
}

TEST(Module, NamedModulesAreDepthFirstWithDottedNames) {
  auto inner = std::make_shared<Sequential>();
  inner->add("a", std::make_shared<AddConst>(1.f));
  Sequential outer;
  outer.add("features", inner).add("head", std::make_shared<Identity>());
  std::vector<std::string> names;
  for (auto& [n, m] : outer.named_modules()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"", "features", "features.a", "head"}));
  outer.set_submodule("features.a", std::make_shared<AddConst>(5.f));
  EXPECT_EQ(outer(from_vector({0.f})).data_ptr<float>()[0], 5.f);
  EXPECT_EQ(outer.get_submodule("features.a")->type_name(), "AddConst");
}

TEST(Module, ForwardHooksRunAfterForwardAndMayReplaceTheOutput) {
  AddConst m(1.f);
  std::vector<float> seen;
  int h = m.register_forward_hook([&](Module&, const Tensor& x, const Tensor& y) {
    seen.push_back(y.data_ptr<float>()[0]);
    return from_vector({42.f});
  });
  EXPECT_EQ(m(from_vector({1.f})).data_ptr<float>()[0], 42.f);
  EXPECT_EQ(seen, std::vector<float>{2.f});
  m.remove_forward_hook(h);
  EXPECT_EQ(m(from_vector({1.f})).data_ptr<float>()[0], 2.f);
  EXPECT_EQ(m.forward(from_vector({1.f})).data_ptr<float>()[0], 2.f);
}

TEST(Module, DeepCloneCopiesTheTreeSoReplacingASlotLeavesTheOriginal) {
  Sequential seq({std::make_shared<AddConst>(1.f)});
  auto copy = seq.deep_clone();
  copy->set_child("0", std::make_shared<AddConst>(7.f));
  EXPECT_EQ(seq(from_vector({0.f})).data_ptr<float>()[0], 1.f);
  EXPECT_EQ((*copy)(from_vector({0.f})).data_ptr<float>()[0], 7.f);
  EXPECT_NE(copy.get(), &seq);
}

TEST(Module, TrainAndEvalReachEveryDescendant) {
  Sequential seq({std::make_shared<AddConst>(1.f)});
  seq.eval();
  EXPECT_FALSE(seq.child("0").is_training());
  seq.train();
  EXPECT_TRUE(seq.child("0").is_training());
}

TEST(Module, BadSlotsAndDuplicateNamesAreErrors) {
  Sequential seq({std::make_shared<AddConst>(1.f)});
  EXPECT_THROW(seq.child("nope"), Error);
  EXPECT_THROW(seq.add("0", std::make_shared<Identity>()), Error);
  EXPECT_THROW(seq.add("a.b", std::make_shared<Identity>()), Error);
  EXPECT_THROW(seq.set_child("0", nullptr), Error);
  EXPECT_THROW(child_as<Sequential>(seq, "0"), Error);
  EXPECT_EQ(child_as<AddConst>(seq, "0").c_, 1.f);
  try {
    seq.child("nope");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos);
  }
}

TEST(Module, SingleTensorForwardOfAModuleWithoutOneIsAnError) {
  class TwoInputs : public ModuleBase<TwoInputs> {
   public:
    std::string type_name() const override { return "TwoInputs"; }
  } m;
  EXPECT_THROW(m(from_vector({0.f})), Error);
}

TEST(Module, ToStringPrintsTheTree) {
  Sequential seq({std::make_shared<Identity>()});
  EXPECT_EQ(seq.to_string(), "Sequential(\n  (0): Identity()\n)");
}

}  // namespace
}  // namespace qjit::nn
