#include "qlayers/conv_packed_params.h"

#include <string>

#include "base/error.h"
#include "packing/blob.h"
#include "qlayers/linear_packed_params.h"
#include "qlayers/pack_options.h"

namespace qjit {

namespace {

void check_geometry(const char* fn, const char* name, const std::vector<int64_t>& v, int dims, int64_t min) {
  check_arg(static_cast<int>(v.size()) == dims, fn, std::string(name) + ".size()", v.size(),
            "must be " + std::to_string(dims) + " (one per spatial dimension)");
  for (size_t i = 0; i < v.size(); ++i)
    check_arg(v[i] >= min && v[i] <= (int64_t{1} << 24), fn, ArgAt{name, i}, v[i],
              "must be in [" + std::to_string(min) + ", 2^24]");
}

std::shared_ptr<const ConvPackedParams> prepack_nd(const char* fn, int dims, const Tensor& qweight, const Tensor& bias,
                                                   const std::vector<int64_t>& stride,
                                                   const std::vector<int64_t>& padding,
                                                   const std::vector<int64_t>& dilation, int64_t groups, Isa isa) {
  WeightQParams q = detail::check_quantized_weight(fn, qweight, dims + 2);
  const std::vector<int64_t>& ws = qweight.sizes();
  for (int64_t s : ws)
    check_arg(s > 0 && s <= (int64_t{1} << 24), fn, "qweight.sizes", shape_str(ws), "every size must be in [1, 2^24]");
  check_geometry(fn, "stride", stride, dims, 1);
  check_geometry(fn, "padding", padding, dims, 0);
  check_geometry(fn, "dilation", dilation, dims, 1);
  const int64_t OC = ws[0];
  check_arg(groups > 0 && groups <= (int64_t{1} << 24), fn, "groups", groups, "must be in [1, 2^24]");
  check_arg(OC % groups == 0, fn, "groups", groups,
            "must divide out_channels (" + std::to_string(OC) + ", qweight.size(0))");
  check_arg(!is_per_channel(qweight.qscheme()) || static_cast<int64_t>(q.scales.size()) == OC, fn,
            "qweight.q_per_channel_scales().size()", q.scales.size(), "must be out_channels");
  const std::vector<float> b = detail::check_bias(fn, bias, OC);
  ConvWeightShape shape;
  shape.out_channels = static_cast<size_t>(OC);
  shape.in_channels = static_cast<size_t>(ws[1] * groups);
  shape.groups = static_cast<size_t>(groups);
  for (int i = 0; i < dims; ++i) shape.kernel[static_cast<size_t>(3 - dims + i)] = static_cast<size_t>(ws[2 + i]);
  auto quantizer = detail::weight_quantizer(qweight.qscheme(), q);
  const Tensor w = qweight.contiguous();
  PackedConvWeights packed(shape, w.data_ptr<int8_t>(), std::move(q), b.empty() ? nullptr : b.data(), isa,
                           module_pack_options());
  return std::make_shared<const ConvPackedParams>(dims, std::move(packed), std::move(quantizer), stride, padding,
                                                  dilation);
}

}  // namespace

std::shared_ptr<const ConvPackedParams> ConvPackedParams::prepack(const Tensor& qweight, const Tensor& bias,
                                                                  const std::vector<int64_t>& stride,
                                                                  const std::vector<int64_t>& padding,
                                                                  const std::vector<int64_t>& dilation, int64_t groups,
                                                                  const char* fn, Isa isa) {
  check_arg(qweight.defined() && qweight.dim() >= 3 && qweight.dim() <= 5, fn, "qweight",
            qweight.defined() ? qweight.to_string() : std::string("undefined"),
            "must be a qint8 tensor of 3, 4 or 5 dimensions [OC, C/groups, k...]");
  return prepack_nd(fn, static_cast<int>(qweight.dim()) - 2, qweight, bias, stride, padding, dilation, groups, isa);
}

std::shared_ptr<const ConvPackedParams> conv1d_prepack(const Tensor& qweight, const Tensor& bias,
                                                       const std::vector<int64_t>& stride,
                                                       const std::vector<int64_t>& padding,
                                                       const std::vector<int64_t>& dilation, int64_t groups) {
  return prepack_nd("conv1d_prepack", 1, qweight, bias, stride, padding, dilation, groups, max_isa());
}
std::shared_ptr<const ConvPackedParams> conv2d_prepack(const Tensor& qweight, const Tensor& bias,
                                                       const std::vector<int64_t>& stride,
                                                       const std::vector<int64_t>& padding,
                                                       const std::vector<int64_t>& dilation, int64_t groups) {
  return prepack_nd("conv2d_prepack", 2, qweight, bias, stride, padding, dilation, groups, max_isa());
}
std::shared_ptr<const ConvPackedParams> conv3d_prepack(const Tensor& qweight, const Tensor& bias,
                                                       const std::vector<int64_t>& stride,
                                                       const std::vector<int64_t>& padding,
                                                       const std::vector<int64_t>& dilation, int64_t groups) {
  return prepack_nd("conv3d_prepack", 3, qweight, bias, stride, padding, dilation, groups, max_isa());
}

std::vector<int64_t> ConvPackedParams::kernel_size() const {
  std::vector<int64_t> k;
  for (int i = 3 - spatial_dims_; i < 3; ++i) k.push_back(static_cast<int64_t>(packed_.shape().kernel[static_cast<size_t>(i)]));
  return k;
}

Tensor ConvPackedParams::weight() const {
  std::vector<int64_t> sizes{out_channels(), in_channels() / groups()};
  for (int64_t k : kernel_size()) sizes.push_back(k);
  return detail::make_quantized_weight(packed_.unpack(), sizes, quantizer_);
}

Tensor ConvPackedParams::bias() const {
  if (packed_.bias().empty()) return {};
  return from_vector(packed_.bias());
}

ConvDesc ConvPackedParams::desc(const char* fn, const std::vector<int64_t>& input_sizes) const {
  ConvDesc d;
  d.spatial_dims = spatial_dims_;
  d.batch = input_sizes[0];
  d.in_channels = in_channels();
  d.out_channels = out_channels();
  d.groups = groups();
  const std::vector<int64_t> k = kernel_size();
  for (int i = 0; i < spatial_dims_; ++i) {
    const size_t slot = static_cast<size_t>(3 - spatial_dims_ + i), j = static_cast<size_t>(i);
    d.input[slot] = input_sizes[2 + j];
    d.kernel[slot] = k[j];
    d.stride[slot] = stride_[j];
    d.padding[slot] = padding_[j];
    d.dilation[slot] = dilation_[j];
  }
  d.validate(fn);
  return d;
}

// ---- Serialization: "QJITQCPP" | u32 version | u8 spatial dims | u8 qscheme | i64 stride, padding, dilation
//      per spatial dimension | u64-prefixed PackedConvWeights blob (shape, groups, qparams, bias, weights) |
//      u32 crc32.
namespace {
constexpr char kMagic[8] = {'Q', 'J', 'I', 'T', 'Q', 'C', 'P', 'P'};
constexpr uint32_t kVersion = 1;
}  // namespace

std::vector<uint8_t> ConvPackedParams::serialize() const {
  BlobWriter w(kMagic);
  w.put(kVersion);
  w.put(static_cast<uint8_t>(spatial_dims_));
  w.put(static_cast<uint8_t>(quantizer_->scheme));
  for (const auto* v : {&stride_, &padding_, &dilation_})
    for (int64_t x : *v) w.put(x);
  w.put_blob(packed_.serialize());
  return w.finish();
}

std::shared_ptr<const ConvPackedParams> ConvPackedParams::deserialize(const uint8_t* data, size_t size) {
  constexpr const char* fn = "ConvPackedParams::deserialize";
  BlobReader r(fn, data, size, kMagic, "a qjit quantized-conv weight blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const int dims = r.get<uint8_t>("spatial dims");
  check_arg(dims >= 1 && dims <= 3, fn, "spatial dims", dims, "must be 1, 2 or 3");
  const auto scheme = static_cast<QScheme>(r.get<uint8_t>("qscheme"));
  check_arg(scheme == QScheme::per_tensor_affine || scheme == QScheme::per_tensor_symmetric ||
                scheme == QScheme::per_channel_affine || scheme == QScheme::per_channel_symmetric,
            fn, "qscheme", static_cast<int>(scheme), "not a weight qscheme");
  std::vector<int64_t> geometry[3];
  for (auto& v : geometry)
    for (int i = 0; i < dims; ++i) v.push_back(r.get<int64_t>("geometry"));
  check_geometry(fn, "stride", geometry[0], dims, 1);
  check_geometry(fn, "padding", geometry[1], dims, 0);
  check_geometry(fn, "dilation", geometry[2], dims, 1);
  const auto [blob, blob_size] = r.get_blob("packed weights");
  r.expect_end();
  PackedConvWeights packed = PackedConvWeights::deserialize(blob, blob_size);
  const ConvWeightShape& s = packed.shape();
  for (int i = 0; i < 3 - dims; ++i)
    check_arg(s.kernel[static_cast<size_t>(i)] == 1, fn, ArgAt{"kernel", static_cast<size_t>(i)},
              s.kernel[static_cast<size_t>(i)], "must be 1 for a conv" + std::to_string(dims) + "d");
  check_arg(is_per_channel(scheme) ? packed.qparams().scales.size() == s.out_channels : packed.qparams().scales.size() == 1,
            fn, "qscheme", qscheme_name(scheme), "does not match the number of weight scales");
  auto quantizer = detail::weight_quantizer(scheme, packed.qparams());
  return std::make_shared<const ConvPackedParams>(dims, std::move(packed), std::move(quantizer),
                                                  std::move(geometry[0]), std::move(geometry[1]),
                                                  std::move(geometry[2]));
}

}  // namespace qjit
