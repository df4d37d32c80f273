// Runs code with the verbose log on (QJIT_VERBOSE=1) and returns what it printed on stderr; the variable's previous
// value (or its absence) is restored afterwards, so tests that check the log cannot leak it into the next test.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "base/verbose.h"

namespace qjit::testing {

inline std::string capture_verbose(const std::function<void()>& run) {
  const char* before = std::getenv("QJIT_VERBOSE");
  const std::string saved = before ? before : "";
  ::setenv("QJIT_VERBOSE", "1", 1);
  verbose_refresh();
  ::testing::internal::CaptureStderr();
  run();
  const std::string log = ::testing::internal::GetCapturedStderr();
  if (before)
    ::setenv("QJIT_VERBOSE", saved.c_str(), 1);
  else
    ::unsetenv("QJIT_VERBOSE");
  verbose_refresh();
  return log;
}

}  // namespace qjit::testing
