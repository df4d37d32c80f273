// nnq.Quantize and nnq.DeQuantize: the edges of a quantized region, what convert() puts in place of QuantStub and
// DeQuantStub. Quantize turns a float tensor into a quantized one with fixed parameters (per tensor, from the
// observer of the stub it replaces); DeQuantize turns a quantized tensor back into float32.
#pragma once

#include <cstdint>
#include <string>

#include "qlayers/module.h"

namespace qjit::nnq {

class Quantize : public nn::ModuleBase<Quantize> {
 public:
  // dtype quint8, qint8 or qint32; scale finite and > 0; zero_point in the dtype's range (checked here).
  Quantize(double scale, int64_t zero_point, DType dtype = DType::quint8);
  std::string type_name() const override { return "Quantize"; }
  std::string qualified_name() const override { return "nnq.Quantize"; }
  std::string extra_repr() const override;
  // x: float32, any shape and memory format (kept).
  Tensor forward(const Tensor& x) override;

  double scale;
  int64_t zero_point;
  DType dtype;
};

class DeQuantize : public nn::ModuleBase<DeQuantize> {
 public:
  std::string type_name() const override { return "DeQuantize"; }
  std::string qualified_name() const override { return "nnq.DeQuantize"; }
  Tensor forward(const Tensor& x) override;
};

}  // namespace qjit::nnq
