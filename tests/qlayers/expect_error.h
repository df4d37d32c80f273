// expect_error: the call throws qjit::Error and the message names what it must (function, argument, value).
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "base/error.h"

namespace qjit::test {

template <class F>
void expect_error(F&& f, std::initializer_list<std::string> needles) {
  try {
    f();
    ADD_FAILURE() << "expected a qjit::Error, nothing was thrown";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const std::string& n : needles)
      EXPECT_NE(msg.find(n), std::string::npos) << "message \"" << msg << "\" does not name \"" << n << "\"";
  }
}

}  // namespace qjit::test
