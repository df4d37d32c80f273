#include "qlayers/dynamic_linear.h"

#include <sstream>

#include "base/error.h"
#include "qlayers/byte_stream.h"
#include "qlayers/functional_linear_dynamic.h"

namespace qjit::nnqd {
namespace {

constexpr uint32_t kMagic = 0x4c445151;  // "QQDL"
constexpr uint32_t kVersion = 1;

DynamicLinearPackedParams initial_params(int64_t in_features, int64_t out_features, bool bias, DType dtype) {
  constexpr std::string_view fn = "nnqd.Linear";
  check_arg(in_features > 0, fn, "in_features", in_features, "must be > 0");
  check_arg(out_features > 0, fn, "out_features", out_features, "must be > 0");
  check_arg(dtype == DType::qint8 || dtype == DType::float16, fn, "dtype", dtype_name(dtype),
            "must be qint8 or float16");
  const Tensor b = bias ? zeros({out_features}) : Tensor();
  if (dtype == DType::float16) return DynamicLinearPackedParams::from_float_fp16(zeros({out_features, in_features}), b, fn);
  const Tensor w = make_per_tensor_quantized_tensor(zeros({out_features, in_features}, DType::int8), 1.0, 0);
  return DynamicLinearPackedParams::from_qweight(w, b, fn);
}

}  // namespace

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, DType dtype)
    : packed_(initial_params(in_features, out_features, bias, dtype)) {}

std::shared_ptr<Linear> Linear::from_quantized(const Tensor& qweight, const Tensor& bias, double scale,
                                               int64_t zero_point) {
  auto m = std::shared_ptr<Linear>(new Linear(DynamicLinearPackedParams::from_qweight(qweight, bias, "nnqd.Linear.from_quantized")));
  m->scale = scale;
  m->zero_point = zero_point;
  return m;
}

std::shared_ptr<Linear> Linear::from_float_weight_fp16(const Tensor& weight, const Tensor& bias) {
  return std::shared_ptr<Linear>(
      new Linear(DynamicLinearPackedParams::from_float_fp16(weight, bias, "nnqd.Linear.from_float_weight_fp16")));
}

void Linear::set_weight_bias(const Tensor& weight, const Tensor& bias) {
  constexpr std::string_view fn = "nnqd.Linear.set_weight_bias";
  DynamicLinearPackedParams p = dtype() == DType::float16
                                    ? DynamicLinearPackedParams::from_float_fp16(weight, bias, fn)
                                    : DynamicLinearPackedParams::from_qweight(weight, bias, fn);
  packed_ = std::move(p);
}

std::string Linear::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << in_features() << ", out_features=" << out_features() << ", dtype=torch."
     << dtype_name(dtype());
  if (dtype() == DType::qint8)
    os << ", qscheme=torch." << (packed_.per_channel() ? "per_channel_affine" : "per_tensor_affine");
  return os.str();
}

Tensor Linear::forward(const Tensor& x) {
  return dtype() == DType::float16 ? linear_dynamic_fp16(x, packed_) : quantized_linear_dynamic(x, packed_, true);
}

std::vector<uint8_t> Linear::serialize() const {
  ByteWriter w;
  w.put(kMagic);
  w.put(kVersion);
  w.put(scale);
  w.put(zero_point);
  w.put_bytes(packed_.serialize());
  return w.seal();
}

std::shared_ptr<Linear> Linear::deserialize(const uint8_t* data, size_t size) {
  constexpr std::string_view fn = "nnqd.Linear.deserialize";
  ByteReader r(fn, data, size);
  const uint32_t magic = r.get<uint32_t>("magic");
  check_arg(magic == kMagic, fn, "magic", magic, "not an nnqd.Linear blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const double scale = r.get<double>("scale");
  const int64_t zero_point = r.get<int64_t>("zero_point");
  const auto [bytes, n] = r.get_bytes("packed params");
  auto m = std::shared_ptr<Linear>(new Linear(DynamicLinearPackedParams::deserialize(bytes, n)));
  r.expect_end();
  m->scale = scale;
  m->zero_point = zero_point;
  return m;
}

}  // namespace qjit::nnqd
