// How the quantized modules (nnq.Linear, nnq.Conv*, their fused ReLU variants, nnqd.Linear and the dynamic RNNs'
// gate GEMMs) pack their weights. a7_panels on: PyTorch's default x86 / fbgemm qconfigs observe activations with
// reduce_range (0..127), and dynamic quantization with reduce_range quantizes to 0..127 too; on the paths whose
// VPMADDUBSW can saturate (avx2, avx512 without VNNI) the GEMM then runs the u8x4 panels, exact for any int8
// weights, instead of the s16x2 ones real 8-bit weights need. Each call checks the max of its activations, so a
// model with 8-bit activations stays exact (s16x2); the cost is half the s16x2 panels' memory again, on those
// paths only (packing/packed_weights.h).
#pragma once

#include "packing/packed_weights.h"

namespace qjit {

inline PackOptions module_pack_options() {
  PackOptions o;
  o.a7_panels = true;
  return o;
}

}  // namespace qjit
