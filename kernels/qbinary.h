// Quantized element-wise binary ops over raw buffers: add and mul of two u8 or s8 operands (with optional fused
// ReLU), with the numerics of PyTorch 1.13 per quantized engine (../shared/golden/NUMERICS.md section 7):
//  - generic (ATen, the onednn engine): out = quantize(f(dequantize(a), dequantize(b))) with the output's
//    reciprocal scale, round half to even, zero point added after rounding. ATen's vector lambda for add
//    dequantizes with fma(s, q, f32(s * -zp)) while its scalar tail uses (q - zp) * s: the caller says up to which
//    element the vector form applies (`vector_end`), so results are bit-exact including that position effect.
//    mul uses the plain form everywhere.
//  - qnnpack add (u8, same shapes): QNNPACK's fixed-point q8vadd, rounding ties away from zero.
// Every path (scalar reference, AVX2) gives the same bits; the ISA comes from the Exec.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/exec.h"
#include "kernels/qtype.h"

namespace qjit {

enum class QBinaryOp : uint8_t { add, mul };

struct QBinaryParams {
  QBinaryOp op = QBinaryOp::add;
  bool relu = false;       // max(result, 0) before quantizing
  QType type = QType::u8;  // of a, b and out: u8 or s8
  float a_scale = 1.0f;
  int32_t a_zero_point = 0;
  float b_scale = 1.0f;
  int32_t b_zero_point = 0;
  float out_scale = 1.0f;
  int32_t out_zero_point = 0;
};

// out[i] = op(a[i * a_stride], b[i * b_stride]) for i in [0, n); a stride of 0 broadcasts one value (ATen's
// "contiguous scalar" operand), out is dense. Elements [0, vector_end) use ATen's vector-lambda dequantization
// (add only). Throws qjit::Error on bad parameters (type, scales, zero points, vector_end > n).
void qbinary_generic(const QBinaryParams& p, const void* a, ptrdiff_t a_stride, const void* b, ptrdiff_t b_stride,
                     void* out, size_t n, size_t vector_end, const Exec& exec = {});

// ATen's cpu_kernel_vec runs its vector lambda on whole blocks of two Vectorized<quint8> (2 x 32 elements on the
// AVX2 build the golden vectors were made with) at the start of each inner loop, and the scalar lambda on the rest.
inline constexpr size_t kAtenVectorBlock = 64;
inline size_t aten_vector_end(size_t n) { return n / kAtenVectorBlock * kAtenVectorBlock; }

// QNNPACK's add parameters (pytorch_qnnp_compute_add_quantization_params): the float ratios a_scale / out_scale and
// b_scale / out_scale become integer multipliers with a shared shift. QNNPACK requires each ratio in
// [2^-14, 2^8): outside that range this throws qjit::Error as PyTorch's qnnpack add does.
struct QAddQnnpackParams {
  int32_t zero_point_product = 0;
  int32_t a_multiplier = 0, b_multiplier = 0;
  int32_t remainder_mask = 0, remainder_threshold = 0;
  uint32_t shift = 0;
  int32_t out_zero_point = 0;
  int32_t qmin = 0, qmax = 255;
};
QAddQnnpackParams qadd_qnnpack_params(float a_scale, int32_t a_zero_point, float b_scale, int32_t b_zero_point,
                                      float out_scale, int32_t out_zero_point, bool relu);

// QNNPACK's q8vadd over n dense u8 elements.
void qadd_qnnpack(const QAddQnnpackParams& p, const uint8_t* a, const uint8_t* b, uint8_t* out, size_t n,
                  const Exec& exec = {});

}  // namespace qjit
