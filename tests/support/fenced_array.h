// Test memory that ends at an inaccessible page, so that a kernel reading or writing past the end of a buffer
// faults instead of passing silently.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>

namespace qjit::testing {

// Memory of n elements whose last byte is followed by an inaccessible page: a kernel reading or writing past
// the end faults instead of passing silently.
class FencedArray {
 public:
  explicit FencedArray(size_t bytes) : pages_((bytes + kPage - 1) / kPage + 1) {
    base_ = static_cast<char*>(::mmap(nullptr, pages_ * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_NE(base_, MAP_FAILED);
    EXPECT_EQ(::mprotect(base_ + (pages_ - 1) * kPage, kPage, PROT_NONE), 0);
    data_ = base_ + (pages_ - 1) * kPage - bytes;
  }
  ~FencedArray() { ::munmap(base_, pages_ * kPage); }
  FencedArray(const FencedArray&) = delete;
  FencedArray& operator=(const FencedArray&) = delete;
  template <class T>
  T* as(T fill) {
    T* p = reinterpret_cast<T*>(data_);
    std::fill(p, reinterpret_cast<T*>(base_ + (pages_ - 1) * kPage), fill);
    return p;
  }

 private:
  static constexpr size_t kPage = 4096;
  size_t pages_;
  char* base_;
  char* data_;
};

}  // namespace qjit::testing
