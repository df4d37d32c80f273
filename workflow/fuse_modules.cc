#include "workflow/fuse_modules.h"

#include "base/error.h"
#include "workflow/fusion.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/conv.h"
#include "workflow/nn/fused.h"
#include "workflow/nn/linear.h"

namespace qjit {
namespace {

std::string run_names(const std::vector<std::shared_ptr<nn::Module>>& mods) {
  std::string s = "(";
  for (size_t i = 0; i < mods.size(); ++i) s += (i ? ", " : "") + mods[i]->qualified_name();
  return s + ")";
}

// The conv (or transposed conv) with the BatchNorm folded in: a copy of the module with new weight and bias.
std::shared_ptr<nn::ConvBase> fold_conv(const nn::ConvBase& conv, const nn::BatchNormBase& bn) {
  check_arg(bn.num_features == conv.out_channels, "fuse_modules", "BatchNorm num_features", bn.num_features,
            "must equal the conv's out_channels (" + std::to_string(conv.out_channels) + ")");
  auto fused = std::static_pointer_cast<nn::ConvBase>(conv.clone_self());
  auto [w, b] = fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps,
                                     bn.affine ? bn.weight : Tensor(), bn.affine ? bn.bias : Tensor(), conv.transposed);
  fused->weight = w;
  fused->bias = b;
  return fused;
}

std::shared_ptr<nn::Linear> fold_linear(const nn::Linear& lin, const nn::BatchNormBase& bn) {
  check_arg(bn.num_features == lin.out_features, "fuse_modules", "BatchNorm num_features", bn.num_features,
            "must equal the linear's out_features (" + std::to_string(lin.out_features) + ")");
  auto fused = std::static_pointer_cast<nn::Linear>(lin.clone_self());
  auto [w, b] = fuse_linear_bn_weights(lin.weight, lin.bias, bn.running_mean, bn.running_var, bn.eps,
                                       bn.affine ? bn.weight : Tensor(), bn.affine ? bn.bias : Tensor());
  fused->weight = w;
  fused->bias = b;
  return fused;
}

std::shared_ptr<nn::Module> conv_relu(const std::shared_ptr<nn::ConvBase>& conv, const std::shared_ptr<nn::Module>& relu) {
  auto r = std::static_pointer_cast<nn::ReLU>(relu);
  switch (conv->spatial_dims()) {
    case 1: return std::make_shared<nni::ConvReLU1d>(std::static_pointer_cast<nn::Conv1d>(conv), r);
    case 2: return std::make_shared<nni::ConvReLU2d>(std::static_pointer_cast<nn::Conv2d>(conv), r);
    default: return std::make_shared<nni::ConvReLU3d>(std::static_pointer_cast<nn::Conv3d>(conv), r);
  }
}

bool is_bn(const nn::Module& m, int dims) {
  return m.qualified_name() == "nn.BatchNorm" + std::to_string(dims) + "d";
}

}  // namespace

std::shared_ptr<nn::Module> fuse_known_modules(const std::vector<std::shared_ptr<nn::Module>>& mods) {
  check_arg(mods.size() == 2 || mods.size() == 3, "fuse_modules", "modules", run_names(mods),
            "a run of 2 or 3 modules is needed");
  for (const auto& m : mods)
    check_arg(!m->is_training(), "fuse_modules", "module", m->qualified_name(),
              "is in training mode: call eval() first (QAT fusion is not supported)");
  const bool relu_last = mods.back()->qualified_name() == "nn.ReLU";
  auto* conv = dynamic_cast<nn::ConvBase*>(mods[0].get());
  if (conv) {
    const int dims = conv->spatial_dims();
    if (mods.size() == 2 && relu_last && !conv->transposed)
      return conv_relu(std::static_pointer_cast<nn::ConvBase>(mods[0]), mods[1]);
    // PyTorch pairs Conv1d with BatchNorm1d, Conv2d with BatchNorm2d, Conv3d with BatchNorm3d.
    if (is_bn(*mods[1], dims) && (mods.size() == 2 || (relu_last && !conv->transposed))) {
      auto folded = fold_conv(*conv, static_cast<const nn::BatchNormBase&>(*mods[1]));
      return mods.size() == 2 ? std::static_pointer_cast<nn::Module>(folded) : conv_relu(folded, mods[2]);
    }
  } else if (auto* lin = dynamic_cast<nn::Linear*>(mods[0].get()); lin && mods.size() == 2) {
    if (relu_last)
      return std::make_shared<nni::LinearReLU>(std::static_pointer_cast<nn::Linear>(mods[0]),
                                               std::static_pointer_cast<nn::ReLU>(mods[1]));
    if (is_bn(*mods[1], 1)) return fold_linear(*lin, static_cast<const nn::BatchNormBase&>(*mods[1]));
  } else if (mods.size() == 2 && relu_last) {
    if (is_bn(*mods[0], 2))
      return std::make_shared<nni::BNReLU2d>(std::static_pointer_cast<nn::BatchNorm2d>(mods[0]),
                                             std::static_pointer_cast<nn::ReLU>(mods[1]));
    if (is_bn(*mods[0], 3))
      return std::make_shared<nni::BNReLU3d>(std::static_pointer_cast<nn::BatchNorm3d>(mods[0]),
                                             std::static_pointer_cast<nn::ReLU>(mods[1]));
  }
  throw_bad_arg("fuse_modules", "modules", run_names(mods),
                "not a supported run: (Conv, BN), (Conv, BN, ReLU), (Conv, ReLU), (Linear, BN), (Linear, ReLU), "
                "(BN, ReLU), (ConvTranspose, BN), in that order");
}

std::shared_ptr<nn::Module> fuse_modules(std::shared_ptr<nn::Module> model,
                                         const std::vector<std::vector<std::string>>& modules_to_fuse, bool inplace) {
  check_arg(model != nullptr, "fuse_modules", "model", "null", "must not be null");
  if (!inplace) model = model->deep_clone();
  for (const auto& names : modules_to_fuse) {
    std::vector<std::shared_ptr<nn::Module>> mods;
    for (const auto& n : names) mods.push_back(model->get_submodule(n));
    std::shared_ptr<nn::Module> fused = fuse_known_modules(mods);
    // As PyTorch: the last module's forward hooks move to the fused module, which now produces that output.
    for (const auto& [handle, hook] : mods.back()->forward_hooks()) fused->register_forward_hook(hook);
    mods.back()->clear_forward_hooks();
    model->set_submodule(names[0], fused);
    for (size_t i = 1; i < names.size(); ++i) model->set_submodule(names[i], std::make_shared<nn::Identity>());
  }
  return model;
}

}  // namespace qjit
