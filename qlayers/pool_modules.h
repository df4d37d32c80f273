// Quantized pooling modules: nnq::MaxPool2d, nnq::AvgPool2d, nnq::AdaptiveAvgPool2d. PyTorch runs nn.MaxPool2d /
// AvgPool2d / AdaptiveAvgPool2d directly on quantized tensors; qjit gives them a quantized class so that
// convert() has a target. Arguments, defaults and printing follow torch.nn; forward calls the functional op of
// qlayers/functional_pool.h (output keeps the input's quantization parameters and memory format).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "qlayers/module.h"

namespace qjit::nnq {

class MaxPool2d : public nn::ModuleBase<MaxPool2d> {
 public:
  // stride empty: stride = kernel_size. Arguments are checked as the functional op checks them.
  explicit MaxPool2d(std::vector<int64_t> kernel_size, std::vector<int64_t> stride = {},
                     std::vector<int64_t> padding = {0}, std::vector<int64_t> dilation = {1}, bool ceil_mode = false);
  std::string type_name() const override { return "MaxPool2d"; }
  std::string qualified_name() const override { return "nnq.MaxPool2d"; }
  // "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False"
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;

  std::vector<int64_t> kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

class AvgPool2d : public nn::ModuleBase<AvgPool2d> {
 public:
  explicit AvgPool2d(std::vector<int64_t> kernel_size, std::vector<int64_t> stride = {},
                     std::vector<int64_t> padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                     std::optional<int64_t> divisor_override = std::nullopt);
  std::string type_name() const override { return "AvgPool2d"; }
  std::string qualified_name() const override { return "nnq.AvgPool2d"; }
  // "kernel_size=2, stride=2, padding=0"
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;

  std::vector<int64_t> kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
  std::optional<int64_t> divisor_override;
};

class AdaptiveAvgPool2d : public nn::ModuleBase<AdaptiveAvgPool2d> {
 public:
  explicit AdaptiveAvgPool2d(std::vector<int64_t> output_size);
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }
  std::string qualified_name() const override { return "nnq.AdaptiveAvgPool2d"; }
  // "output_size=1" / "output_size=(3, 4)"
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;

  std::vector<int64_t> output_size;
};

}  // namespace qjit::nnq
