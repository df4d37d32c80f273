// fuse_modules (torch.ao.quantization.fuse_modules, PyTorch 1.13.1, eval mode): replaces a run of modules named in
// the model by one fused module, the others by nn.Identity, so that convert() quantizes the run as one kernel
// (conv + bias + ReLU in one epilogue). Supported runs, as fuse_known_modules:
//   (Conv1d/2d/3d, BatchNorm1d/2d/3d)        -> the conv with BN folded in (workflow/fusion.h)
//   (Conv, BatchNorm, ReLU)                   -> nni.ConvReLU{1,2,3}d of the folded conv
//   (Conv, ReLU)                              -> nni.ConvReLU{1,2,3}d
//   (Linear, BatchNorm1d)                     -> the linear with BN folded in
//   (Linear, ReLU)                            -> nni.LinearReLU
//   (BatchNorm2d/3d, ReLU)                    -> nni.BNReLU2d/3d
//   (ConvTranspose1d/2d/3d, BatchNorm)        -> the transposed conv with BN folded in
// Folding needs eval mode (PyTorch's QAT fusion keeps ConvBn modules instead; qjit has no QAT modules yet): a
// module in train mode is a qjit::Error, as are an unsupported run, a run in the wrong order (ReLU, Conv),
// mismatched channel counts and names that are not in the model. As in PyTorch, the forward hooks of the run's
// last module move to the fused module (a folded conv or linear is a copy of the first module, its hooks included).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "qlayers/module.h"

namespace qjit {

// fuse_modules(model, modules_to_fuse, inplace): each entry of modules_to_fuse is a list of dotted names. Returns
// the fused model (`model` itself when inplace, else a deep copy; the float weights are never written to).
std::shared_ptr<nn::Module> fuse_modules(std::shared_ptr<nn::Module> model,
                                         const std::vector<std::vector<std::string>>& modules_to_fuse,
                                         bool inplace = false);

// fuse_known_modules: the fused module of one run (the first slot's replacement), or a qjit::Error.
std::shared_ptr<nn::Module> fuse_known_modules(const std::vector<std::shared_ptr<nn::Module>>& mods);

}  // namespace qjit
