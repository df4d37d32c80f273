// Dynamic quantized linear as free functions with PyTorch's names (torch.ops.quantized.linear_prepack,
// linear_prepack_fp16, linear_dynamic, linear_dynamic_fp16): float input of any rank >= 1 whose last dimension is
// in_features, float output [..., out_features]. The activation is quantized on the fly on every call; the
// numerics follow the process-wide engine (qlayers/engine.h), read when the call runs (see
// qlayers/dynamic_linear_packed_params.h for the formulas).
#pragma once

#include "qlayers/dynamic_linear_packed_params.h"
#include "qlayers/tensor.h"

namespace qjit {

// quantized::linear_prepack for dynamic use (named apart from the static nnq.Linear's prepack, whose packed form
// differs): qint8 weight [out, in] (per tensor, or per channel on axis 0) and an
// optional float32 bias [out].
DynamicLinearPackedParams linear_dynamic_prepack(const Tensor& qweight, const Tensor& bias = Tensor());
// quantized::linear_prepack_fp16: float32 weight [out, in] stored as halves, optional float32 bias.
DynamicLinearPackedParams linear_prepack_fp16(const Tensor& weight, const Tensor& bias = Tensor());

// quantized::linear_dynamic(x, packed, reduce_range): packed must hold qint8 weights. reduce_range is honoured by
// the onednn engine and ignored by qnnpack, as in PyTorch. nnqd.Linear passes reduce_range = true.
Tensor quantized_linear_dynamic(const Tensor& x, const DynamicLinearPackedParams& packed, bool reduce_range = false);
// quantized::linear_dynamic_fp16(x, packed): packed must hold float16 weights.
Tensor linear_dynamic_fp16(const Tensor& x, const DynamicLinearPackedParams& packed);

}  // namespace qjit
