// QJIT_MAX_ISA, checked in processes that ctest starts with the variable set (tests/CMakeLists.txt); run without
// it these tests skip.
#include <gtest/gtest.h>

#include "base/env.h"
#include "base/error.h"
#include "jit/cpu.h"

namespace qjit {
namespace {

TEST(MaxIsaEnv, CapLimitsTheAvailablePaths) {
  const std::string cap = env_string("QJIT_MAX_ISA");
  if (cap.empty() || cap == "bogus") GTEST_SKIP() << "run by ctest with QJIT_MAX_ISA set";
  const Isa c = parse_isa(cap);
  EXPECT_LE(isa_rank(max_isa()), isa_rank(c));
  for (Isa isa : available_isas()) EXPECT_LE(isa_rank(isa), isa_rank(c)) << isa_name(isa);
  EXPECT_NE(cpu_summary().find("QJIT_MAX_ISA=" + cap), std::string::npos);
}

TEST(MaxIsaEnv, UnknownValueIsAnErrorNotAFallback) {
  if (env_string("QJIT_MAX_ISA") != "bogus") GTEST_SKIP() << "run by ctest with QJIT_MAX_ISA=bogus";
  try {
    max_isa();
    FAIL() << "no error for QJIT_MAX_ISA=bogus";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qjit
