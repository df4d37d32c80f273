#include "qlayers/linear.h"

#include <string>

#include "base/error.h"
#include "kernels/gemm.h"
#include "packing/blob.h"
#include "qlayers/repr.h"

namespace qjit {

namespace {

Tensor linear(const char* fn, const Tensor& x, const LinearPackedParams& packed, double output_scale,
              int64_t output_zero_point, RequantFormula formula, bool relu) {
  check_arg(x.defined(), fn, "x", "undefined", "must be a quint8 tensor");
  check_arg(x.dtype() == DType::quint8, fn, "x.dtype", dtype_name(x.dtype()), "must be quint8");
  check_arg(x.qscheme() == QScheme::per_tensor_affine || x.qscheme() == QScheme::per_tensor_symmetric, fn,
            "x.qscheme", qscheme_name(x.qscheme()), "must be per-tensor");
  check_arg(x.dim() >= 1 && x.size(-1) == packed.in_features(), fn, "x.sizes", shape_str(x.sizes()),
            "the last dimension must be in_features (" + std::to_string(packed.in_features()) + ")");
  check_scale(fn, "output_scale", output_scale);
  check_zero_point(fn, "output_zero_point", output_zero_point, 0, 255);

  std::vector<int64_t> out_sizes = x.sizes();
  out_sizes.back() = packed.out_features();
  Tensor y = empty_affine_quantized(out_sizes, output_scale, output_zero_point, DType::quint8);
  const size_t K = static_cast<size_t>(packed.in_features()), N = static_cast<size_t>(packed.out_features());
  const size_t M = static_cast<size_t>(x.numel()) / K;
  if (M == 0) return y;
  const Tensor xc = x.contiguous();
  const auto constants = packed.requant_constants(formula, xc.q_scale(), output_scale);
  const OutputStage stage = requant_output_stage(*constants, static_cast<int32_t>(output_zero_point), relu);
  gemm(xc.data_ptr<uint8_t>(), K, static_cast<int32_t>(xc.q_zero_point()), M, packed.packed(), y.data_ptr<uint8_t>(),
       N, stage, Exec{packed.isa()});
  return y;
}

}  // namespace

Tensor quantized_linear(const Tensor& x, const LinearPackedParams& packed, double output_scale,
                        int64_t output_zero_point, RequantFormula formula) {
  return linear("quantized_linear", x, packed, output_scale, output_zero_point, formula, false);
}

Tensor quantized_linear_relu(const Tensor& x, const LinearPackedParams& packed, double output_scale,
                             int64_t output_zero_point, RequantFormula formula) {
  return linear("quantized_linear_relu", x, packed, output_scale, output_zero_point, formula, true);
}

}  // namespace qjit

namespace qjit::nnq {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, DType dtype) {
  constexpr const char* fn = "nnq.Linear";
  check_arg(in_features > 0, fn, "in_features", in_features, "must be > 0");
  check_arg(out_features > 0, fn, "out_features", out_features, "must be > 0");
  check_arg(dtype == DType::qint8, fn, "dtype", dtype_name(dtype), "must be qint8 (the only weight dtype supported)");
  const Tensor w = make_per_tensor_quantized_tensor(zeros({out_features, in_features}, DType::int8), 1.0, 0);
  packed_ = LinearPackedParams::prepack(w, bias ? zeros({out_features}) : Tensor());
}

std::shared_ptr<Linear> Linear::from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                               int64_t zero_point) {
  auto m = std::make_shared<Linear>(1, 1, false);
  m->init_from_quantized("nnq.Linear.from_quantized", qweight, bias, scale, zero_point);
  return m;
}

void Linear::init_from_quantized(const char* fn, const Tensor& qweight, const Tensor& bias, double s, int64_t zp) {
  check_scale(fn, "scale", s);
  check_zero_point(fn, "zero_point", zp, 0, 255);
  packed_ = LinearPackedParams::prepack(qweight, bias);  // takes its shape from qweight
  scale = s;
  zero_point = zp;
}

void Linear::set_weight_bias(const Tensor& qweight, const Tensor& bias) {
  constexpr const char* fn = "nnq.Linear.set_weight_bias";
  if (packed_ && qweight.defined())
    check_arg(qweight.sizes() == std::vector<int64_t>{out_features(), in_features()}, fn, "qweight.sizes",
              shape_str(qweight.sizes()),
              "must be [out_features, in_features] = " + shape_str({out_features(), in_features()}));
  packed_ = LinearPackedParams::prepack(qweight, bias);
}

Tensor Linear::forward(const Tensor& x) {
  return fused_relu() ? quantized_linear_relu(x, *packed_, scale, zero_point)
                      : quantized_linear(x, *packed_, scale, zero_point);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features()) + ", out_features=" + std::to_string(out_features()) +
         ", scale=" + python_float_repr(scale) + ", zero_point=" + std::to_string(zero_point) +
         ", qscheme=" + qscheme_name(packed_->weight_quantizer().scheme);
}

// ---- Serialization: "QJITNNQL" | u32 version | u8 fused relu | f64 scale | i64 zero point |
//      u64-prefixed LinearPackedParams blob | u32 crc32.
namespace {
constexpr char kMagic[8] = {'Q', 'J', 'I', 'T', 'N', 'N', 'Q', 'L'};
constexpr uint32_t kVersion = 1;
}  // namespace

std::vector<uint8_t> Linear::serialize() const {
  BlobWriter w(kMagic);
  w.put(kVersion);
  w.put(static_cast<uint8_t>(fused_relu()));
  w.put(scale);
  w.put(zero_point);
  w.put_blob(packed_->serialize());
  return w.finish();
}

void Linear::load(const uint8_t* data, size_t size, const char* fn) {
  BlobReader r(fn, data, size, kMagic, "a qjit quantized Linear blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const bool relu = r.get<uint8_t>("fused relu") != 0;
  check_arg(relu == fused_relu(), fn, "module", relu ? "nniq.LinearReLU" : "nnq.Linear",
            std::string("the blob holds another module type than ") + qualified_name());
  const double s = r.get<double>("scale");
  const int64_t zp = r.get<int64_t>("zero point");
  check_scale(fn, "scale", s);
  check_zero_point(fn, "zero_point", zp, 0, 255);
  const auto [blob, blob_size] = r.get_blob("packed weights");
  r.expect_end();
  packed_ = LinearPackedParams::deserialize(blob, blob_size);
  scale = s;
  zero_point = zp;
}

std::shared_ptr<Linear> Linear::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<Linear>(1, 1, false);
  m->load(data, size, "nnq.Linear.deserialize");
  return m;
}

}  // namespace qjit::nnq

namespace qjit::nniq {

std::shared_ptr<LinearReLU> LinearReLU::from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                                       int64_t zero_point) {
  auto m = std::make_shared<LinearReLU>(1, 1, false);
  m->init_from_quantized("nniq.LinearReLU.from_quantized", qweight, bias, scale, zero_point);
  return m;
}

std::shared_ptr<LinearReLU> LinearReLU::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<LinearReLU>(1, 1, false);
  m->load(data, size, "nniq.LinearReLU.deserialize");
  return m;
}

}  // namespace qjit::nniq
