// The JIT code cache and generator base: one copy per descriptor under contention, W^X code pages, the perf map
// and the verbose log.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "base/verbose.h"
#include "jit/code_cache.h"
#include "jit/eltwise_desc.h"
#include "jit/x86/generator.h"
#include "tests/support/verbose_capture.h"

namespace qjit {
namespace {

std::atomic<int> g_generated{0};

// A generator returning its argument plus a constant baked into the code; slow on purpose so that threads pile up
// while it runs.
class AddConstGenerator : public x86::JitGenerator {
 public:
  explicit AddConstGenerator(int c) : JitGenerator("qjit_test_add_" + std::to_string(c), Isa::avx2) {
    preamble({rbx});
    mov(eax, edi);
    add(eax, c);
    postamble();
  }
};

struct TestDesc {
  int constant = 0;
  bool operator==(const TestDesc& o) const { return constant == o.constant; }
  size_t hash() const { return static_cast<size_t>(constant); }
  std::unique_ptr<JitCode> generate() const {
    ++g_generated;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return x86::finish(std::make_unique<AddConstGenerator>(constant));
  }
};

TEST(CodeCache, EightThreadsAskingForOneDescriptorGetOneCopy) {
  if (!cpu_has(Isa::avx2)) GTEST_SKIP() << "needs an x86-64 CPU with AVX2";
  g_generated = 0;
  std::vector<const JitCode*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] { seen[t] = &CodeCache<TestDesc>::instance().get(TestDesc{41}); });
  for (auto& th : threads) th.join();
  EXPECT_EQ(g_generated.load(), 1);
  for (int t = 0; t < 8; ++t) EXPECT_EQ(seen[t], seen[0]);
  EXPECT_EQ(seen[0]->as<int(int)>()(1), 42);
  // A second descriptor is a second kernel; asking again generates nothing.
  EXPECT_EQ(CodeCache<TestDesc>::instance().get(TestDesc{7}).as<int(int)>()(1), 8);
  EXPECT_EQ(CodeCache<TestDesc>::instance().get(TestDesc{41}).as<int(int)>()(2), 43);
  EXPECT_EQ(g_generated.load(), 2);
}

// Permissions of the mapping holding addr, from /proc/self/maps ("r-xp" etc.).
std::string permissions_of(const void* addr) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const auto a = reinterpret_cast<uintptr_t>(addr);
  while (std::getline(maps, line)) {
    uintptr_t lo, hi;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) == 3 && a >= lo && a < hi) return perms;
  }
  return "";
}

TEST(CodeCache, GeneratedCodeIsExecutableAndNotWritable) {
  if (!cpu_has(Isa::avx2)) GTEST_SKIP() << "needs an x86-64 CPU with AVX2";
  EltwiseDesc d;
  d.isa = Isa::avx2;
  d.op = EltwiseOp::minmax;
  const JitCode& code = CodeCache<EltwiseDesc>::instance().get(d);
  const std::string perms = permissions_of(code.entry());
  ASSERT_EQ(perms.size(), 4u) << "mapping not found";
  EXPECT_EQ(perms[0], 'r');
  EXPECT_EQ(perms[1], '-') << perms;
  EXPECT_EQ(perms[2], 'x') << perms;
  EXPECT_EQ(code.name(), "qjit_minmax_avx2");
}

TEST(CodeCache, VerboseLogPrintsOneJitLinePerKernelGenerated) {
  if (!cpu_has(Isa::avx2)) GTEST_SKIP() << "needs an x86-64 CPU with AVX2";
  EltwiseDesc d;
  d.isa = Isa::avx2;
  d.op = EltwiseOp::dequantize;
  d.qtype = QType::s8;
  d.per_channel = true;
  const std::string err = testing::capture_verbose([&] {
    CodeCache<EltwiseDesc>::instance().get(d);
    CodeCache<EltwiseDesc>::instance().get(d);
  });
  const std::string want = "qjit_verbose,jit,qjit_dequantize_s8_f32_pc_avx2,avx2,";
  const size_t first = err.find(want);
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find(want, first + 1), std::string::npos) << "generated twice:\n" << err;
}

}  // namespace
}  // namespace qjit
