// QJIT_VERBOSE=1: one line on stderr per kernel generated and per op call, comma separated so that a bench
// driver can replay the calls:
//   qjit_verbose,jit,<kernel name>,<isa>,<code bytes>,<generation ms>
//   qjit_verbose,exec,<op>,<isa>,<kernel name>,<shape>,<ms>
// When the variable is unset the cost is one load of a cached flag per call.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace qjit {

bool verbose_enabled();
// Re-reads QJIT_VERBOSE (tests use it; the flag is otherwise read once).
void verbose_refresh();
void verbose_print(std::string_view line);

// Times one op call and prints an exec line when verbose logging is on.
class VerboseOp {
 public:
  VerboseOp() : on_(verbose_enabled()) {
    if (on_) start_ = std::chrono::steady_clock::now();
  }
  bool on() const { return on_; }
  // Prints the exec line; `shape` is free text without commas (e.g. "n=1024" or "m=6:n=256:k=1024").
  void done(std::string_view op, std::string_view isa, std::string_view kernel, std::string_view shape);

 private:
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace qjit
