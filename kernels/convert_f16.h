// f32 <-> IEEE half conversions (float16 storage, fp16 weights). f32 -> f16 rounds to nearest even, overflows to
// inf, keeps subnormals; NaNs stay NaN (quietened, payload truncated) exactly as the F16C instructions do.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/exec.h"

namespace qjit {

void f32_to_f16(const float* x, uint16_t* h, size_t n, const Exec& exec = {});
void f16_to_f32(const uint16_t* h, float* x, size_t n, const Exec& exec = {});

}  // namespace qjit
