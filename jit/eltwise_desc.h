// Descriptor of a generated element-wise kernel (quantize, dequantize, requantize, min/max, f32<->f16): the key of
// the code cache. Every kernel processes `n` elements where n is a multiple of its block (vector_elems(isa));
// kernels/eltwise.cc handles the remainder through a padded copy, so the generated code never reads or writes past
// the caller's buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jit/cpu.h"
#include "jit/jit_code.h"
#include "kernels/qtype.h"

namespace qjit {

enum class EltwiseOp : uint8_t { quantize, dequantize, requantize, minmax, f32_to_f16, f16_to_f32 };

// Where a kernel's zero point comes from: an int32 added as ATen does, or a float (per_channel_affine_float_qparams).
enum class ZeroPointKind : uint8_t { integer, floating };

// Arguments of every element-wise kernel, passed by pointer (first System V argument). Unused fields are ignored.
struct EltwiseArgs {
  const void* src = nullptr;    // f32 (quantize, minmax, f32_to_f16), q (dequantize), s32 (requantize), f16
  void* dst = nullptr;          // q, f32, f16; for minmax: float[2] = {min, max}, updated in place
  size_t n = 0;                 // elements, a multiple of the kernel's block
  const float* scale = nullptr; // quantize: 1/scale; dequantize: scale; requantize: multiplier. [n] if per_channel
  const void* zero_point = nullptr;  // int32 or float, [n] if per_channel (quantize/dequantize)
  const void* bias = nullptr;   // requantize: float (onednn) or int32 (qnnpack), [n]
  int32_t out_zero_point = 0;   // requantize
  int32_t qmin = 0, qmax = 0;   // clamp of the quantized result (requantize: fused ReLU / ReLU6 / clamp)
};

using EltwiseKernelFn = void(const EltwiseArgs*);

struct EltwiseDesc {
  Isa isa = Isa::scalar;
  EltwiseOp op = EltwiseOp::quantize;
  QType qtype = QType::u8;  // quantized type in or out
  bool per_channel = false; // scale / zero_point are arrays indexed like the data
  ZeroPointKind zp_kind = ZeroPointKind::integer;
  bool has_bias = false;
  RequantFormula formula = RequantFormula::onednn;

  bool operator==(const EltwiseDesc& o) const {
    return isa == o.isa && op == o.op && qtype == o.qtype && per_channel == o.per_channel && zp_kind == o.zp_kind &&
           has_bias == o.has_bias && formula == o.formula;
  }
  size_t hash() const {
    return static_cast<size_t>(isa) | static_cast<size_t>(op) << 4 | static_cast<size_t>(qtype) << 8 |
           static_cast<size_t>(per_channel) << 10 | static_cast<size_t>(zp_kind) << 11 |
           static_cast<size_t>(has_bias) << 12 | static_cast<size_t>(formula) << 13;
  }
  // e.g. "qjit_quantize_f32_u8_pc_avx2"
  std::string name() const;
  // Elements per call block for this ISA (8 for ymm paths, 16 for zmm paths).
  static size_t block(Isa isa);
  std::unique_ptr<JitCode> generate() const;
};

}  // namespace qjit
