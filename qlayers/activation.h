// Quantized activation modules of torch.ao.nn.quantized (qjit::nnq): ReLU6, Hardswish, ELU, LeakyReLU, Sigmoid,
// Softmax. Each holds the output quantization parameters PyTorch's module holds (set by convert() from the float
// module's observer) and calls the functional op of qlayers/functional_activation.h in forward.
// Names, constructor arguments, defaults and printing follow PyTorch 1.13.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "qlayers/module.h"

namespace qjit::nnq {

// nnq.ReLU6(inplace=False): keeps the input qparams. inplace is accepted for PyTorch parity; outputs are new tensors.
class ReLU6 : public nn::ModuleBase<ReLU6> {
 public:
  explicit ReLU6(bool inplace = false) : inplace(inplace) {}
  std::string type_name() const override { return "ReLU6"; }
  std::string qualified_name() const override { return "nnq.ReLU6"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;
  bool inplace;
};

// nnq.Hardswish(scale, zero_point): output qparams.
class Hardswish : public nn::ModuleBase<Hardswish> {
 public:
  Hardswish(double scale, int64_t zero_point) : scale(scale), zero_point(zero_point) {}
  std::string type_name() const override { return "Hardswish"; }
  std::string qualified_name() const override { return "nnq.Hardswish"; }
  Tensor forward(const Tensor& x) override;
  double scale;
  int64_t zero_point;
};

// nnq.ELU(scale, zero_point, alpha=1.0).
class ELU : public nn::ModuleBase<ELU> {
 public:
  ELU(double scale, int64_t zero_point, double alpha = 1.0) : scale(scale), zero_point(zero_point), alpha(alpha) {}
  std::string type_name() const override { return "ELU"; }
  std::string qualified_name() const override { return "nnq.ELU"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;
  double scale;
  int64_t zero_point;
  double alpha;
};

// nnq.LeakyReLU(scale, zero_point, negative_slope=0.01, inplace=False).
class LeakyReLU : public nn::ModuleBase<LeakyReLU> {
 public:
  LeakyReLU(double scale, int64_t zero_point, double negative_slope = 0.01, bool inplace = false)
      : scale(scale), zero_point(zero_point), negative_slope(negative_slope), inplace(inplace) {}
  std::string type_name() const override { return "LeakyReLU"; }
  std::string qualified_name() const override { return "nnq.LeakyReLU"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;
  double scale;
  int64_t zero_point;
  double negative_slope;
  bool inplace;
};

// nnq.Sigmoid(output_scale, output_zero_point): PyTorch's attribute names.
class Sigmoid : public nn::ModuleBase<Sigmoid> {
 public:
  Sigmoid(double output_scale, int64_t output_zero_point)
      : output_scale(output_scale), output_zero_point(output_zero_point) {}
  std::string type_name() const override { return "Sigmoid"; }
  std::string qualified_name() const override { return "nnq.Sigmoid"; }
  Tensor forward(const Tensor& x) override;
  double output_scale;
  int64_t output_zero_point;
};

// nnq.Softmax(dim=None, scale=1.0, zero_point=0). Without dim, PyTorch's legacy choice: 0 for 0-, 1- and 3-d
// inputs, else 1.
class Softmax : public nn::ModuleBase<Softmax> {
 public:
  explicit Softmax(std::optional<int64_t> dim = std::nullopt, double scale = 1.0, int64_t zero_point = 0)
      : dim(dim), scale(scale), zero_point(zero_point) {}
  std::string type_name() const override { return "Softmax"; }
  std::string qualified_name() const override { return "nnq.Softmax"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override;
  std::optional<int64_t> dim;
  double scale;
  int64_t zero_point;
};

// Python's repr of a float ("1.0", "0.01", "1e-05"), for extra_repr.
std::string python_float(double v);

}  // namespace qjit::nnq
