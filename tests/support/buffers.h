// Test buffers with guard bytes on both sides (to catch a kernel writing outside its output) and a chosen
// misalignment in whole elements (so that data is off any vector or cache-line boundary, yet still naturally
// aligned for its type, as the kernels' contract asks).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace qjit::testing {

template <class T>
class GuardedBuffer {
 public:
  static constexpr size_t kGuard = 64;  // bytes
  static constexpr unsigned char kPattern = 0xA5;

  explicit GuardedBuffer(size_t n, size_t misalign_elems = 0) : n_(n), misalign_(misalign_elems * sizeof(T)) {
    bytes_.assign(2 * kGuard + misalign_ + n * sizeof(T) + 64, kPattern);
  }
  T* data() { return reinterpret_cast<T*>(base() + kGuard + misalign_); }
  const T* data() const { return reinterpret_cast<const T*>(base() + kGuard + misalign_); }
  size_t size() const { return n_; }
  T get(size_t i) const {
    T v;
    std::memcpy(&v, reinterpret_cast<const unsigned char*>(data()) + i * sizeof(T), sizeof(T));
    return v;
  }
  void set(size_t i, T v) { std::memcpy(reinterpret_cast<unsigned char*>(data()) + i * sizeof(T), &v, sizeof(T)); }
  // True when no byte before or after [data, data + n) changed.
  bool guards_intact() const {
    const unsigned char* b = reinterpret_cast<const unsigned char*>(data());
    for (size_t i = 1; i <= kGuard; ++i)
      if (b[-static_cast<ptrdiff_t>(i)] != kPattern) return false;
    const unsigned char* e = b + n_ * sizeof(T);
    for (size_t i = 0; i < kGuard; ++i)
      if (e[i] != kPattern) return false;
    return true;
  }

 private:
  unsigned char* base() {
    uintptr_t p = reinterpret_cast<uintptr_t>(bytes_.data());
    return reinterpret_cast<unsigned char*>((p + 63) & ~uintptr_t{63});
  }
  const unsigned char* base() const { return const_cast<GuardedBuffer*>(this)->base(); }
  size_t n_, misalign_;
  std::vector<unsigned char> bytes_;
};

// Lengths every element-wise kernel is checked on: 0..300 (every remainder of every block), and a few large ones,
// one of which is large enough to be split across the default pool.
inline std::vector<size_t> eltwise_lengths() {
  std::vector<size_t> r;
  for (size_t n = 0; n <= 300; ++n) r.push_back(n);
  for (size_t n : {1000, 4097, 65536 + 37, (1 << 18) + 5}) r.push_back(n);
  return r;
}

}  // namespace qjit::testing
