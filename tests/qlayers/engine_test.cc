#include "qlayers/engine.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace qjit {
namespace {

TEST(Engine, DefaultIsOnednnAndQnnpackSelectsItsRequantFormula) {
  EXPECT_EQ(engine(), QEngine::onednn);
  EXPECT_EQ(requant_formula(), RequantFormula::onednn);
  {
    EngineGuard g(QEngine::qnnpack);
    EXPECT_EQ(engine_name(), "qnnpack");
    EXPECT_EQ(requant_formula(), RequantFormula::qnnpack);
  }
  EXPECT_EQ(engine(), QEngine::onednn);
  EXPECT_EQ(requant_formula(QEngine::x86), RequantFormula::onednn);
}

TEST(Engine, SetByNameAndUnknownNameIsAnError) {
  set_engine("fbgemm");
  EXPECT_EQ(engine(), QEngine::fbgemm);
  set_engine("onednn");
  try {
    set_engine("tpu");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tpu"), std::string::npos);
  }
  EXPECT_EQ(engine(), QEngine::onednn);
}

}  // namespace
}  // namespace qjit
