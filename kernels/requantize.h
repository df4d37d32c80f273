// Requantize int32 accumulators to u8/s8: the output stage of GEMM and convolution, also callable on its own.
// acc is rows x cols (row stride acc_stride elements), out rows x cols (row stride out_stride elements); a
// per-channel multiplier and the bias are indexed by column. Formulas: RequantFormula in kernels/qtype.h.
// Fused ReLU / ReLU6 / clamp are expressed through qmin/qmax.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernels/exec.h"
#include "kernels/qtype.h"

namespace qjit {

struct RequantizeParams {
  QType out = QType::u8;
  RequantFormula formula = RequantFormula::onednn;
  const float* multiplier = nullptr;  // [cols] when per_channel, else [1]
  bool per_channel = false;
  const float* bias_f = nullptr;      // onednn: float bias in the accumulator domain, [cols] or null
  const int32_t* bias_i = nullptr;    // qnnpack: int32 bias, [cols] or null
  int32_t zero_point = 0;
  int32_t qmin = 0, qmax = 255;       // within the range of `out`
};

// Fills qmin/qmax with the full range of `out`.
RequantizeParams make_requantize_params(QType out, RequantFormula formula, const float* multiplier, bool per_channel,
                                        int32_t zero_point);

void requantize(const int32_t* acc, void* out, size_t rows, size_t cols, size_t acc_stride, size_t out_stride,
                const RequantizeParams& p, const Exec& exec = {});

// The checks requantize() makes of p for `cols` columns (qjit::Error naming `fn`).
void check_requantize_params(std::string_view fn, const RequantizeParams& p, size_t cols);

namespace detail {
// For kernels of this layer that validated p once and requantize many rows with it (depthwise convolution):
// requantize() without the argument checks.
void requantize_unchecked(const int32_t* acc, void* out, size_t rows, size_t cols, size_t acc_stride,
                          size_t out_stride, const RequantizeParams& p, const Exec& exec);
}  // namespace detail

}  // namespace qjit
