#include "packing/blob.h"

#include <zlib.h>

#include <algorithm>
#include <string>

#include "base/error.h"

namespace qjit {

namespace {
uint32_t crc_of(const uint8_t* p, size_t n) {
  // zlib takes uInt lengths: feed large buffers in pieces.
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    const size_t piece = std::min<size_t>(n, size_t{1} << 30);
    crc = crc32(crc, p, static_cast<uInt>(piece));
    p += piece;
    n -= piece;
  }
  return static_cast<uint32_t>(crc);
}
}  // namespace

std::vector<uint8_t> BlobWriter::finish() {
  put(crc_of(bytes_.data(), bytes_.size()));
  return std::move(bytes_);
}

BlobReader::BlobReader(std::string_view fn, const uint8_t* data, size_t size, const char (&magic)[8],
                       std::string_view kind)
    : fn_(fn), size_(size) {
  check_not_null(fn, "data", data);
  check_arg(size >= 8 + 4 + 4, fn, "size", size, "too small for a header");
  check_arg(std::memcmp(data, magic, 8) == 0, fn, "magic", "?", std::string("not ").append(kind));
  uint32_t stored;
  std::memcpy(&stored, data + size - 4, 4);
  check_arg(crc_of(data, size - 4) == stored, fn, "checksum", stored, "does not match the data (corrupt blob)");
  p_ = data + 8;
  n_ = size - 8 - 4;
}

void BlobReader::take(void* dst, size_t n, const char* what) {
  if (n > n_ - pos_) throw_bad_arg(fn_, "size", size_, std::string("truncated while reading ") + what);
  if (n) std::memcpy(dst, p_ + pos_, n);  // dst may be the null data() of an empty vector
  pos_ += n;
}

std::pair<const uint8_t*, size_t> BlobReader::get_blob(const char* what) {
  const uint64_t n = get<uint64_t>(what);
  if (n > n_ - pos_) throw_bad_arg(fn_, "size", size_, std::string("truncated while reading ") + what);
  const uint8_t* p = p_ + pos_;
  pos_ += n;
  return {p, static_cast<size_t>(n)};
}

void BlobReader::expect_end() { check_arg(pos_ == n_, fn_, "size", size_, "has trailing bytes"); }

}  // namespace qjit
