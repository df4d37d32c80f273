#include "qlayers/dynamic_linear_packed_params.h"

#include <cmath>

#include "base/error.h"
#include "kernels/convert_f16.h"
#include "kernels/gemm.h"
#include "kernels/gemm_f16.h"
#include "kernels/minmax.h"
#include "kernels/quantize.h"
#include "qlayers/byte_stream.h"
#include "qlayers/pack_options.h"
#include "qlayers/quantize.h"

namespace qjit {
namespace {

constexpr uint32_t kBlobMagic = 0x50444c51;  // "QLDP"
constexpr uint32_t kBlobVersion = 1;

void check_bias(std::string_view fn, const Tensor& bias, int64_t out_features) {
  if (!bias.defined()) return;
  check_arg(bias.dtype() == DType::float32, fn, "bias.dtype", dtype_name(bias.dtype()), "must be float32");
  check_arg(bias.dim() == 1 && bias.size(0) == out_features, fn, "bias.shape", shape_str(bias.sizes()),
            "must be [out_features] = [" + std::to_string(out_features) + "]");
}

std::vector<float> bias_values(const Tensor& bias) {
  if (!bias.defined()) return {};
  const Tensor b = bias.contiguous();
  const float* p = b.data_ptr<float>();
  return std::vector<float>(p, p + b.numel());
}

}  // namespace

DynamicLinearPackedParams DynamicLinearPackedParams::from_qweight(const Tensor& qweight, const Tensor& bias,
                                                                  std::string_view fn, Isa isa) {
  check_arg(qweight.defined(), fn, "weight", "undefined", "must be a defined tensor");
  check_arg(qweight.dtype() == DType::qint8, fn, "weight.dtype", dtype_name(qweight.dtype()), "must be qint8");
  check_arg(qweight.dim() == 2, fn, "weight.shape", shape_str(qweight.sizes()),
            "must be 2-D [out_features, in_features]");
  const int64_t N = qweight.size(0), K = qweight.size(1);
  check_arg(N > 0 && K > 0, fn, "weight.shape", shape_str(qweight.sizes()), "must not be empty");
  const QScheme scheme = qweight.qscheme();
  WeightQParams qp;
  if (scheme == QScheme::per_tensor_affine || scheme == QScheme::per_tensor_symmetric) {
    qp.scales = {qweight.q_scale()};
    qp.zero_points = {static_cast<int32_t>(qweight.q_zero_point())};
  } else if (scheme == QScheme::per_channel_affine || scheme == QScheme::per_channel_symmetric) {
    check_arg(qweight.q_per_channel_axis() == 0, fn, "weight.axis", qweight.q_per_channel_axis(),
              "per-channel weights must be quantized along the output channels (axis 0)");
    qp.scales = qweight.q_per_channel_scales();
    qp.zero_points.assign(qweight.q_per_channel_zero_points().begin(), qweight.q_per_channel_zero_points().end());
  } else {
    check_arg(false, fn, "weight.qscheme", qscheme_name(scheme),
              "must be per_tensor_affine or per_channel_affine (axis 0)");
  }
  check_bias(fn, bias, N);
  const Tensor w = qweight.contiguous();
  const std::vector<float> b = bias_values(bias);
  DynamicLinearPackedParams p;
  p.dtype_ = DType::qint8;
  p.isa_ = isa;
  p.in_features_ = K;
  p.out_features_ = N;
  p.int8_ = std::make_shared<const PackedWeights>(w.data_ptr<int8_t>(), WeightOrder::n_by_k, static_cast<size_t>(K),
                                                  static_cast<size_t>(N), std::move(qp),
                                                  b.empty() ? nullptr : b.data(), isa, module_pack_options());
  return p;
}

DynamicLinearPackedParams DynamicLinearPackedParams::from_float_fp16(const Tensor& weight, const Tensor& bias,
                                                                     std::string_view fn, Isa isa) {
  check_arg(weight.defined(), fn, "weight", "undefined", "must be a defined tensor");
  check_arg(weight.dtype() == DType::float32, fn, "weight.dtype", dtype_name(weight.dtype()), "must be float32");
  check_arg(weight.dim() == 2, fn, "weight.shape", shape_str(weight.sizes()),
            "must be 2-D [out_features, in_features]");
  const int64_t N = weight.size(0), K = weight.size(1);
  check_arg(N > 0 && K > 0, fn, "weight.shape", shape_str(weight.sizes()), "must not be empty");
  check_bias(fn, bias, N);
  const Tensor w = weight.contiguous();
  const std::vector<float> b = bias_values(bias);
  DynamicLinearPackedParams p;
  p.dtype_ = DType::float16;
  p.isa_ = isa;
  p.in_features_ = K;
  p.out_features_ = N;
  p.fp16_ = std::make_shared<const PackedWeightsF16>(w.data_ptr<float>(), WeightOrder::n_by_k,
                                                     static_cast<size_t>(K), static_cast<size_t>(N),
                                                     b.empty() ? nullptr : b.data(), isa);
  return p;
}

bool DynamicLinearPackedParams::has_bias() const {
  return int8_ ? !int8_->bias().empty() : !fp16_->bias().empty();
}

const PackedWeights& DynamicLinearPackedParams::int8() const {
  check_arg(int8_ != nullptr, "DynamicLinearPackedParams::int8", "dtype", dtype_name(dtype_), "must be qint8");
  return *int8_;
}

const PackedWeightsF16& DynamicLinearPackedParams::fp16() const {
  check_arg(fp16_ != nullptr, "DynamicLinearPackedParams::fp16", "dtype", dtype_name(dtype_), "must be float16");
  return *fp16_;
}

Tensor DynamicLinearPackedParams::weight() const {
  const std::vector<int64_t> sizes{out_features_, in_features_};
  if (fp16_) {
    // unpack gives K x N; PyTorch's weight is N x K.
    const std::vector<float> kn = fp16_->unpack_k_by_n();
    Tensor w = empty(sizes);
    float* p = w.data_ptr<float>();
    for (int64_t n = 0; n < out_features_; ++n)
      for (int64_t k = 0; k < in_features_; ++k) p[n * in_features_ + k] = kn[k * out_features_ + n];
    return w;
  }
  const std::vector<int8_t> nk = int8_->unpack(WeightOrder::n_by_k);
  const Tensor ints = from_vector(nk, sizes);
  const WeightQParams& qp = int8_->qparams();
  if (!int8_->per_channel()) return make_per_tensor_quantized_tensor(ints, qp.scales[0], qp.zero_points[0]);
  std::vector<double> scales = qp.scales;
  std::vector<int64_t> zps(qp.zero_points.begin(), qp.zero_points.end());
  // A per-channel weight may store one zero point (or one scale) for all channels: widen to N.
  if (scales.size() == 1) scales.assign(static_cast<size_t>(out_features_), scales[0]);
  if (zps.size() == 1) zps.assign(static_cast<size_t>(out_features_), zps[0]);
  return make_per_channel_quantized_tensor(ints, scales, zps, 0);
}

Tensor DynamicLinearPackedParams::bias() const {
  const std::vector<float>& b = int8_ ? int8_->bias() : fp16_->bias();
  if (b.empty()) return Tensor();
  return from_vector(b);
}

void DynamicLinearPackedParams::run(const float* x, size_t M, float* y, size_t ldy, bool reduce_range,
                                    RequantFormula formula, DynamicLinearScratch& scratch, int threads) const {
  constexpr std::string_view fn = "linear_dynamic";
  if (M == 0) return;
  const size_t K = static_cast<size_t>(in_features_), N = static_cast<size_t>(out_features_);
  const Exec exec{isa_, nullptr, threads};
  if (fp16_) {
    gemm_f32_f16w(x, K, M, *fp16_, y, ldy, exec);
    return;
  }
  float mn, mx;
  min_max(x, M * K, &mn, &mx, exec);
  check_arg(std::isfinite(mn) && std::isfinite(mx), fn, "input range", std::to_string(mn) + ".." + std::to_string(mx),
            "must be finite to choose quantization parameters");
  // PyTorch's QNNPACK engine ignores reduce_range in dynamic linear; oneDNN honours it.
  const bool rr = reduce_range && formula == RequantFormula::onednn;
  const QParams qp = choose_qparams(mn, mx, 0, 255, false, false, rr);
  const float x_scale = static_cast<float>(qp.scale);
  const int32_t x_zp = static_cast<int32_t>(qp.zero_point);

  scratch.xq.resize(M * K);
  if (formula == RequantFormula::onednn) {
    const float zp_f = static_cast<float>(x_zp);  // oneDNN's reorder adds the zero point before rounding
    quantize_per_channel_float_qparams(x, scratch.xq.data(), 1, 1, M * K, QType::u8, &x_scale, &zp_f, exec);
  } else {
    quantize_per_tensor(x, scratch.xq.data(), M * K, QType::u8, x_scale, x_zp, exec);
  }

  const std::vector<double>& w_scales = int8_->qparams().scales;
  const bool pc = w_scales.size() > 1;
  const size_t n_scales = pc ? N : 1;
  const std::vector<float>& bias = int8_->bias();
  scratch.mult.resize(n_scales);
  OutputStage out;
  out.kind = OutputKind::f32;
  out.formula = formula;
  out.per_channel = pc;
  out.multiplier = scratch.mult.data();
  if (formula == RequantFormula::onednn) {
    // ideep's reciprocal scales, rounded to float where ideep keeps floats.
    const float src_s = static_cast<float>(1.0 / static_cast<double>(x_scale));
    if (!bias.empty()) scratch.bias_f.resize(N);
    float sw = 0;
    for (size_t c = 0; c < n_scales; ++c) {
      sw = src_s * static_cast<float>(1.0 / w_scales[c]);
      scratch.mult[c] = 1.0f / sw;
      if (pc && !bias.empty()) scratch.bias_f[c] = bias[c] * sw;
    }
    if (!pc && !bias.empty())
      for (size_t n = 0; n < N; ++n) scratch.bias_f[n] = bias[n] * sw;
    out.bias_f = bias.empty() ? nullptr : scratch.bias_f.data();
  } else {
    for (size_t c = 0; c < n_scales; ++c) scratch.mult[c] = x_scale * static_cast<float>(w_scales[c]);
    out.post_bias = bias.empty() ? nullptr : bias.data();
  }
  gemm(scratch.xq.data(), K, x_zp, M, *int8_, y, ldy, out, exec);
}

std::vector<uint8_t> DynamicLinearPackedParams::serialize() const {
  ByteWriter w;
  w.put(kBlobMagic);
  w.put(kBlobVersion);
  w.put(static_cast<uint8_t>(dtype_));
  w.put(in_features_);
  w.put(out_features_);
  if (int8_) {
    w.put_bytes(int8_->serialize());
  } else {
    const std::vector<float> kn = fp16_->unpack_k_by_n();
    std::vector<uint16_t> halves(kn.size());
    f32_to_f16(kn.data(), halves.data(), kn.size());  // exact: every value is a half
    w.put_array(halves.data(), halves.size());
    const std::vector<float>& b = fp16_->bias();
    w.put<uint8_t>(b.empty() ? 0 : 1);
    w.put_array(b.data(), b.size());
  }
  return w.seal();
}

DynamicLinearPackedParams DynamicLinearPackedParams::deserialize(const uint8_t* data, size_t size, Isa isa) {
  constexpr std::string_view fn = "DynamicLinearPackedParams::deserialize";
  ByteReader r(fn, data, size);
  const uint32_t magic = r.get<uint32_t>("magic");
  check_arg(magic == kBlobMagic, fn, "magic", magic, "not a dynamic linear blob");
  const uint32_t version = r.get<uint32_t>("version");
  check_arg(version == kBlobVersion, fn, "version", version, "unsupported (this build reads version 1)");
  const auto dtype = static_cast<DType>(r.get<uint8_t>("dtype"));
  check_arg(dtype == DType::qint8 || dtype == DType::float16, fn, "dtype", static_cast<int>(dtype),
            "must be qint8 or float16");
  const int64_t K = r.get<int64_t>("in_features"), N = r.get<int64_t>("out_features");
  check_arg(K > 0 && K < (int64_t{1} << 31), fn, "in_features", K, "out of range");
  check_arg(N > 0 && N < (int64_t{1} << 31), fn, "out_features", N, "out of range");
  DynamicLinearPackedParams p;
  p.dtype_ = dtype;
  p.isa_ = isa;
  p.in_features_ = K;
  p.out_features_ = N;
  if (dtype == DType::qint8) {
    const auto [bytes, n] = r.get_bytes("packed weights");
    auto w = std::make_shared<const PackedWeights>(PackedWeights::deserialize(bytes, n, isa));
    check_arg(w->K() == static_cast<size_t>(K) && w->N() == static_cast<size_t>(N), fn, "packed weights",
              w->describe(), "do not match in_features / out_features");
    p.int8_ = std::move(w);
  } else {
    const size_t count = static_cast<size_t>(K * N);
    std::vector<uint16_t> halves(count);
    r.get_array(halves.data(), count, "weights");
    std::vector<float> kn(count);
    f16_to_f32(halves.data(), kn.data(), count);
    std::vector<float> b;
    if (r.get<uint8_t>("has_bias")) {
      b.resize(static_cast<size_t>(N));
      r.get_array(b.data(), b.size(), "bias");
    }
    p.fp16_ = std::make_shared<const PackedWeightsF16>(kn.data(), WeightOrder::k_by_n, static_cast<size_t>(K),
                                                       static_cast<size_t>(N), b.empty() ? nullptr : b.data(), isa);
  }
  r.expect_end();
  return p;
}

}  // namespace qjit
