// torch.nn.Conv{1,2,3}d and ConvTranspose{1,2,3}d in fp32, on channels-first tensors (N, C, *spatial), or
// unbatched (C, *spatial) as PyTorch 1.13 accepts. A channels_last input is read through contiguous().
// Lowering: per image and group, im2col + sgemm (convolution) or sgemm + col2im (transposed convolution), see
// kernels/im2col_f32.h; a 1x1 / stride 1 / no-padding convolution skips im2col.
// Arguments, their order and defaults are PyTorch's; "int or tuple" arguments take one value or one per spatial
// dimension. Parameters are public: weight [out, in/groups, *kernel] (transposed: [in, out/groups, *kernel]), bias
// [out] (undefined with bias=false); they start at zero.
// Deviation: padding_mode must be "zeros" and padding a number (PyTorch also has reflect / replicate / circular and
// padding="same"/"valid"); other values throw qjit::Error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qlayers/module.h"
#include "workflow/nn/module_state.h"

namespace qjit::nn {

// PyTorch's _ConvNd: the state and printing shared by every convolution module.
class ConvBase : public Module, public HasState {
 public:
  std::string extra_repr() const override;
  std::vector<StateEntry> local_state() override;
  int spatial_dims() const { return static_cast<int>(kernel_size.size()); }

  int64_t in_channels, out_channels;
  std::vector<int64_t> kernel_size, stride, padding, dilation, output_padding;  // one value per spatial dim
  bool transposed;
  int64_t groups;
  std::string padding_mode;
  Tensor weight, bias;

 protected:
  ConvBase(int dims, bool transposed, int64_t in_channels, int64_t out_channels, const std::vector<int64_t>& kernel_size,
           const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
           const std::vector<int64_t>& output_padding, const std::vector<int64_t>& dilation, int64_t groups, bool bias,
           const std::string& padding_mode, const std::string& name);
  Tensor run(const Tensor& x) const;
};

// Conv1d / Conv2d / Conv3d (PyTorch's argument order: ..., stride, padding, dilation, groups, bias, padding_mode).
template <int Dims>
class ConvNd : public ModuleBase<ConvNd<Dims>, ConvBase> {
 public:
  ConvNd(int64_t in_channels, int64_t out_channels, const std::vector<int64_t>& kernel_size,
         const std::vector<int64_t>& stride = {1}, const std::vector<int64_t>& padding = {0},
         const std::vector<int64_t>& dilation = {1}, int64_t groups = 1, bool bias = true,
         const std::string& padding_mode = "zeros")
      : ModuleBase<ConvNd<Dims>, ConvBase>(Dims, false, in_channels, out_channels, kernel_size, stride, padding, {0},
                                           dilation, groups, bias, padding_mode, "nn.Conv" + std::to_string(Dims) + "d") {}
  std::string type_name() const override { return "Conv" + std::to_string(Dims) + "d"; }
  std::string qualified_name() const override { return "nn." + type_name(); }
  Tensor forward(const Tensor& x) override { return this->run(x); }
};

// ConvTranspose1d / 2d / 3d (PyTorch's argument order: ..., stride, padding, output_padding, groups, bias, dilation,
// padding_mode). Output size per dimension: (in - 1) * stride - 2 * padding + dilation * (kernel - 1) +
// output_padding + 1; output_padding must be smaller than stride or dilation.
template <int Dims>
class ConvTransposeNd : public ModuleBase<ConvTransposeNd<Dims>, ConvBase> {
 public:
  ConvTransposeNd(int64_t in_channels, int64_t out_channels, const std::vector<int64_t>& kernel_size,
                  const std::vector<int64_t>& stride = {1}, const std::vector<int64_t>& padding = {0},
                  const std::vector<int64_t>& output_padding = {0}, int64_t groups = 1, bool bias = true,
                  const std::vector<int64_t>& dilation = {1}, const std::string& padding_mode = "zeros")
      : ModuleBase<ConvTransposeNd<Dims>, ConvBase>(Dims, true, in_channels, out_channels, kernel_size, stride, padding,
                                                    output_padding, dilation, groups, bias, padding_mode,
                                                    "nn.ConvTranspose" + std::to_string(Dims) + "d") {}
  std::string type_name() const override { return "ConvTranspose" + std::to_string(Dims) + "d"; }
  std::string qualified_name() const override { return "nn." + type_name(); }
  Tensor forward(const Tensor& x) override { return this->run(x); }
};

using Conv1d = ConvNd<1>;
using Conv2d = ConvNd<2>;
using Conv3d = ConvNd<3>;
using ConvTranspose1d = ConvTransposeNd<1>;
using ConvTranspose2d = ConvTransposeNd<2>;
using ConvTranspose3d = ConvTransposeNd<3>;

// The functional forms (torch.nn.functional.conv{1,2,3}d / conv_transpose{1,2,3}d), the number of spatial
// dimensions taken from the weight; stride, padding, dilation, output_padding hold one value per spatial dimension.
Tensor conv_nd(const Tensor& x, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
               const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv_transpose_nd(const Tensor& x, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
                         const std::vector<int64_t>& padding, const std::vector<int64_t>& output_padding,
                         const std::vector<int64_t>& dilation, int64_t groups);

}  // namespace qjit::nn
