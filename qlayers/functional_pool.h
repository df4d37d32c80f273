// Quantized pooling on Tensors, with torch.nn.functional's names, arguments and defaults, and PyTorch 1.13's
// numerics (its generic quantized kernels, the `onednn` engine's path; see kernels/pool.h for the formulas).
//
// Inputs: quint8 or qint8, quantized per tensor; 2-D pooling takes [N, C, H, W] (or unbatched [C, H, W]), 3-D
// pooling [N, C, D, H, W] (or [C, D, H, W]), 1-D pooling [N, C, L] (or [C, L]). Either memory format; the output
// keeps the input's (channels_last in, channels_last out, as PyTorch's x86 kernels do) and the input's
// quantization parameters. Window arguments take one value (used for every dimension) or one per dimension;
// an empty `stride` means stride = kernel_size.
//
// Engines: the results are PyTorch's onednn (generic) kernels bit for bit. PyTorch's QNNPACK avg_pool2d ignores
// divisor_override (../shared/golden README, surprise 9); qjit always honours it, whatever the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit {

// F.max_pool1d: padding <= kernel_size / 2, every window size argument > 0, output length >= 1.
Tensor max_pool1d(const Tensor& x, int64_t kernel_size, std::optional<int64_t> stride = std::nullopt,
                  int64_t padding = 0, int64_t dilation = 1, bool ceil_mode = false);

// F.max_pool2d (PyTorch applies nn.MaxPool2d to quantized tensors directly; the max is exact).
Tensor max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride = {},
                  const std::vector<int64_t>& padding = {0}, const std::vector<int64_t>& dilation = {1},
                  bool ceil_mode = false);

// F.avg_pool2d / F.avg_pool3d: divisor_override, when given, must be != 0.
Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride = {},
                  const std::vector<int64_t>& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool3d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride = {},
                  const std::vector<int64_t>& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

// F.adaptive_avg_pool2d / 3d: output_size one value or one per spatial dimension, each >= 1.
Tensor adaptive_avg_pool2d(const Tensor& x, const std::vector<int64_t>& output_size);
Tensor adaptive_avg_pool3d(const Tensor& x, const std::vector<int64_t>& output_size);

}  // namespace qjit
