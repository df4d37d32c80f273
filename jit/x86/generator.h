// Base of every x86 generator: an Xbyak::CodeGenerator with a kernel name, the System V ABI's argument
// registers and a prologue/epilogue that saves exactly the callee-saved registers a kernel uses.
// finish() turns the buffer read+execute (it was never executable while writable), registers the code with the
// perf map and prints the QJIT_VERBOSE "jit" line; the returned JitCode owns the generator.
#pragma once

#include <xbyak/xbyak.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "jit/jit_code.h"

namespace qjit::x86 {

class JitGenerator : public Xbyak::CodeGenerator {
 public:
  JitGenerator(std::string name, Isa isa, size_t max_code_bytes = 16 * 1024);

  const std::string& name() const { return name_; }
  Isa isa() const { return isa_; }

 protected:
  // System V argument registers.
  const Xbyak::Reg64 abi_param1 = rdi, abi_param2 = rsi, abi_param3 = rdx, abi_param4 = rcx, abi_param5 = r8,
                     abi_param6 = r9;

  // Saves the callee-saved registers in `saved` (any of rbx, rbp, r12..r15) in order.
  void preamble(std::initializer_list<Xbyak::Reg64> saved = {});
  // Restores them, clears the upper vector state (vzeroupper) and returns.
  void postamble();

 private:
  friend std::unique_ptr<JitCode> finish(std::unique_ptr<JitGenerator> gen);
  std::string name_;
  Isa isa_;
  std::vector<Xbyak::Reg64> saved_;
  std::chrono::steady_clock::time_point start_;
};

// Makes the generated code executable and hands it over with its generator.
std::unique_ptr<JitCode> finish(std::unique_ptr<JitGenerator> gen);

}  // namespace qjit::x86
