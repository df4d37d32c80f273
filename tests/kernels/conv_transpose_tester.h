// A fluent tester for the quantized transposed convolution: the convolution's tester (tests/kernels/conv_tester.h)
// with output_padding, whose test() packs the weights for one ISA, runs qjit::conv_transpose and checks every
// output bit-exactly against ref::conv_transpose_u8s8 (a scatter from each input pixel, sharing nothing with the
// library's gather + GEMM), with guard bytes around y.
#pragma once

#include <cstdint>

#include "kernels/conv_transpose.h"
#include "kernels/reference/conv_transpose_ref.h"
#include "tests/kernels/conv_tester.h"

namespace qjit::testing {

// qjit::conv_transpose against ref::conv_transpose_u8s8.
struct ConvTransposeOp {
  using Desc = ConvTransposeDesc;
  using Algorithm = ConvTransposeAlgorithm;
  using Packed = PackedConvTransposeWeights;
  static constexpr bool has_output_padding = true;
  static Algorithm algorithm(const Desc& d) { return conv_transpose_algorithm(d); }
  static const char* algorithm_name(Algorithm a) { return conv_transpose_algorithm_name(a); }
  static void reference(const Desc& d, const uint8_t* x, int32_t x_zp, const int8_t* w, const int32_t* w_zp, void* y,
                        const OutputStage& s) {
    ref::conv_transpose_u8s8(d, x, x_zp, w, w_zp, y, s);
  }
  static void run(const Desc& d, const uint8_t* x, int32_t x_zp, const Packed& w, void* y, const OutputStage& s,
                  const Exec& e) {
    conv_transpose(d, x, x_zp, w, y, s, e);
  }
};

using ConvTransposeTester = BasicConvTester<ConvTransposeOp>;

}  // namespace qjit::testing
