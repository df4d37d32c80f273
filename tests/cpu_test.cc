#include "jit/cpu.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace qjit {
namespace {

TEST(Cpu, ParseIsaAcceptsEveryLadderNameAndRejectsUnknown) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx2_vnni, Isa::avx512, Isa::avx512_vnni, Isa::neon, Isa::neon_dot,
                  Isa::neon_i8mm})
    EXPECT_EQ(parse_isa(isa_name(isa)), isa);
  EXPECT_EQ(parse_isa("AVX2"), Isa::avx2);
  EXPECT_THROW(parse_isa("avx3"), Error);
  try {
    parse_isa("sse9");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sse9"), std::string::npos) << e.what();
  }
}

TEST(Cpu, AvailablePathsStartWithScalarAndEndAtMaxIsa) {
  const auto isas = available_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::scalar);
  EXPECT_EQ(isas.back(), max_isa());
  for (Isa isa : isas) EXPECT_TRUE(cpu_has(isa)) << isa_name(isa);
  EXPECT_NE(cpu_summary().find(std::string("using ") + isa_name(max_isa())), std::string::npos) << cpu_summary();
}

}  // namespace
}  // namespace qjit
