// Quantized interpolation on 4-D Tensors ([N, C, H, W], either memory format), with torch.nn.functional's
// names and arguments and PyTorch 1.13's numerics (ATen's quantized upsample_nearest2d / upsample_bilinear2d):
//  - nearest: source index = out_index when the sizes match, out_index / 2 when the output is twice the input,
//    else min(floor(out_index * s), in - 1) with s = f32(1 / scale_factor) when a scale factor is given, else
//    f32(in) / out. A pure copy of the stored integers.
//  - bilinear: ATen's area_pixel source index in float (align_corners or half-pixel, clamped at 0), the four
//    stored integers weighted in float as h0 * (w0 * a + w1 * b) + h1 * (w0 * c + w1 * d) - zero point, then
//    quantized back as zp + nearbyint(v). Equal input and output sizes copy.
// The output keeps the input's quantization parameters and memory format (PyTorch's kernels run on both).
// Both engines of PyTorch agree on every golden case.
// The element loops are kernels/upsample.h (NHWC; scalar reference and AVX2 over channels, bit-identical).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit {

// F.interpolate: exactly one of size (one value or [H, W], each >= 1) and scale_factor (one value or two, each
// finite and > 0; output size floor(in * scale)); mode "nearest" or "bilinear"; align_corners only with
// "bilinear" (default false). A given scale factor is passed to the index computation as PyTorch does with
// recompute_scale_factor unset.
Tensor interpolate(const Tensor& x, const std::vector<int64_t>& size = {}, const std::vector<double>& scale_factor = {},
                   std::string_view mode = "nearest", std::optional<bool> align_corners = std::nullopt);

// F.upsample (deprecated alias of interpolate).
Tensor upsample(const Tensor& x, const std::vector<int64_t>& size = {}, const std::vector<double>& scale_factor = {},
                std::string_view mode = "nearest", std::optional<bool> align_corners = std::nullopt);
// F.upsample_nearest: interpolate(..., "nearest").
Tensor upsample_nearest(const Tensor& x, const std::vector<int64_t>& size = {},
                        const std::vector<double>& scale_factor = {});
// F.upsample_bilinear: interpolate(..., "bilinear", align_corners = true), as PyTorch defines it.
Tensor upsample_bilinear(const Tensor& x, const std::vector<int64_t>& size = {},
                         const std::vector<double>& scale_factor = {});

}  // namespace qjit
