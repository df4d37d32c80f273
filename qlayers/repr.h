// How PyTorch prints the values in a module's repr (extra_repr), so that qjit's module printouts read like
// print(model): floats as Python's repr() writes them (shortest round-trip digits: 0.1, 1.0, 1e-05, 0.0001),
// tuples as Python writes them ((3, 3), and (3,) for one element), booleans as True / False.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qjit {

std::string python_float_repr(double v);
std::string python_tuple_repr(const std::vector<int64_t>& v);
inline const char* python_bool_repr(bool b) { return b ? "True" : "False"; }

}  // namespace qjit
