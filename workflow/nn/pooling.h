// torch.nn.MaxPool2d, AvgPool2d and AdaptiveAvgPool2d in fp32 on (N, C, H, W) or unbatched (C, H, W) tensors.
// Output size, as PyTorch computes it: out = floor_or_ceil((in + 2*padding - dilation*(kernel-1) - 1) / stride) + 1,
// and with ceil_mode the last window must start inside the input or its left padding. MaxPool padding is -inf;
// AvgPool divides by the window clipped to input+padding (count_include_pad) or to the input, or by
// divisor_override. Adaptive windows are [floor(o*in/out), ceil((o+1)*in/out)).
// Deviation: MaxPool2d's return_indices is not supported (indices are only used by MaxUnpool).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "qlayers/module.h"

namespace qjit::nn {

class MaxPool2d : public ModuleBase<MaxPool2d> {
 public:
  // stride empty = kernel_size, as PyTorch's stride=None.
  explicit MaxPool2d(const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride = {},
                     const std::vector<int64_t>& padding = {0}, const std::vector<int64_t>& dilation = {1},
                     bool return_indices = false, bool ceil_mode = false);
  std::string type_name() const override { return "MaxPool2d"; }
  std::string qualified_name() const override { return "nn.MaxPool2d"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<int64_t> kernel_size, stride, padding, dilation;  // as given (1 or 2 values), printed so
  bool return_indices, ceil_mode;
};

class AvgPool2d : public ModuleBase<AvgPool2d> {
 public:
  explicit AvgPool2d(const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride = {},
                     const std::vector<int64_t>& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                     std::optional<int64_t> divisor_override = std::nullopt);
  std::string type_name() const override { return "AvgPool2d"; }
  std::string qualified_name() const override { return "nn.AvgPool2d"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<int64_t> kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
  std::optional<int64_t> divisor_override;
};

class AdaptiveAvgPool2d : public ModuleBase<AdaptiveAvgPool2d> {
 public:
  explicit AdaptiveAvgPool2d(const std::vector<int64_t>& output_size);
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }
  std::string qualified_name() const override { return "nn.AdaptiveAvgPool2d"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<int64_t> output_size;
};

// The functional forms; each size argument holds 1 or 2 values (stride empty = kernel_size).
Tensor max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride = {},
                  const std::vector<int64_t>& padding = {0}, const std::vector<int64_t>& dilation = {1},
                  bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride = {},
                  const std::vector<int64_t>& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor adaptive_avg_pool2d(const Tensor& x, const std::vector<int64_t>& output_size);

}  // namespace qjit::nn
