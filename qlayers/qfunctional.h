// nnq.QFunctional: the quantized counterpart of nn.FloatFunctional, what convert() puts where a model wrote
// `self.skip_add = nn.quantized.FloatFunctional()` and `self.skip_add.add(x, y)`. Its typed methods are the API;
// forward(x) throws as PyTorch's does. add / add_relu / mul / cat requantize to the module's scale / zero_point
// and run the `activation_post_process` child (an Identity, as in PyTorch); add_scalar / mul_scalar choose their
// own output qparams and are not observed, as in PyTorch.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "qlayers/module.h"

namespace qjit::nnq {

class QFunctional : public nn::ModuleBase<QFunctional> {
 public:
  QFunctional();
  // The module convert() builds from a FloatFunctional's observed output qparams.
  static std::shared_ptr<QFunctional> from_qparams(double scale, int64_t zero_point);

  std::string type_name() const override { return "QFunctional"; }
  std::string qualified_name() const override { return "nnq.QFunctional"; }
  std::string extra_repr() const override;
  // Throws qjit::Error: use the typed operations.
  Tensor forward(const Tensor& x) override;

  Tensor add(const Tensor& x, const Tensor& y);
  Tensor add_scalar(const Tensor& x, double y);
  Tensor mul(const Tensor& x, const Tensor& y);
  Tensor mul_scalar(const Tensor& x, double y);
  Tensor cat(const std::vector<Tensor>& x, int64_t dim = 0);
  Tensor add_relu(const Tensor& x, const Tensor& y);

  double scale = 1.0;
  int64_t zero_point = 0;

 private:
  Tensor post_process(const Tensor& r);
};

}  // namespace qjit::nnq
