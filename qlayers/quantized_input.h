// Argument checks shared by the quantized functional ops (pooling, upsampling, normalization): the input is a
// defined, per-tensor quantized quint8 / qint8 tensor of an accepted rank. Each check throws qjit::Error
// "fn: x = Tensor(...): requirement", naming the caller.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "qlayers/tensor.h"

namespace qjit::detail {

// x is defined, quint8 or qint8, per-tensor affine or symmetric, and its rank is one of `ranks`.
void check_quantized_activation(std::string_view fn, const Tensor& x, std::initializer_list<int64_t> ranks);

// The dense layout an op computes in: channels_last when a 4-D / 5-D input suggests it, else contiguous.
MemoryFormat working_format(const Tensor& x);

}  // namespace qjit::detail
