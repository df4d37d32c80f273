#include "qlayers/linear_packed_params.h"

#include <cstring>
#include <string>

#include "base/error.h"
#include "packing/blob.h"
#include "qlayers/pack_options.h"

namespace qjit {

namespace detail {

WeightQParams check_quantized_weight(const char* fn, const Tensor& qweight, int64_t dim) {
  check_arg(qweight.defined(), fn, "qweight", "undefined", "must be a qint8 tensor");
  check_arg(qweight.dtype() == DType::qint8, fn, "qweight.dtype", dtype_name(qweight.dtype()), "must be qint8");
  check_arg(qweight.dim() == dim, fn, "qweight.sizes", shape_str(qweight.sizes()),
            "must have " + std::to_string(dim) + " dimensions");
  const QScheme s = qweight.qscheme();
  WeightQParams q{{}, {}};
  if (s == QScheme::per_tensor_affine || s == QScheme::per_tensor_symmetric) {
    q.scales = {qweight.q_scale()};
    q.zero_points = {static_cast<int32_t>(qweight.q_zero_point())};
  } else if (s == QScheme::per_channel_affine || s == QScheme::per_channel_symmetric) {
    check_arg(qweight.q_per_channel_axis() == 0, fn, "qweight.q_per_channel_axis", qweight.q_per_channel_axis(),
              "must be 0 (one scale per output channel)");
    q.scales = qweight.q_per_channel_scales();
    for (int64_t zp : qweight.q_per_channel_zero_points()) q.zero_points.push_back(static_cast<int32_t>(zp));
  } else {
    check_arg(false, fn, "qweight.qscheme", qscheme_name(s),
              "must be per_tensor_affine/symmetric or per_channel_affine/symmetric");
  }
  return q;
}

std::vector<float> check_bias(const char* fn, const Tensor& bias, int64_t out_channels) {
  if (!bias.defined()) return {};
  check_arg(bias.dtype() == DType::float32, fn, "bias.dtype", dtype_name(bias.dtype()), "must be float32");
  check_arg(bias.dim() == 1 && bias.size(0) == out_channels, fn, "bias.sizes", shape_str(bias.sizes()),
            "must be [" + std::to_string(out_channels) + "] (one per output channel)");
  const Tensor b = bias.contiguous();
  const float* p = b.data_ptr<float>();
  return std::vector<float>(p, p + out_channels);
}

std::shared_ptr<const Quantizer> weight_quantizer(QScheme scheme, const WeightQParams& q) {
  auto out = std::make_shared<Quantizer>();
  out->scheme = scheme;
  if (is_per_channel(scheme)) {
    out->scales = q.scales;
    out->zero_points.assign(q.zero_points.begin(), q.zero_points.end());
    out->axis = 0;
  } else {
    out->scale = q.scales.at(0);
    out->zero_point = q.zero_points.at(0);
  }
  return out;
}

Tensor make_quantized_weight(const std::vector<int8_t>& values, const std::vector<int64_t>& sizes,
                             const std::shared_ptr<const Quantizer>& quantizer) {
  Tensor t = empty_quantized(sizes, DType::qint8, *quantizer);
  std::memcpy(t.data_ptr<int8_t>(), values.data(), values.size());
  return t;
}

}  // namespace detail

std::shared_ptr<const LinearPackedParams> LinearPackedParams::prepack(const Tensor& qweight, const Tensor& bias,
                                                                      Isa isa) {
  constexpr const char* fn = "linear_prepack";
  WeightQParams q = detail::check_quantized_weight(fn, qweight, 2);
  const int64_t N = qweight.size(0), K = qweight.size(1);
  check_arg(N > 0 && K > 0, fn, "qweight.sizes", shape_str(qweight.sizes()), "must not be empty");
  check_arg(!is_per_channel(qweight.qscheme()) || static_cast<int64_t>(q.scales.size()) == N, fn,
            "qweight.q_per_channel_scales().size()", q.scales.size(), "must be out_features");
  const std::vector<float> b = detail::check_bias(fn, bias, N);
  auto quantizer = detail::weight_quantizer(qweight.qscheme(), q);
  const Tensor w = qweight.contiguous();
  PackedWeights packed(w.data_ptr<int8_t>(), WeightOrder::n_by_k, static_cast<size_t>(K), static_cast<size_t>(N),
                       std::move(q), b.empty() ? nullptr : b.data(), isa, module_pack_options());
  return std::make_shared<const LinearPackedParams>(std::move(packed), std::move(quantizer));
}

Tensor LinearPackedParams::weight() const {
  return detail::make_quantized_weight(packed_.unpack(WeightOrder::n_by_k), {out_features(), in_features()},
                                       quantizer_);
}

Tensor LinearPackedParams::bias() const {
  if (packed_.bias().empty()) return {};
  return from_vector(packed_.bias());
}

// ---- Serialization: "QJITQLPP" | u32 version | u8 qscheme | u64-prefixed PackedWeights blob | u32 crc32.
namespace {
constexpr char kMagic[8] = {'Q', 'J', 'I', 'T', 'Q', 'L', 'P', 'P'};
constexpr uint32_t kVersion = 1;
}  // namespace

std::vector<uint8_t> LinearPackedParams::serialize() const {
  BlobWriter w(kMagic);
  w.put(kVersion);
  w.put(static_cast<uint8_t>(quantizer_->scheme));
  w.put_blob(packed_.serialize());
  return w.finish();
}

std::shared_ptr<const LinearPackedParams> LinearPackedParams::deserialize(const uint8_t* data, size_t size) {
  constexpr const char* fn = "LinearPackedParams::deserialize";
  BlobReader r(fn, data, size, kMagic, "a qjit quantized-linear weight blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const auto scheme = static_cast<QScheme>(r.get<uint8_t>("qscheme"));
  check_arg(scheme == QScheme::per_tensor_affine || scheme == QScheme::per_tensor_symmetric ||
                scheme == QScheme::per_channel_affine || scheme == QScheme::per_channel_symmetric,
            fn, "qscheme", static_cast<int>(scheme), "not a weight qscheme");
  const auto [blob, blob_size] = r.get_blob("packed weights");
  r.expect_end();
  PackedWeights packed = PackedWeights::deserialize(blob, blob_size);
  check_arg(is_per_channel(scheme) ? packed.qparams().scales.size() == packed.N() : packed.qparams().scales.size() == 1,
            fn, "qscheme", qscheme_name(scheme), "does not match the number of weight scales");
  auto quantizer = detail::weight_quantizer(scheme, packed.qparams());
  return std::make_shared<const LinearPackedParams>(std::move(packed), std::move(quantizer));
}

}  // namespace qjit
