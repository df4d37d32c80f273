// The framing shared by qjit's binary blobs (packed weights, packed convolution weights, quantized modules): an
// 8-byte magic, the body, and a trailing crc32 (zlib) of everything before it; plus a byte writer and a
// bounds-checked reader for the body. Bodies are little-endian native values (x86-64 / AArch64).
// Promise: reading never goes past the buffer; a short, foreign or corrupt blob is a qjit::Error naming the
// caller's function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace qjit {

class BlobWriter {
 public:
  // Starts a blob with its magic (exactly 8 bytes).
  explicit BlobWriter(const char (&magic)[8]) : bytes_(magic, magic + 8) {}
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put_bytes(&v, sizeof(T));
  }
  void put_bytes(const void* p, size_t n) {
    if (n == 0) return;
    const size_t old = bytes_.size();
    bytes_.resize(old + n);
    std::memcpy(bytes_.data() + old, p, n);
  }
  // A length-prefixed (u64) nested blob.
  void put_blob(const std::vector<uint8_t>& blob) {
    put(static_cast<uint64_t>(blob.size()));
    put_bytes(blob.data(), blob.size());
  }
  // Appends the crc32 and hands the bytes over.
  std::vector<uint8_t> finish();

 private:
  std::vector<uint8_t> bytes_;
};

class BlobReader {
 public:
  // Checks the size, the magic and the checksum of data[0, size) (errors name `fn`; `kind` says what the blob
  // should have been, e.g. "a qjit packed-weights blob") and reads the body between magic and checksum.
  BlobReader(std::string_view fn, const uint8_t* data, size_t size, const char (&magic)[8], std::string_view kind);

  template <class T>
  T get(const char* what) {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    take(&v, sizeof(T), what);
    return v;
  }
  void take(void* dst, size_t n, const char* what);
  // A length-prefixed nested blob: a pointer into the buffer and its size.
  std::pair<const uint8_t*, size_t> get_blob(const char* what);
  // Bytes of the body not read yet.
  size_t remaining() const { return n_ - pos_; }
  // Throws unless the whole body has been read.
  void expect_end();

 private:
  std::string_view fn_;
  const uint8_t* p_;
  size_t n_, pos_ = 0;
  size_t size_;  // of the whole blob, for messages
};

}  // namespace qjit
