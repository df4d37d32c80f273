// Min and max of a float buffer (observers, dynamic quantization). NaNs are ignored; an empty buffer (or one of
// NaNs only) gives min = +inf, max = -inf, which observers read as "not initialised". The sign of a zero result
// is unspecified (-0 and +0 compare equal).
#pragma once

#include <cstddef>

#include "kernels/exec.h"

namespace qjit {

void min_max(const float* x, size_t n, float* min_out, float* max_out, const Exec& exec = {});

}  // namespace qjit
