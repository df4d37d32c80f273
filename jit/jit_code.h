// A piece of generated machine code and what owns it. Code pages are writable while generated and executable
// after, never both (Xbyak's buffer allocated without RWE, switched to read+execute when finished).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "jit/cpu.h"

namespace qjit {

class JitCode {
 public:
  virtual ~JitCode() = default;
  const void* entry() const { return entry_; }
  size_t size() const { return size_; }
  const std::string& name() const { return name_; }
  Isa isa() const { return isa_; }
  template <class Fn>
  Fn* as() const {
    return reinterpret_cast<Fn*>(const_cast<void*>(entry_));
  }

 protected:
  const void* entry_ = nullptr;
  size_t size_ = 0;
  std::string name_;
  Isa isa_ = Isa::scalar;
};

// QJIT_PERF_MAP=1: appends "<addr> <size> <name>" to /tmp/perf-<pid>.map so perf names generated code.
void perf_map_register(const void* code, size_t size, const std::string& name);

}  // namespace qjit
