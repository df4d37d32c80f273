// Element-wise float activations (torch.nn.ReLU, ReLU6, Hardswish, ELU, LeakyReLU, Sigmoid, Tanh), Dropout and
// Flatten, in fp32 on tensors of any shape (the output is a new contiguous tensor; `inplace` is accepted for
// PyTorch's signature and printing, and the input is never modified).
// Deviation: Dropout is the identity in train mode too (no random mask): this library's float modules serve
// calibration and reference evaluation, not training.
#pragma once

#include <cstdint>

#include "qlayers/module.h"

namespace qjit::nn {

// y[i] = f(x[i]) for a float32 x of any shape; `fn` names the caller in messages.
Tensor map_float(std::string_view fn, const Tensor& x, float (*f)(float, const float*), const float* args = nullptr);

class ReLU : public ModuleBase<ReLU> {
 public:
  explicit ReLU(bool inplace = false) : inplace(inplace) {}
  std::string type_name() const override { return "ReLU"; }
  std::string qualified_name() const override { return "nn.ReLU"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
  bool inplace;
};

// min(max(x, 0), 6)
class ReLU6 : public ModuleBase<ReLU6> {
 public:
  explicit ReLU6(bool inplace = false) : inplace(inplace) {}
  std::string type_name() const override { return "ReLU6"; }
  std::string qualified_name() const override { return "nn.ReLU6"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
  bool inplace;
};

// x * min(max(x + 3, 0), 6) / 6
class Hardswish : public ModuleBase<Hardswish> {
 public:
  explicit Hardswish(bool inplace = false) : inplace(inplace) {}
  std::string type_name() const override { return "Hardswish"; }
  std::string qualified_name() const override { return "nn.Hardswish"; }
  Tensor forward(const Tensor& x) override;
  bool inplace;
};

// x > 0 ? x : alpha * (exp(x) - 1)
class ELU : public ModuleBase<ELU> {
 public:
  explicit ELU(double alpha = 1.0, bool inplace = false) : alpha(alpha), inplace(inplace) {}
  std::string type_name() const override { return "ELU"; }
  std::string qualified_name() const override { return "nn.ELU"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double alpha;
  bool inplace;
};

// x >= 0 ? x : negative_slope * x
class LeakyReLU : public ModuleBase<LeakyReLU> {
 public:
  explicit LeakyReLU(double negative_slope = 0.01, bool inplace = false)
      : negative_slope(negative_slope), inplace(inplace) {}
  std::string type_name() const override { return "LeakyReLU"; }
  std::string qualified_name() const override { return "nn.LeakyReLU"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double negative_slope;
  bool inplace;
};

class Sigmoid : public ModuleBase<Sigmoid> {
 public:
  std::string type_name() const override { return "Sigmoid"; }
  std::string qualified_name() const override { return "nn.Sigmoid"; }
  Tensor forward(const Tensor& x) override;
};

class Tanh : public ModuleBase<Tanh> {
 public:
  std::string type_name() const override { return "Tanh"; }
  std::string qualified_name() const override { return "nn.Tanh"; }
  Tensor forward(const Tensor& x) override;
};

// Identity in both modes (see the header comment); p must lie in [0, 1] as PyTorch requires.
class Dropout : public ModuleBase<Dropout> {
 public:
  explicit Dropout(double p = 0.5, bool inplace = false);
  std::string type_name() const override { return "Dropout"; }
  std::string qualified_name() const override { return "nn.Dropout"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p;
  bool inplace;
};

// Flattens dimensions start_dim..end_dim (negative counts from the end) into one; a view of a contiguous input.
class Flatten : public ModuleBase<Flatten> {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  std::string type_name() const override { return "Flatten"; }
  std::string qualified_name() const override { return "nn.Flatten"; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};

// torch.flatten.
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);

}  // namespace qjit::nn
