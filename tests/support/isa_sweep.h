// Runs a check on every code path available on this machine and fails if one was skipped: with QJIT_MAX_ISA
// unset, the paths run must be every path the CPU has, so a test can never pass by silently testing less.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "base/env.h"
#include "jit/cpu.h"

namespace qjit::testing {

inline std::vector<Isa> paths_to_test() {
  std::vector<Isa> r = available_isas();
  return r;
}

// Calls check(isa) for each available path (scalar first) inside a SCOPED_TRACE naming the path, then checks the
// coverage.
inline void for_each_isa(const std::function<void(Isa)>& check) {
  std::vector<Isa> ran;
  for (Isa isa : paths_to_test()) {
    SCOPED_TRACE(std::string("isa=") + isa_name(isa));
    check(isa);
    ran.push_back(isa);
  }
  if (env_string("QJIT_MAX_ISA").empty()) {
    for (Isa isa : {Isa::avx2, Isa::avx2_vnni, Isa::avx512, Isa::avx512_vnni, Isa::neon, Isa::neon_dot, Isa::neon_i8mm})
      if (cpu_has(isa)) {
        EXPECT_NE(std::find(ran.begin(), ran.end(), isa), ran.end())
            << "path " << isa_name(isa) << " exists on this CPU but was not tested";
      }
  }
  EXPECT_GE(ran.size(), 1u);
}

}  // namespace qjit::testing
