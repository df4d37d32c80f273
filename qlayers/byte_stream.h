// Little helpers for the save / load blobs of quantized modules: a writer that appends fixed-size values and byte
// strings, a reader that checks every read against the end of the buffer, and a seal (FNV-1a 64 of the content,
// appended) so a truncated or corrupted blob is a qjit::Error, never a crash or a silently wrong module.
// Values are written in the machine's byte order (the library targets little-endian x86-64 and AArch64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/error.h"

namespace qjit {

inline uint64_t fnv1a64(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

class ByteWriter {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out_.insert(out_.end(), p, p + sizeof(T));
  }
  // A length-prefixed byte string.
  void put_bytes(const std::vector<uint8_t>& b) {
    put<uint64_t>(b.size());
    out_.insert(out_.end(), b.begin(), b.end());
  }
  template <class T>
  void put_array(const T* v, size_t n) {
    const auto* p = reinterpret_cast<const uint8_t*>(v);
    out_.insert(out_.end(), p, p + n * sizeof(T));
  }
  // Appends the checksum of everything written and returns the blob.
  std::vector<uint8_t> seal() {
    put<uint64_t>(fnv1a64(out_.data(), out_.size()));
    return std::move(out_);
  }

 private:
  std::vector<uint8_t> out_;
};

class ByteReader {
 public:
  // Checks the seal of a blob made by ByteWriter::seal(); reads then cover the content before it.
  ByteReader(std::string_view fn, const uint8_t* data, size_t size) : fn_(fn), p_(data) {
    check_arg(data != nullptr || size == 0, fn, "data", "null", "must point to the blob");
    check_arg(size >= sizeof(uint64_t), fn, "size", size, "truncated: shorter than the checksum");
    end_ = data + size - sizeof(uint64_t);
    uint64_t stored;
    std::memcpy(&stored, end_, sizeof stored);
    check_arg(stored == fnv1a64(data, size - sizeof(uint64_t)), fn, "data", "checksum mismatch",
              "the blob is corrupt or truncated");
  }
  template <class T>
  T get(std::string_view what) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  // A length-prefixed byte string: returns a pointer into the blob and its length.
  std::pair<const uint8_t*, size_t> get_bytes(std::string_view what) {
    const uint64_t n = get<uint64_t>(what);
    need(n, what);
    const uint8_t* p = p_;
    p_ += n;
    return {p, static_cast<size_t>(n)};
  }
  template <class T>
  void get_array(T* v, size_t n, std::string_view what) {
    check_arg(n <= remaining() / sizeof(T), fn_, what, n, "truncated blob: fewer elements stored");
    std::memcpy(v, p_, n * sizeof(T));
    p_ += n * sizeof(T);
  }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  void expect_end() const { check_arg(p_ == end_, fn_, "size", remaining(), "bytes left over after the blob"); }

 private:
  void need(uint64_t n, std::string_view what) const {
    check_arg(n <= remaining(), fn_, what, n, "truncated blob: fewer bytes stored");
  }
  std::string_view fn_;
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace qjit
