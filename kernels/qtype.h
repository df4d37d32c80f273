// The integer storage types of quantized values at the kernel level, and their ranges.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qjit {

enum class QType : uint8_t { u8, s8, s32 };

constexpr int64_t qtype_min(QType t) { return t == QType::u8 ? 0 : t == QType::s8 ? -128 : INT32_MIN; }
constexpr int64_t qtype_max(QType t) { return t == QType::u8 ? 255 : t == QType::s8 ? 127 : INT32_MAX; }
constexpr size_t qtype_size(QType t) { return t == QType::s32 ? 4 : 1; }
constexpr const char* qtype_name(QType t) { return t == QType::u8 ? "u8" : t == QType::s8 ? "s8" : "s32"; }

// How a requantizing output stage rounds (../shared/golden/NUMERICS.md section 7).
//  onednn:  y = clamp(rint(f32(f32(acc) + bias_f[c]) * mult[c] + f32(zp)), qmin, qmax)  (float bias, zp before rounding)
//  qnnpack: y = clamp(rint(f32(acc + bias_i[c]) * mult[c]) + zp, qmin, qmax)           (int32 bias, zp after rounding)
enum class RequantFormula : uint8_t { onednn, qnnpack };

}  // namespace qjit
