// Counts the heap allocations made through operator new, on any thread, while a CountAllocations object is alive.
// Tests use it to show that a kernel's repeated calls of one shape allocate nothing (the GEMM issue's "no code
// generation or allocation after the first call of a shape"). The replaced global operators are in
// allocation_counter.cc: they forward to malloc / aligned_alloc and count only while a scope is open, so the rest
// of the test binary is unaffected.
#pragma once

#include <cstddef>

namespace qjit::testing {

class CountAllocations {
 public:
  CountAllocations();
  ~CountAllocations();
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;

  // Allocations since this scope opened.
  size_t count() const;

 private:
  size_t start_;
};

}  // namespace qjit::testing
