// What the tests of the 7-bit activation fast path (PackOptions::a7_panels) share: full-range weights with the
// saturating extremes (columns of 127 and of -128, whose pairs VPMADDUBSW would saturate on any activation above
// 127), activations in [0, a_hi] with rows at a_hi, an optional spike (one value > 127 somewhere), and the
// check of the verbose line that says which panels a call multiplied by.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "jit/cpu.h"

namespace qjit::testing {

// The paths whose maddubs can saturate: there, full-range weights pack s16x2 and a7 panels are kept.
inline bool a7_panels_expected(Isa isa) { return isa == Isa::avx2 || isa == Isa::avx512; }

// Weights K x N (k_by_n) in [-128, 127], column 0 all 127 and column 1 all -128 (when N > 1): the pairs
// 127 + 127 and -128 + -128 that no maddubs on 8-bit activations can hold.
inline void add_saturating_columns(std::vector<int8_t>& kn, size_t K, size_t N) {
  for (size_t k = 0; k < K; ++k) {
    kn[k * N] = 127;
    if (N > 1) kn[k * N + 1] = -128;
  }
}

// Activations rows x cols (row stride ld) uniform in [0, a_hi], row 0 all a_hi, the bytes between rows 255
// (never read: a max that counted them would wrongly take the slow path).
inline std::vector<uint8_t> a7_activations(std::mt19937& rng, size_t rows, size_t cols, size_t ld, int a_hi) {
  std::vector<uint8_t> a(rows * ld, 255);
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) a[r * ld + c] = r == 0 ? static_cast<uint8_t>(a_hi) : static_cast<uint8_t>(rng() % (a_hi + 1));
  return a;
}

// The verbose lines of `op` in `log` and whether one says the u8x4 panels ran ("a7=u8x4") or the s16x2 ones.
enum class A7Ran { none, u8x4, s16x2 };
inline A7Ran a7_ran(const std::string& log, const std::string& op) {
  A7Ran ran = A7Ran::none;
  size_t pos = 0;
  while ((pos = log.find("qjit_verbose,exec," + op + ",", pos)) != std::string::npos) {
    const size_t end = log.find('\n', pos);
    const std::string line = log.substr(pos, end - pos);
    if (line.find(":a7=u8x4") != std::string::npos) ran = A7Ran::u8x4;
    if (line.find(":a7=s16x2") != std::string::npos) ran = A7Ran::s16x2;
    pos = end;
  }
  return ran;
}

inline const char* a7_ran_name(A7Ran r) { return r == A7Ran::none ? "none" : r == A7Ran::u8x4 ? "u8x4" : "s16x2"; }

}  // namespace qjit::testing
