// Comparisons of a result with its expected values (PyTorch's golden vectors, or a reference) that report what
// differs: the first few differing elements with their index, then how many differ in all. Floats compare by
// their bits, so -0.0 != 0.0 and a NaN equals only the same NaN (PyTorch's masked negative gradients are -0.0).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

namespace qjit::test {

// "0.100000001 (0x3dcccccd)": the value and its bits.
inline std::string show_float(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  std::ostringstream os;
  os << std::setprecision(9) << v << " (0x" << std::hex << bits << ")";
  return os.str();
}

namespace detail {

// Adds a failure for a size mismatch, or for each of the first 5 elements where differ(i); returns how many
// elements differ (the two sizes added up when the sizes differ).
template <class Differ, class Show>
size_t report_differences(size_t got_size, size_t want_size, const std::string& what, const Differ& differ,
                          const Show& show) {
  if (got_size != want_size) {
    ADD_FAILURE() << what << ": " << got_size << " values, the expected " << want_size;
    return got_size + want_size;
  }
  size_t bad = 0;
  for (size_t i = 0; i < got_size; ++i) {
    if (!differ(i)) continue;
    if (++bad <= 5) ADD_FAILURE() << what << "[" << i << "]: " << show(i);
  }
  return bad;
}

}  // namespace detail

// How many float32 values differ in their bits, reporting the first few; `want_name` names where the expected
// values come from.
inline size_t count_float_bit_differences(const std::vector<float>& got, const std::vector<float>& want,
                                          const std::string& what, const std::string& want_name = "PyTorch") {
  return detail::report_differences(
      got.size(), want.size(), what, [&](size_t i) { return std::memcmp(&got[i], &want[i], sizeof(float)) != 0; },
      [&](size_t i) { return "got " + show_float(got[i]) + ", " + want_name + " " + show_float(want[i]); });
}

// Bitwise equality of float32 values, with a failure counting the differences.
inline bool expect_float_bits_equal(const std::vector<float>& got, const std::vector<float>& want,
                                    const std::string& what, const std::string& want_name = "PyTorch") {
  const size_t bad = count_float_bit_differences(got, want, what, want_name);
  if (bad) ADD_FAILURE() << what << ": " << bad << " of " << got.size() << " values differ";
  return bad == 0;
}

// Integers equal, or within `tolerance` of each other, with a failure counting the differences.
inline bool expect_ints_equal(const std::vector<int64_t>& got, const std::vector<int64_t>& want,
                              const std::string& what, int64_t tolerance = 0,
                              const std::string& want_name = "PyTorch") {
  const size_t bad = detail::report_differences(
      got.size(), want.size(), what, [&](size_t i) { return std::llabs(got[i] - want[i]) > tolerance; },
      [&](size_t i) { return "got " + std::to_string(got[i]) + ", " + want_name + " " + std::to_string(want[i]); });
  if (bad) ADD_FAILURE() << what << ": " << bad << " of " << got.size() << " values differ";
  return bad == 0;
}

}  // namespace qjit::test
