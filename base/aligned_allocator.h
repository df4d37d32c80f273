// A std::allocator that aligns every allocation to A bytes, for buffers that JIT kernels read in whole vectors
// (a 32-byte load from a 16-byte aligned std::vector splits a cache line every other time).
#pragma once

#include <cstddef>
#include <new>

namespace qjit {

template <class T, size_t A>
struct AlignedAllocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = AlignedAllocator<U, A>;
  };
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U, A>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{A})); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t{A}); }
  template <class U>
  bool operator==(const AlignedAllocator<U, A>&) const { return true; }
};

}  // namespace qjit
