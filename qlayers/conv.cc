#include "qlayers/conv.h"

#include <string>

#include "base/error.h"
#include "kernels/conv.h"
#include "packing/blob.h"
#include "qlayers/repr.h"

namespace qjit {

namespace {

Tensor conv(const char* fn, int dims, const Tensor& x, const ConvPackedParams& packed, double output_scale,
            int64_t output_zero_point, RequantFormula formula, bool relu) {
  check_arg(packed.spatial_dims() == dims, fn, "packed", "conv" + std::to_string(packed.spatial_dims()) + "d weights",
            "must be prepacked for a conv" + std::to_string(dims) + "d");
  check_arg(x.defined(), fn, "x", "undefined", "must be a quint8 tensor");
  check_arg(x.dtype() == DType::quint8, fn, "x.dtype", dtype_name(x.dtype()), "must be quint8");
  check_arg(x.qscheme() == QScheme::per_tensor_affine || x.qscheme() == QScheme::per_tensor_symmetric, fn,
            "x.qscheme", qscheme_name(x.qscheme()), "must be per-tensor");
  check_arg(x.dim() == dims + 2, fn, "x.sizes", shape_str(x.sizes()),
            "must have " + std::to_string(dims + 2) + " dimensions [N, C, ...]");
  check_arg(x.size(1) == packed.in_channels(), fn, "x.size(1)", x.size(1),
            "must be in_channels (" + std::to_string(packed.in_channels()) + ")");
  check_scale(fn, "output_scale", output_scale);
  check_zero_point(fn, "output_zero_point", output_zero_point, 0, 255);
  const ConvDesc d = packed.desc(fn, x.sizes());

  // The kernel reads dense channels-last input and writes dense channels-last output. A conv1d's [N, C, L] is
  // channels-last when its [N, L, C] permutation is dense.
  const int64_t N = x.size(0), OC = packed.out_channels();
  const auto o = d.output();
  Tensor xc, y, out;
  if (dims == 1) {
    xc = x.permute({0, 2, 1}).contiguous();
    y = empty_affine_quantized({N, o[2], OC}, output_scale, output_zero_point, DType::quint8);
    out = y.permute({0, 2, 1});
  } else {
    xc = x.contiguous(MemoryFormat::channels_last);
    std::vector<int64_t> sizes{N, OC};
    for (int i = 3 - dims; i < 3; ++i) sizes.push_back(o[static_cast<size_t>(i)]);
    y = empty_affine_quantized(sizes, output_scale, output_zero_point, DType::quint8, MemoryFormat::channels_last);
    out = y;
  }
  if (y.numel() == 0) return out;
  const auto constants = packed.requant_constants(formula, x.q_scale(), output_scale);
  const OutputStage stage = requant_output_stage(*constants, static_cast<int32_t>(output_zero_point), relu);
  qjit::conv(d, xc.data_ptr<uint8_t>(), static_cast<int32_t>(x.q_zero_point()), packed.packed(), y.data_ptr<uint8_t>(),
             stage, Exec{packed.isa()});
  return out;
}

}  // namespace

Tensor quantized_conv1d(const Tensor& x, const ConvPackedParams& p, double s, int64_t zp, RequantFormula f) {
  return conv("quantized_conv1d", 1, x, p, s, zp, f, false);
}
Tensor quantized_conv2d(const Tensor& x, const ConvPackedParams& p, double s, int64_t zp, RequantFormula f) {
  return conv("quantized_conv2d", 2, x, p, s, zp, f, false);
}
Tensor quantized_conv3d(const Tensor& x, const ConvPackedParams& p, double s, int64_t zp, RequantFormula f) {
  return conv("quantized_conv3d", 3, x, p, s, zp, f, false);
}
Tensor quantized_conv1d_relu(const Tensor& x, const ConvPackedParams& p, double s, int64_t zp, RequantFormula f) {
  return conv("quantized_conv1d_relu", 1, x, p, s, zp, f, true);
}
Tensor quantized_conv2d_relu(const Tensor& x, const ConvPackedParams& p, double s, int64_t zp, RequantFormula f) {
  return conv("quantized_conv2d_relu", 2, x, p, s, zp, f, true);
}
Tensor quantized_conv3d_relu(const Tensor& x, const ConvPackedParams& p, double s, int64_t zp, RequantFormula f) {
  return conv("quantized_conv3d_relu", 3, x, p, s, zp, f, true);
}


}  // namespace qjit

namespace qjit::nnq {

namespace {
void check_padding_mode(const char* fn, const std::string& padding_mode) {
  check_arg(padding_mode == "zeros", fn, "padding_mode", padding_mode,
            "only 'zeros' is supported for quantized convolutions ('reflect', 'replicate' and 'circular' are not)");
}
}  // namespace

ConvNd::ConvNd(int spatial_dims, const char* fn, int64_t in_channels, int64_t out_channels,
               const SpatialArg& kernel_size, const SpatialArg& stride, const SpatialArg& padding,
               const SpatialArg& dilation, int64_t groups, bool bias, const std::string& padding_mode, DType dtype)
    : spatial_dims_(spatial_dims) {
  check_arg(in_channels > 0, fn, "in_channels", in_channels, "must be > 0");
  check_arg(out_channels > 0, fn, "out_channels", out_channels, "must be > 0");
  check_arg(groups > 0, fn, "groups", groups, "must be > 0");
  check_arg(in_channels % groups == 0, fn, "in_channels", in_channels,
            "must be divisible by groups (" + std::to_string(groups) + ")");
  check_arg(out_channels % groups == 0, fn, "out_channels", out_channels,
            "must be divisible by groups (" + std::to_string(groups) + ")");
  check_padding_mode(fn, padding_mode);
  check_arg(dtype == DType::qint8, fn, "dtype", dtype_name(dtype), "must be qint8 (the only weight dtype supported)");
  const std::vector<int64_t> k = kernel_size.expand(spatial_dims, fn, "kernel_size");
  std::vector<int64_t> wsizes{out_channels, in_channels / groups};
  for (int64_t v : k) {
    check_arg(v > 0 && v <= (int64_t{1} << 24), fn, "kernel_size", v, "must be in [1, 2^24]");
    wsizes.push_back(v);
  }
  // PyTorch's initial weight: _empty_affine_quantized(scale 1, zero point 0); zeros here, so it is deterministic.
  const Tensor w = make_per_tensor_quantized_tensor(zeros(wsizes, DType::int8), 1.0, 0);
  packed_ = ConvPackedParams::prepack(w, bias ? zeros({out_channels}) : Tensor(),
                                      stride.expand(spatial_dims, fn, "stride"),
                                      padding.expand(spatial_dims, fn, "padding"),
                                      dilation.expand(spatial_dims, fn, "dilation"), groups, fn);
}

void ConvNd::set_weight_bias(const Tensor& qweight, const Tensor& bias) {
  const std::string fn = qualified_name() + ".set_weight_bias";
  if (qweight.defined()) {
    const Tensor current = packed_->weight();
    check_arg(qweight.sizes() == current.sizes(), fn, "qweight.sizes", shape_str(qweight.sizes()),
              "must be [out_channels, in_channels / groups, kernel_size...] = " + shape_str(current.sizes()));
  }
  packed_ = ConvPackedParams::prepack(qweight, bias, packed_->stride(), packed_->padding(), packed_->dilation(),
                                      packed_->groups(), fn.c_str());
}

void ConvNd::init_from_quantized(const char* fn, const Tensor& qweight, const Tensor& bias, double s, int64_t zp,
                                 const SpatialArg& stride, const SpatialArg& padding, const SpatialArg& dilation,
                                 int64_t groups, const std::string& padding_mode) {
  check_padding_mode(fn, padding_mode);
  check_scale(fn, "scale", s);
  check_zero_point(fn, "zero_point", zp, 0, 255);
  check_arg(qweight.defined() && qweight.dim() == spatial_dims_ + 2, fn, "qweight",
            qweight.defined() ? qweight.to_string() : std::string("undefined"),
            "must be a qint8 tensor [out_channels, in_channels / groups, kernel_size...] of " +
                std::to_string(spatial_dims_ + 2) + " dimensions");
  packed_ = ConvPackedParams::prepack(qweight, bias, stride.expand(spatial_dims_, fn, "stride"),
                                      padding.expand(spatial_dims_, fn, "padding"),
                                      dilation.expand(spatial_dims_, fn, "dilation"), groups, fn);
  scale = s;
  zero_point = zp;
}

Tensor ConvNd::forward(const Tensor& x) {
  const bool relu = fused_relu();
  switch (spatial_dims_) {
    case 1: return relu ? quantized_conv1d_relu(x, *packed_, scale, zero_point) : quantized_conv1d(x, *packed_, scale, zero_point);
    case 2: return relu ? quantized_conv2d_relu(x, *packed_, scale, zero_point) : quantized_conv2d(x, *packed_, scale, zero_point);
    default: return relu ? quantized_conv3d_relu(x, *packed_, scale, zero_point) : quantized_conv3d(x, *packed_, scale, zero_point);
  }
}

std::string ConvNd::extra_repr() const {
  std::string s = std::to_string(in_channels()) + ", " + std::to_string(out_channels()) +
                  ", kernel_size=" + python_tuple_repr(kernel_size()) + ", stride=" + python_tuple_repr(stride()) +
                  ", scale=" + python_float_repr(scale) + ", zero_point=" + std::to_string(zero_point);
  if (padding() != std::vector<int64_t>(padding().size(), 0)) s += ", padding=" + python_tuple_repr(padding());
  if (dilation() != std::vector<int64_t>(dilation().size(), 1)) s += ", dilation=" + python_tuple_repr(dilation());
  if (groups() != 1) s += ", groups=" + std::to_string(groups());
  if (!bias().defined()) s += ", bias=False";
  return s;
}

// ---- Serialization: "QJITNNQC" | u32 version | u8 spatial dims | u8 fused relu | f64 scale | i64 zero point |
//      u64-prefixed ConvPackedParams blob | u32 crc32.
namespace {
constexpr char kMagic[8] = {'Q', 'J', 'I', 'T', 'N', 'N', 'Q', 'C'};
constexpr uint32_t kVersion = 1;
}  // namespace

std::vector<uint8_t> ConvNd::serialize() const {
  BlobWriter w(kMagic);
  w.put(kVersion);
  w.put(static_cast<uint8_t>(spatial_dims_));
  w.put(static_cast<uint8_t>(fused_relu()));
  w.put(scale);
  w.put(zero_point);
  w.put_blob(packed_->serialize());
  return w.finish();
}

void ConvNd::load(const char* fn, const uint8_t* data, size_t size) {
  BlobReader r(fn, data, size, kMagic, "a qjit quantized convolution blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const int dims = r.get<uint8_t>("spatial dims");
  const bool relu = r.get<uint8_t>("fused relu") != 0;
  const std::string held = std::string(relu ? "nniq.ConvReLU" : "nnq.Conv") + std::to_string(dims) + "d";
  check_arg(dims == spatial_dims_ && relu == fused_relu(), fn, "module", held,
            "the blob holds another module type than " + qualified_name());
  const double s = r.get<double>("scale");
  const int64_t zp = r.get<int64_t>("zero point");
  check_scale(fn, "scale", s);
  check_zero_point(fn, "zero_point", zp, 0, 255);
  const auto [blob, blob_size] = r.get_blob("packed weights");
  r.expect_end();
  auto packed = ConvPackedParams::deserialize(blob, blob_size);
  check_arg(packed->spatial_dims() == spatial_dims_, fn, "packed spatial dims", packed->spatial_dims(),
            "does not match the module's");
  packed_ = std::move(packed);
  scale = s;
  zero_point = zp;
}

std::shared_ptr<Conv1d> Conv1d::from_quantized(const Tensor& w, const Tensor& b, double s, int64_t zp, SpatialArg st,
                                               SpatialArg pad, SpatialArg dil, int64_t g, const std::string& pm) {
  return make_from_quantized<Conv1d>("nnq.Conv1d.from_quantized", w, b, s, zp, st, pad, dil, g, pm);
}
std::shared_ptr<Conv2d> Conv2d::from_quantized(const Tensor& w, const Tensor& b, double s, int64_t zp, SpatialArg st,
                                               SpatialArg pad, SpatialArg dil, int64_t g, const std::string& pm) {
  return make_from_quantized<Conv2d>("nnq.Conv2d.from_quantized", w, b, s, zp, st, pad, dil, g, pm);
}
std::shared_ptr<Conv3d> Conv3d::from_quantized(const Tensor& w, const Tensor& b, double s, int64_t zp, SpatialArg st,
                                               SpatialArg pad, SpatialArg dil, int64_t g, const std::string& pm) {
  return make_from_quantized<Conv3d>("nnq.Conv3d.from_quantized", w, b, s, zp, st, pad, dil, g, pm);
}
std::shared_ptr<Conv1d> Conv1d::deserialize(const uint8_t* data, size_t size) {
  return make_deserialized<Conv1d>("nnq.Conv1d.deserialize", data, size);
}
std::shared_ptr<Conv2d> Conv2d::deserialize(const uint8_t* data, size_t size) {
  return make_deserialized<Conv2d>("nnq.Conv2d.deserialize", data, size);
}
std::shared_ptr<Conv3d> Conv3d::deserialize(const uint8_t* data, size_t size) {
  return make_deserialized<Conv3d>("nnq.Conv3d.deserialize", data, size);
}

}  // namespace qjit::nnq

namespace qjit::nniq {

std::shared_ptr<ConvReLU1d> ConvReLU1d::from_quantized(const Tensor& w, const Tensor& b, double s, int64_t zp,
                                                       SpatialArg st, SpatialArg pad, SpatialArg dil, int64_t g,
                                                       const std::string& pm) {
  return make_from_quantized<ConvReLU1d>("nniq.ConvReLU1d.from_quantized", w, b, s, zp, st, pad, dil, g, pm);
}
std::shared_ptr<ConvReLU2d> ConvReLU2d::from_quantized(const Tensor& w, const Tensor& b, double s, int64_t zp,
                                                       SpatialArg st, SpatialArg pad, SpatialArg dil, int64_t g,
                                                       const std::string& pm) {
  return make_from_quantized<ConvReLU2d>("nniq.ConvReLU2d.from_quantized", w, b, s, zp, st, pad, dil, g, pm);
}
std::shared_ptr<ConvReLU3d> ConvReLU3d::from_quantized(const Tensor& w, const Tensor& b, double s, int64_t zp,
                                                       SpatialArg st, SpatialArg pad, SpatialArg dil, int64_t g,
                                                       const std::string& pm) {
  return make_from_quantized<ConvReLU3d>("nniq.ConvReLU3d.from_quantized", w, b, s, zp, st, pad, dil, g, pm);
}
std::shared_ptr<ConvReLU1d> ConvReLU1d::deserialize(const uint8_t* data, size_t size) {
  return make_deserialized<ConvReLU1d>("nniq.ConvReLU1d.deserialize", data, size);
}
std::shared_ptr<ConvReLU2d> ConvReLU2d::deserialize(const uint8_t* data, size_t size) {
  return make_deserialized<ConvReLU2d>("nniq.ConvReLU2d.deserialize", data, size);
}
std::shared_ptr<ConvReLU3d> ConvReLU3d::deserialize(const uint8_t* data, size_t size) {
  return make_deserialized<ConvReLU3d>("nniq.ConvReLU3d.deserialize", data, size);
}

}  // namespace qjit::nniq
