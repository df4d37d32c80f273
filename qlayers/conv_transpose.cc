#include "qlayers/conv_transpose.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "base/error.h"
#include "kernels/conv_transpose.h"
#include "qlayers/engine.h"
#include "qlayers/requant_constants.h"

namespace qjit {

namespace {

void check_input(std::string_view fn, const Tensor& x, int dims) {
  check_arg(x.defined(), fn, "input", "undefined", "must be a quint8 tensor");
  check_arg(x.dtype() == DType::quint8, fn, "input.dtype", dtype_name(x.dtype()), "must be quint8");
  check_arg(x.dim() == dims + 2, fn, "input.dim()", x.dim(),
            "must be " + std::to_string(dims + 2) + " (N, C" + (dims == 3 ? ", D, H, W)" : dims == 2 ? ", H, W)" : ", W)"));
  const QScheme q = x.qscheme();
  check_arg(q == QScheme::per_tensor_affine || q == QScheme::per_tensor_symmetric, fn, "input.qscheme",
            qscheme_name(q), "must be per tensor");
}

// The weight's scales and zero points per output channel (1 entry when per tensor).
WeightQParams weight_qparams(std::string_view fn, const Tensor& w, int64_t groups) {
  const QScheme q = w.qscheme();
  if (q == QScheme::per_tensor_affine || q == QScheme::per_tensor_symmetric)
    return WeightQParams{{w.q_scale()}, {static_cast<int32_t>(w.q_zero_point())}};
  check_arg(q == QScheme::per_channel_affine || q == QScheme::per_channel_symmetric, fn, "weight.qscheme",
            qscheme_name(q), "must be per tensor or per channel (affine or symmetric)");
  check_arg(w.q_per_channel_axis() == 1, fn, "weight.q_per_channel_axis()", w.q_per_channel_axis(),
            "must be 1: the output channels of a ConvTranspose weight [C, OC/groups, k...] (scales per input "
            "channel cannot be applied after the sum over input channels)");
  const auto& s = w.q_per_channel_scales();
  const auto& z = w.q_per_channel_zero_points();
  WeightQParams r{{}, {}};
  for (int64_t g = 0; g < groups; ++g)
    for (size_t n = 0; n < s.size(); ++n) {
      r.scales.push_back(s[n]);
      r.zero_points.push_back(static_cast<int32_t>(z[n]));
    }
  return r;
}

// Python's repr of a float (shortest round trip; exponent form below 1e-4 and from 1e16), as PyTorch prints.
std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string s(buf, r.ptr);  // e.g. "-1.5e-01"
  const size_t e = s.find('e');
  const int exp = std::stoi(s.substr(e + 1));
  std::string mant = s.substr(0, e), sign;
  if (mant[0] == '-') {
    sign = "-";
    mant.erase(0, 1);
  }
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  if (exp < -4 || exp >= 16) {
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return sign + digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "") + eb;
  }
  std::string out = sign;
  if (exp < 0) return out.append("0.").append(static_cast<size_t>(-exp - 1), '0').append(digits);
  const size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits) return out.append(digits).append(int_digits - digits.size(), '0').append(".0");
  return out.append(digits, 0, int_digits).append(".").append(digits, int_digits, std::string::npos);
}

// "(3, 3)", "(3,)": a Python tuple.
std::string py_tuple(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

ConvTransposeGeometry make_geometry(std::string_view fn, int dims, const ExpandingArray& stride,
                                    const ExpandingArray& padding, const ExpandingArray& output_padding,
                                    int64_t groups, const ExpandingArray& dilation) {
  ConvTransposeGeometry g;
  const size_t n = static_cast<size_t>(dims);
  g.spatial_dims = dims;
  g.stride = stride.expand(n, fn, "stride");
  g.padding = padding.expand(n, fn, "padding");
  g.output_padding = output_padding.expand(n, fn, "output_padding");
  g.dilation = dilation.expand(n, fn, "dilation");
  g.groups = groups;
  // Checked here too (not only when an input arrives) so that a module with an impossible geometry is refused
  // when it is built.
  check_arg(groups > 0, fn, "groups", groups, "must be > 0");
  for (size_t i = 0; i < n; ++i) {
    check_arg(g.stride[i] > 0, fn, ArgAt{"stride", i}, g.stride[i], "must be > 0");
    check_arg(g.padding[i] >= 0, fn, ArgAt{"padding", i}, g.padding[i], "must be >= 0");
    check_arg(g.dilation[i] > 0, fn, ArgAt{"dilation", i}, g.dilation[i], "must be > 0");
    check_arg(g.output_padding[i] >= 0, fn, ArgAt{"output_padding", i}, g.output_padding[i], "must be >= 0");
    check_arg(g.output_padding[i] < g.stride[i] || g.output_padding[i] < g.dilation[i], fn,
              ArgAt{"output_padding", i}, g.output_padding[i],
              "must be smaller than stride (" + std::to_string(g.stride[i]) + ") or dilation (" +
                  std::to_string(g.dilation[i]) + ")");
  }
  return g;
}

Tensor functional(std::string_view fn, int dims, const Tensor& input, const Tensor& weight, const Tensor& bias,
                  const ExpandingArray& stride, const ExpandingArray& padding, const ExpandingArray& output_padding,
                  int64_t groups, const ExpandingArray& dilation, double scale, int64_t zero_point) {
  const ConvTransposeGeometry g = make_geometry(fn, dims, stride, padding, output_padding, groups, dilation);
  const auto packed = pack_conv_transpose_weight(fn, dims, weight, bias, groups);
  return quantized_conv_transpose(fn, input, *packed, g, scale, zero_point);
}

}  // namespace

std::shared_ptr<const PackedConvTransposeWeights> pack_conv_transpose_weight(std::string_view fn, int spatial_dims,
                                                                             const Tensor& weight, const Tensor& bias,
                                                                             int64_t groups) {
  check_arg(weight.defined(), fn, "weight", "undefined", "must be a qint8 tensor");
  check_arg(weight.dtype() == DType::qint8, fn, "weight.dtype", dtype_name(weight.dtype()), "must be qint8");
  check_arg(weight.dim() == spatial_dims + 2, fn, "weight.dim()", weight.dim(),
            "must be " + std::to_string(spatial_dims + 2) + " (in_channels, out_channels/groups, kernel...)");
  check_arg(groups > 0, fn, "groups", groups, "must be > 0");
  for (int64_t i = 0; i < weight.dim(); ++i)
    check_arg(weight.size(i) > 0, fn, "weight.sizes()", shape_str(weight.sizes()), "must all be > 0");
  check_arg(weight.size(0) % groups == 0, fn, "weight.size(0)", weight.size(0),
            "(in_channels) must be a multiple of groups (" + std::to_string(groups) + ")");
  ConvTransposeWeightShape shape;
  shape.in_channels = static_cast<size_t>(weight.size(0));
  shape.out_channels = static_cast<size_t>(weight.size(1) * groups);
  shape.groups = static_cast<size_t>(groups);
  const int first = 3 - spatial_dims;
  for (int i = 0; i < spatial_dims; ++i) shape.kernel[static_cast<size_t>(first + i)] = static_cast<size_t>(weight.size(2 + i));
  const WeightQParams q = weight_qparams(fn, weight, groups);
  Tensor b;
  if (bias.defined()) {
    check_arg(bias.dtype() == DType::float32, fn, "bias.dtype", dtype_name(bias.dtype()), "must be float32");
    check_arg(bias.dim() == 1 && bias.size(0) == static_cast<int64_t>(shape.out_channels), fn, "bias.sizes()",
              shape_str(bias.sizes()), "must be [" + std::to_string(shape.out_channels) + "] (out_channels)");
    b = bias.contiguous();
  }
  const Tensor w = weight.contiguous();
  return std::make_shared<const PackedConvTransposeWeights>(shape, w.data_ptr<int8_t>(), q,
                                                            b.defined() ? b.data_ptr<float>() : nullptr);
}

Tensor quantized_conv_transpose(std::string_view fn, const Tensor& input, const PackedConvTransposeWeights& weight,
                                const ConvTransposeGeometry& geometry, double scale, int64_t zero_point,
                                const RequantCache* cache) {
  const int dims = geometry.spatial_dims;
  check_input(fn, input, dims);
  check_scale(fn, "scale", scale);
  check_zero_point(fn, "zero_point", zero_point, 0, 255);
  const ConvTransposeWeightShape& ws = weight.shape();
  check_arg(input.size(1) == static_cast<int64_t>(ws.in_channels), fn, "input.size(1)", input.size(1),
            "must equal the weight's in_channels (" + std::to_string(ws.in_channels) + ")");
  check_arg(geometry.groups == static_cast<int64_t>(ws.groups), fn, "groups", geometry.groups,
            "differs from the packed weight's (" + std::to_string(ws.groups) + ")");

  ConvTransposeDesc d;
  d.spatial_dims = dims;
  d.batch = input.size(0);
  d.in_channels = static_cast<int64_t>(ws.in_channels);
  d.out_channels = static_cast<int64_t>(ws.out_channels);
  d.groups = geometry.groups;
  const size_t first = static_cast<size_t>(3 - dims);
  for (size_t i = 0; i < static_cast<size_t>(dims); ++i) {
    d.input[first + i] = input.size(static_cast<int64_t>(2 + i));
    d.kernel[first + i] = static_cast<int64_t>(ws.kernel[first + i]);
    d.stride[first + i] = geometry.stride.at(i);
    d.padding[first + i] = geometry.padding.at(i);
    d.output_padding[first + i] = geometry.output_padding.at(i);
    d.dilation[first + i] = geometry.dilation.at(i);
  }
  // Named by the index of the caller's dimension (validate() would name the descriptor's D, H, W slot).
  for (size_t i = 0; i < static_cast<size_t>(dims); ++i) {
    const size_t j = first + i;
    const int64_t out = (d.input[j] - 1) * d.stride[j] - 2 * d.padding[j] + d.dilation[j] * (d.kernel[j] - 1) +
                        d.output_padding[j] + 1;
    check_arg(out > 0, fn, ArgAt{"padding", i}, d.padding[j],
              "removes the whole output: output size " + std::to_string(out) + " would be <= 0");
  }
  d.validate(fn);
  const auto o = d.output();
  const int64_t N = d.batch, OC = d.out_channels;

  // Channels-last buffers: NWC for 1-d (the permuted view of an N, W, C tensor), N(D)HWC otherwise.
  Tensor x, y, y_nwc;
  if (dims == 1) {
    x = input.permute({0, 2, 1}).contiguous();
    y_nwc = empty_affine_quantized({N, o[2], OC}, scale, zero_point, DType::quint8);
    y = y_nwc.permute({0, 2, 1});
  } else {
    x = input.contiguous(MemoryFormat::channels_last);
    std::vector<int64_t> sizes{N, OC};
    for (size_t i = first; i < 3; ++i) sizes.push_back(o[i]);
    y = empty_affine_quantized(sizes, scale, zero_point, DType::quint8, MemoryFormat::channels_last);
    y_nwc = y;
  }
  if (N == 0) return y;

  const auto x_zp = static_cast<int32_t>(input.q_zero_point());
  // The requantization constants of the engine (NUMERICS.md section 7), shared with Linear and Conv; a module
  // passes its cache so that a forward with the qparams of the last one computes nothing.
  std::shared_ptr<const RequantConstants> cached;
  RequantConstants computed;
  if (cache)
    cached = cache->get(requant_formula(), input.q_scale(), scale, weight.qparams().scales, static_cast<size_t>(OC),
                        weight.bias());
  else
    computed = make_requant_constants(requant_formula(), input.q_scale(), weight.qparams().scales,
                                      static_cast<size_t>(OC), weight.bias(), scale);
  const RequantConstants& rc = cached ? *cached : computed;
  for (float m : rc.multiplier)
    check_arg(std::isfinite(m) && m > 0, fn, "scale", scale,
              "gives a requantization multiplier that is not finite and > 0 (" + std::to_string(m) + ")");
  const OutputStage s = requant_output_stage(rc, static_cast<int32_t>(zero_point), /*relu=*/false);
  conv_transpose(d, x.data_ptr<uint8_t>(), x_zp, weight, y_nwc.data_ptr<uint8_t>(), s, Exec{weight.isa()});
  return y;
}

Tensor quantized_conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray stride,
                                  ExpandingArray padding, ExpandingArray output_padding, int64_t groups,
                                  ExpandingArray dilation, double scale, int64_t zero_point) {
  return functional("quantized_conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                    dilation, scale, zero_point);
}

Tensor quantized_conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray stride,
                                  ExpandingArray padding, ExpandingArray output_padding, int64_t groups,
                                  ExpandingArray dilation, double scale, int64_t zero_point) {
  return functional("quantized_conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                    dilation, scale, zero_point);
}

Tensor quantized_conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray stride,
                                  ExpandingArray padding, ExpandingArray output_padding, int64_t groups,
                                  ExpandingArray dilation, double scale, int64_t zero_point) {
  return functional("quantized_conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                    dilation, scale, zero_point);
}

// ---------------------------------------------------------------------------------------------------- modules
namespace nnq {

ConvTransposeNd::ConvTransposeNd(int spatial_dims, const char* name, int64_t in_channels, int64_t out_channels,
                                 ExpandingArray kernel_size, ExpandingArray stride, ExpandingArray padding,
                                 ExpandingArray output_padding, int64_t groups, bool bias, ExpandingArray dilation,
                                 std::string padding_mode, DType dtype)
    : name_(std::string("nnq.") + name), in_channels_(in_channels), out_channels_(out_channels) {
  const std::string& fn = name_;
  const size_t dims = static_cast<size_t>(spatial_dims);
  check_arg(in_channels > 0, fn, "in_channels", in_channels, "must be > 0");
  check_arg(out_channels > 0, fn, "out_channels", out_channels, "must be > 0");
  geometry_ = make_geometry(fn, spatial_dims, stride, padding, output_padding, groups, dilation);
  check_arg(in_channels % groups == 0, fn, "in_channels", in_channels,
            "must be divisible by groups (" + std::to_string(groups) + ")");
  check_arg(out_channels % groups == 0, fn, "out_channels", out_channels,
            "must be divisible by groups (" + std::to_string(groups) + ")");
  kernel_size_ = kernel_size.expand(dims, fn, "kernel_size");
  for (size_t i = 0; i < dims; ++i)
    check_arg(kernel_size_[i] > 0, fn, ArgAt{"kernel_size", i}, kernel_size_[i], "must be > 0");
  check_arg(padding_mode == "zeros", fn, "padding_mode", padding_mode,
            "only \"zeros\" is supported for quantized transposed convolution (as in PyTorch)");
  check_arg(dtype == DType::qint8, fn, "dtype", dtype_name(dtype), "must be qint8");
  padding_mode_ = std::move(padding_mode);
  std::vector<int64_t> wsizes{in_channels, out_channels / groups};
  wsizes.insert(wsizes.end(), kernel_size_.begin(), kernel_size_.end());
  const Tensor qweight = make_per_tensor_quantized_tensor(zeros(wsizes, DType::int8), 1.0, 0);
  set_weight_bias(qweight, bias ? zeros({out_channels}) : Tensor());
}

void ConvTransposeNd::set_weight_bias(const Tensor& qweight, const Tensor& bias) {
  const std::string fn = name_ + ".set_weight_bias";
  check_arg(qweight.defined(), fn, "qweight", "undefined", "must be a qint8 tensor");
  std::vector<int64_t> want{in_channels_, out_channels_ / geometry_.groups};
  want.insert(want.end(), kernel_size_.begin(), kernel_size_.end());
  check_arg(qweight.sizes() == want, fn, "qweight.sizes()", shape_str(qweight.sizes()),
            "must be " + shape_str(want) + " (in_channels, out_channels/groups, kernel_size...)");
  packed_ = pack_conv_transpose_weight(fn, geometry_.spatial_dims, qweight, bias, geometry_.groups);
  requant_cache_ = std::make_shared<RequantCache>();  // the constants depend on the weights' scales and bias
  weight_per_channel_ = is_per_channel(qweight.qscheme());
}

Tensor ConvTransposeNd::weight() const {
  const ConvTransposeWeightShape& s = packed_->shape();
  std::vector<int64_t> sizes{in_channels_, out_channels_ / geometry_.groups};
  sizes.insert(sizes.end(), kernel_size_.begin(), kernel_size_.end());
  const Tensor int_repr = from_vector<int8_t>(packed_->unpack(), sizes);
  const WeightQParams& q = packed_->qparams();
  if (!weight_per_channel_) return make_per_tensor_quantized_tensor(int_repr, q.scales[0], q.zero_points[0]);
  const size_t ocg = s.group_out();
  std::vector<double> scales(ocg);
  std::vector<int64_t> zps(ocg);
  for (size_t n = 0; n < ocg; ++n) {  // the first group's entries: every group repeats them
    scales[n] = q.scales[q.scales.size() == 1 ? 0 : n];
    zps[n] = q.zero_points[q.zero_points.size() == 1 ? 0 : n];
  }
  return make_per_channel_quantized_tensor(int_repr, scales, zps, 1);
}

Tensor ConvTransposeNd::bias() const {
  const std::vector<float>& b = packed_->bias();
  return b.empty() ? Tensor() : from_vector(b);
}

Tensor ConvTransposeNd::forward(const Tensor& x) {
  return quantized_conv_transpose(name_, x, *packed_, geometry_, scale, zero_point, requant_cache_.get());
}

std::string ConvTransposeNd::extra_repr() const {
  // PyTorch's _ConvNd.extra_repr of the quantized modules.
  std::string s = std::to_string(in_channels_) + ", " + std::to_string(out_channels_) +
                  ", kernel_size=" + py_tuple(kernel_size_) + ", stride=" + py_tuple(geometry_.stride) +
                  ", scale=" + py_float(scale) + ", zero_point=" + std::to_string(zero_point);
  const auto all = [](const std::vector<int64_t>& v, int64_t x) {
    for (int64_t e : v)
      if (e != x) return false;
    return true;
  };
  if (!all(geometry_.padding, 0)) s += ", padding=" + py_tuple(geometry_.padding);
  if (!all(geometry_.dilation, 1)) s += ", dilation=" + py_tuple(geometry_.dilation);
  if (!all(geometry_.output_padding, 0)) s += ", output_padding=" + py_tuple(geometry_.output_padding);
  if (geometry_.groups != 1) s += ", groups=" + std::to_string(geometry_.groups);
  if (packed_->bias().empty()) s += ", bias=False";
  return s;
}

// ---- Serialization -------------------------------------------------------------------------------------------
// "QJITMCT\0" | u32 version | u32 spatial_dims | i64 in_channels, out_channels, groups | i64 x dims each: kernel_size,
// stride, padding, output_padding, dilation | f64 scale | i64 zero_point | u32 weight per channel |
// u64 size, PackedConvTransposeWeights blob | u32 crc32 of everything before it.

namespace {

constexpr char kMagic[8] = {'Q', 'J', 'I', 'T', 'M', 'C', 'T', 0};
constexpr uint32_t kVersion = 1;

class Reader {
 public:
  Reader(std::string_view fn, const uint8_t* p, size_t n) : fn_(fn), p_(p), n_(n) {}
  template <class T>
  T get(const char* what) {
    T v;
    if (sizeof(T) > n_ - pos_) throw_bad_arg(fn_, "size", n_, std::string("truncated while reading ") + what);
    std::memcpy(&v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  const uint8_t* take(size_t n, const char* what) {
    if (n > n_ - pos_) throw_bad_arg(fn_, "size", n_, std::string("truncated while reading ") + what);
    pos_ += n;
    return p_ + pos_ - n;
  }
  size_t left() const { return n_ - pos_; }

 private:
  std::string_view fn_;
  const uint8_t* p_;
  size_t n_, pos_ = 0;
};

}  // namespace

std::vector<uint8_t> ConvTransposeNd::serialize() const {
  std::vector<uint8_t> out;
  const auto put = [&](const auto& v) {
    const size_t at = out.size();
    out.resize(at + sizeof v);
    std::memcpy(out.data() + at, &v, sizeof v);
  };
  out.resize(sizeof kMagic);
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  put(kVersion);
  put(static_cast<uint32_t>(geometry_.spatial_dims));
  put(in_channels_);
  put(out_channels_);
  put(geometry_.groups);
  for (const auto* v : {&kernel_size_, &geometry_.stride, &geometry_.padding, &geometry_.output_padding,
                        &geometry_.dilation})
    for (int64_t e : *v) put(e);
  put(scale);
  put(zero_point);
  put(static_cast<uint32_t>(weight_per_channel_ ? 1 : 0));
  const std::vector<uint8_t> blob = packed_->serialize();
  put(static_cast<uint64_t>(blob.size()));
  const size_t at = out.size();
  out.resize(at + blob.size());
  std::memcpy(out.data() + at, blob.data(), blob.size());
  put(static_cast<uint32_t>(crc32(0L, out.data(), static_cast<uInt>(out.size()))));
  return out;
}

void ConvTransposeNd::load(const uint8_t* data, size_t size, const char* fn) {
  check_not_null(fn, "data", data);
  check_arg(size >= sizeof kMagic + 8, fn, "size", size, "too small for a serialized module");
  check_arg(std::memcmp(data, kMagic, sizeof kMagic) == 0, fn, "magic", "?",
            "not a serialized qjit transposed-convolution module");
  uint32_t stored_crc;
  std::memcpy(&stored_crc, data + size - 4, 4);
  check_arg(static_cast<uint32_t>(crc32(0L, data, static_cast<uInt>(size - 4))) == stored_crc, fn, "checksum",
            stored_crc, "does not match the data (corrupt blob)");
  Reader r(fn, data + sizeof kMagic, size - sizeof kMagic - 4);
  const auto version = r.get<uint32_t>("version");
  check_arg(version == kVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const auto dims = r.get<uint32_t>("spatial_dims");
  check_arg(static_cast<int>(dims) == geometry_.spatial_dims, fn, "spatial_dims", dims,
            "differs from this module's (" + std::to_string(geometry_.spatial_dims) + ")");
  const int64_t in = r.get<int64_t>("in_channels"), out = r.get<int64_t>("out_channels");
  const int64_t groups = r.get<int64_t>("groups");
  std::vector<int64_t> v[5];
  for (auto& e : v)
    for (uint32_t i = 0; i < dims; ++i) e.push_back(r.get<int64_t>("geometry"));
  const double s = r.get<double>("scale");
  const int64_t zp = r.get<int64_t>("zero_point");
  const uint32_t per_channel = r.get<uint32_t>("weight qscheme");
  const uint64_t n = r.get<uint64_t>("packed weights size");
  const uint8_t* blob = r.take(n, "packed weights");
  check_arg(r.left() == 0, fn, "size", size, "has trailing bytes");
  check_scale(fn, "scale", s);
  check_zero_point(fn, "zero_point", zp, 0, 255);
  auto packed = std::make_shared<const PackedConvTransposeWeights>(
      PackedConvTransposeWeights::deserialize(blob, static_cast<size_t>(n)));
  const ConvTransposeGeometry g = make_geometry(fn, static_cast<int>(dims), v[1], v[2], v[3], groups, v[4]);
  ConvTransposeWeightShape want;
  want.in_channels = static_cast<size_t>(in);
  want.out_channels = static_cast<size_t>(out);
  want.groups = static_cast<size_t>(groups);
  for (uint32_t i = 0; i < dims; ++i) {
    check_arg(v[0][i] > 0, fn, ArgAt{"kernel_size", i}, v[0][i], "must be > 0");
    want.kernel[3 - dims + i] = static_cast<size_t>(v[0][i]);
  }
  check_arg(in > 0 && out > 0 && packed->shape() == want, fn, "packed weights", packed->describe(),
            "do not match the module's geometry");
  in_channels_ = in;
  out_channels_ = out;
  kernel_size_ = v[0];
  geometry_ = g;
  scale = s;
  zero_point = zp;
  weight_per_channel_ = per_channel != 0;
  packed_ = std::move(packed);
  requant_cache_ = std::make_shared<RequantCache>();
}

namespace {

template <class M>
std::shared_ptr<M> from_quantized_impl(const char* fn, int dims, const Tensor& qweight, const Tensor& bias,
                                       double scale, int64_t zero_point, const ExpandingArray& stride,
                                       const ExpandingArray& padding, const ExpandingArray& output_padding,
                                       int64_t groups, const ExpandingArray& dilation) {
  check_arg(qweight.defined(), fn, "qweight", "undefined", "must be a qint8 tensor");
  check_arg(qweight.dim() == dims + 2, fn, "qweight.dim()", qweight.dim(),
            "must be " + std::to_string(dims + 2) + " (in_channels, out_channels/groups, kernel...)");
  check_scale(fn, "scale", scale);
  check_zero_point(fn, "zero_point", zero_point, 0, 255);
  check_arg(groups > 0, fn, "groups", groups, "must be > 0");
  std::vector<int64_t> kernel(qweight.sizes().begin() + 2, qweight.sizes().end());
  auto m = std::make_shared<M>(qweight.size(0), qweight.size(1) * groups, kernel, stride, padding, output_padding,
                               groups, bias.defined(), dilation);
  m->set_weight_bias(qweight, bias);
  m->scale = scale;
  m->zero_point = zero_point;
  return m;
}

}  // namespace

ConvTranspose1d::ConvTranspose1d(int64_t in_channels, int64_t out_channels, ExpandingArray kernel_size,
                                 ExpandingArray stride, ExpandingArray padding, ExpandingArray output_padding,
                                 int64_t groups, bool bias, ExpandingArray dilation, std::string padding_mode,
                                 DType dtype)
    : ModuleBase(1, "ConvTranspose1d", in_channels, out_channels, kernel_size, stride, padding, output_padding,
                 groups, bias, dilation, std::move(padding_mode), dtype) {}
ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, ExpandingArray kernel_size,
                                 ExpandingArray stride, ExpandingArray padding, ExpandingArray output_padding,
                                 int64_t groups, bool bias, ExpandingArray dilation, std::string padding_mode,
                                 DType dtype)
    : ModuleBase(2, "ConvTranspose2d", in_channels, out_channels, kernel_size, stride, padding, output_padding,
                 groups, bias, dilation, std::move(padding_mode), dtype) {}
ConvTranspose3d::ConvTranspose3d(int64_t in_channels, int64_t out_channels, ExpandingArray kernel_size,
                                 ExpandingArray stride, ExpandingArray padding, ExpandingArray output_padding,
                                 int64_t groups, bool bias, ExpandingArray dilation, std::string padding_mode,
                                 DType dtype)
    : ModuleBase(3, "ConvTranspose3d", in_channels, out_channels, kernel_size, stride, padding, output_padding,
                 groups, bias, dilation, std::move(padding_mode), dtype) {}

std::shared_ptr<ConvTranspose1d> ConvTranspose1d::from_quantized(const Tensor& qweight, const Tensor& bias,
                                                                 double scale, int64_t zero_point,
                                                                 ExpandingArray stride, ExpandingArray padding,
                                                                 ExpandingArray output_padding, int64_t groups,
                                                                 ExpandingArray dilation) {
  return from_quantized_impl<ConvTranspose1d>("nnq.ConvTranspose1d.from_quantized", 1, qweight, bias, scale,
                                              zero_point, stride, padding, output_padding, groups, dilation);
}
std::shared_ptr<ConvTranspose2d> ConvTranspose2d::from_quantized(const Tensor& qweight, const Tensor& bias,
                                                                 double scale, int64_t zero_point,
                                                                 ExpandingArray stride, ExpandingArray padding,
                                                                 ExpandingArray output_padding, int64_t groups,
                                                                 ExpandingArray dilation) {
  return from_quantized_impl<ConvTranspose2d>("nnq.ConvTranspose2d.from_quantized", 2, qweight, bias, scale,
                                              zero_point, stride, padding, output_padding, groups, dilation);
}
std::shared_ptr<ConvTranspose3d> ConvTranspose3d::from_quantized(const Tensor& qweight, const Tensor& bias,
                                                                 double scale, int64_t zero_point,
                                                                 ExpandingArray stride, ExpandingArray padding,
                                                                 ExpandingArray output_padding, int64_t groups,
                                                                 ExpandingArray dilation) {
  return from_quantized_impl<ConvTranspose3d>("nnq.ConvTranspose3d.from_quantized", 3, qweight, bias, scale,
                                              zero_point, stride, padding, output_padding, groups, dilation);
}

std::shared_ptr<ConvTranspose1d> ConvTranspose1d::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<ConvTranspose1d>(1, 1, 1);
  m->load(data, size, "nnq.ConvTranspose1d.deserialize");
  return m;
}
std::shared_ptr<ConvTranspose2d> ConvTranspose2d::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<ConvTranspose2d>(1, 1, 1);
  m->load(data, size, "nnq.ConvTranspose2d.deserialize");
  return m;
}
std::shared_ptr<ConvTranspose3d> ConvTranspose3d::deserialize(const uint8_t* data, size_t size) {
  auto m = std::make_shared<ConvTranspose3d>(1, 1, 1);
  m->load(data, size, "nnq.ConvTranspose3d.deserialize");
  return m;
}

}  // namespace nnq
}  // namespace qjit
