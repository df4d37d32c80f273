// The fused float modules of torch.nn.intrinsic (qjit::nni): containers of their parts, children "0", "1"
// (and "2"), run in order like nn.Sequential. fuse_modules() builds them; prepare/convert map them to their
// quantized (nniq) or QAT counterparts. The parts are typed by the constructor (PyTorch asserts their types at
// run time); a null part is a qjit::Error naming it.
#pragma once

#include <memory>
#include <string>

#include "qlayers/module.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/conv.h"
#include "workflow/nn/linear.h"

namespace qjit::nni {

// PyTorch's _FusedModule: a Sequential whose parts are given at construction.
class FusedModule : public nn::Sequential {
 protected:
  FusedModule() = default;
  // Appends a part as the next child, or throws naming `fused` and the part's position when it is null.
  void add_part(const char* fused, std::shared_ptr<nn::Module> part);
};

// A fused module named Name made of Parts..., in order.
template <const char* Name, class... Parts>
class Fused : public nn::ModuleBase<Fused<Name, Parts...>, FusedModule> {
 public:
  explicit Fused(std::shared_ptr<Parts>... parts) { (this->add_part(Name, std::move(parts)), ...); }
  std::string type_name() const override { return Name; }
  std::string qualified_name() const override { return std::string("nni.") + Name; }
};

namespace names {
inline constexpr char ConvReLU1d[] = "ConvReLU1d", ConvReLU2d[] = "ConvReLU2d", ConvReLU3d[] = "ConvReLU3d";
inline constexpr char ConvBn1d[] = "ConvBn1d", ConvBn2d[] = "ConvBn2d", ConvBn3d[] = "ConvBn3d";
inline constexpr char ConvBnReLU1d[] = "ConvBnReLU1d", ConvBnReLU2d[] = "ConvBnReLU2d",
                      ConvBnReLU3d[] = "ConvBnReLU3d";
inline constexpr char LinearReLU[] = "LinearReLU", LinearBn1d[] = "LinearBn1d";
inline constexpr char BNReLU2d[] = "BNReLU2d", BNReLU3d[] = "BNReLU3d";
}  // namespace names

using ConvReLU1d = Fused<names::ConvReLU1d, nn::Conv1d, nn::ReLU>;
using ConvReLU2d = Fused<names::ConvReLU2d, nn::Conv2d, nn::ReLU>;
using ConvReLU3d = Fused<names::ConvReLU3d, nn::Conv3d, nn::ReLU>;
using ConvBn1d = Fused<names::ConvBn1d, nn::Conv1d, nn::BatchNorm1d>;
using ConvBn2d = Fused<names::ConvBn2d, nn::Conv2d, nn::BatchNorm2d>;
using ConvBn3d = Fused<names::ConvBn3d, nn::Conv3d, nn::BatchNorm3d>;
using ConvBnReLU1d = Fused<names::ConvBnReLU1d, nn::Conv1d, nn::BatchNorm1d, nn::ReLU>;
using ConvBnReLU2d = Fused<names::ConvBnReLU2d, nn::Conv2d, nn::BatchNorm2d, nn::ReLU>;
using ConvBnReLU3d = Fused<names::ConvBnReLU3d, nn::Conv3d, nn::BatchNorm3d, nn::ReLU>;
using LinearReLU = Fused<names::LinearReLU, nn::Linear, nn::ReLU>;
using LinearBn1d = Fused<names::LinearBn1d, nn::Linear, nn::BatchNorm1d>;
using BNReLU2d = Fused<names::BNReLU2d, nn::BatchNorm2d, nn::ReLU>;
using BNReLU3d = Fused<names::BNReLU3d, nn::BatchNorm3d, nn::ReLU>;

}  // namespace qjit::nni
