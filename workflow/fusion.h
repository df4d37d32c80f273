// BatchNorm folding (torch.nn.utils.fusion, PyTorch 1.13.1), in float32 exactly as PyTorch evaluates it
// (NUMERICS.md section 6):
//   s  = bn_w * rsqrt(var + eps)
//   W' = W * s, s broadcast along dim 0 ([-1, 1, 1, ..]; dim 1 for a transposed convolution's [in, out/g, ...])
//   b' = (b - mean) * rsqrt(var + eps) * bn_w + bn_b      (conv, left to right)
//   b' = (b - mean) * s + bn_b                             (linear)
// A missing bias is zeros; a BatchNorm without affine parameters is weight 1, bias 0 (pass undefined tensors).
#pragma once

#include <utility>

#include "qlayers/tensor.h"

namespace qjit {

// fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose): returns (W', b').
// transpose: conv_w is a ConvTranspose weight [in, out/groups, k...] (only groups == 1 folds along dim 1 exactly as
// PyTorch's reshape does; grouped transposed weights are an error here rather than PyTorch's silent mismatch).
std::pair<Tensor, Tensor> fuse_conv_bn_weights(const Tensor& conv_w, const Tensor& conv_b, const Tensor& bn_rm,
                                               const Tensor& bn_rv, double bn_eps, const Tensor& bn_w,
                                               const Tensor& bn_b, bool transpose = false);

// fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b): returns (W', b').
std::pair<Tensor, Tensor> fuse_linear_bn_weights(const Tensor& linear_w, const Tensor& linear_b, const Tensor& bn_rm,
                                                 const Tensor& bn_rv, double bn_eps, const Tensor& bn_w,
                                                 const Tensor& bn_b);

}  // namespace qjit
