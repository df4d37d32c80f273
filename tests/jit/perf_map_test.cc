// QJIT_PERF_MAP=1 writes /tmp/perf-<pid>.map naming generated code (ctest runs this with the variable set; without
// it the test skips).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/env.h"
#include "kernels/quantize.h"

namespace qjit {
namespace {

TEST(PerfMap, GeneratedKernelsAreNamedInThePerfMap) {
  if (!env_flag("QJIT_PERF_MAP")) GTEST_SKIP() << "run by ctest with QJIT_PERF_MAP=1";
  if (!cpu_has(Isa::avx2)) GTEST_SKIP() << "needs a JIT path";
  const float x[3] = {1, 2, 3};
  uint8_t q[3];
  quantize_per_tensor(x, q, 3, QType::u8, 0.5f, 1, Exec{Isa::avx2});
  const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  std::ifstream f(path);
  ASSERT_TRUE(f.good()) << path;
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find(" qjit_quantize_f32_u8_pt_avx2"), std::string::npos) << ss.str();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace qjit
