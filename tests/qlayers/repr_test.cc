// Module reprs print values as Python does: floats by repr() (shortest round-trip, positional between 1e-4 and
// 1e16, else scientific with a two-digit exponent), tuples with the one-element comma.
#include "qlayers/repr.h"

#include <gtest/gtest.h>

#include <limits>

namespace qjit {
namespace {

TEST(PythonRepr, FloatsPrintAsPythonsRepr) {
  EXPECT_EQ(python_float_repr(1.0), "1.0");
  EXPECT_EQ(python_float_repr(0.1), "0.1");
  EXPECT_EQ(python_float_repr(-2.5), "-2.5");
  EXPECT_EQ(python_float_repr(0.0), "0.0");
  EXPECT_EQ(python_float_repr(100.0), "100.0");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(0.00001), "1e-05");
  EXPECT_EQ(python_float_repr(1.5e-07), "1.5e-07");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(123456789012345.0), "123456789012345.0");
  EXPECT_EQ(python_float_repr(0.022191157564520836), "0.022191157564520836");
  EXPECT_EQ(python_float_repr(static_cast<double>(0.1f)), "0.10000000149011612");
  EXPECT_EQ(python_float_repr(std::numeric_limits<double>::infinity()), "inf");
}

TEST(PythonRepr, TuplesPrintAsPythonTuples) {
  EXPECT_EQ(python_tuple_repr({3}), "(3,)");
  EXPECT_EQ(python_tuple_repr({3, 5}), "(3, 5)");
  EXPECT_EQ(python_tuple_repr({1, 2, 3}), "(1, 2, 3)");
  EXPECT_EQ(python_tuple_repr({}), "()");
}

}  // namespace
}  // namespace qjit
