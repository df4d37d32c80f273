// Quantized transposed convolution on Tensors (qlayers/conv_transpose.h): the functional ops and
// nnq.ConvTranspose1d/2d/3d against a float computation (dequantize x, dequantize w, transposed convolution in
// double, + bias, quantize with the output qparams) within 1 LSB, and bit-exactly against the kernel reference with
// each engine's requantization; channels-last outputs from either input memory format; weight() / bias()
// round trips, serialize / deserialize, from_quantized, printing; every kind of bad input is a qjit::Error.
#include "qlayers/conv_transpose.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/reference/conv_transpose_ref.h"
#include "qlayers/engine.h"
#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"

namespace qjit {
namespace {

using test::expect_error;

struct Case {
  int dims = 2;
  int64_t n = 1, c = 4, oc = 6, groups = 1;
  std::vector<int64_t> in{5, 5}, k{3, 3}, s{1, 1}, p{0, 0}, op{0, 0}, d{1, 1};
  bool per_channel = false, bias = true, channels_last = false, w_zp = false;

  std::vector<int64_t> out() const {
    std::vector<int64_t> o;
    for (int i = 0; i < dims; ++i) o.push_back((in[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1);
    return o;
  }
  std::string describe() const {
    std::string r = std::to_string(dims) + "d n=" + std::to_string(n) + " c=" + std::to_string(c) +
                    " oc=" + std::to_string(oc) + " g=" + std::to_string(groups) + " in=" + shape_str(in) +
                    " k=" + shape_str(k) + " s=" + shape_str(s) + " p=" + shape_str(p) + " op=" + shape_str(op) +
                    " d=" + shape_str(d);
    return r + (per_channel ? " per-channel" : " per-tensor") + (bias ? " bias" : "") +
           (channels_last ? " channels_last" : "") + (w_zp ? " w_zp" : "");
  }
};

struct Operands {
  Tensor x, w, b;
};

Operands make_operands(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<int64_t> xs{c.n, c.c};
  xs.insert(xs.end(), c.in.begin(), c.in.end());
  std::vector<float> xv(static_cast<size_t>(c.n * c.c));
  for (int64_t v : c.in) xv.resize(xv.size() * static_cast<size_t>(v));
  for (auto& v : xv) v = 2.f * u(rng) + 0.5f;
  Operands o;
  o.x = quantize_per_tensor(from_vector(xv, xs), 0.02, 100, DType::quint8);
  if (c.channels_last && c.dims > 1) o.x = o.x.contiguous(MemoryFormat::channels_last);
  const int64_t ocg = c.oc / c.groups;
  std::vector<int64_t> ws{c.c, ocg};
  ws.insert(ws.end(), c.k.begin(), c.k.end());
  size_t wn = 1;
  for (int64_t v : ws) wn *= static_cast<size_t>(v);
  std::vector<float> wv(wn);
  for (auto& v : wv) v = 0.5f * u(rng);
  const Tensor wf = from_vector(wv, ws);
  if (c.per_channel) {
    std::vector<double> scales;
    std::vector<int64_t> zps;
    for (int64_t j = 0; j < ocg; ++j) {
      scales.push_back(0.002 + 0.001 * static_cast<double>(j % 5));
      zps.push_back(c.w_zp ? (j % 7) - 3 : 0);
    }
    o.w = quantize_per_channel(wf, scales, zps, 1, DType::qint8);
  } else {
    o.w = quantize_per_tensor(wf, 0.004, c.w_zp ? 5 : 0, DType::qint8);
  }
  if (c.bias) {
    std::vector<float> bv(static_cast<size_t>(c.oc));
    for (auto& v : bv) v = u(rng);
    o.b = from_vector(bv);
  }
  return o;
}

// dequantize(x) conv_transpose dequantize(w) + bias, in double, as floats in NC(D)(H)W order.
std::vector<float> float_reference(const Case& c, const Operands& o) {
  const Tensor xf = dequantize(o.x).contiguous(), wf = dequantize(o.w).contiguous();
  const float* x = xf.data_ptr<float>();
  const float* w = wf.data_ptr<float>();
  std::vector<int64_t> in(3, 1), k(3, 1), s(3, 1), p(3, 0), d(3, 1), out(3, 1);
  const auto o_sizes = c.out();
  for (int i = 0; i < c.dims; ++i) {
    const size_t j = static_cast<size_t>(3 - c.dims + i);
    in[j] = c.in[i], k[j] = c.k[i], s[j] = c.s[i], p[j] = c.p[i], d[j] = c.d[i], out[j] = o_sizes[i];
  }
  const int64_t cg = c.c / c.groups, ocg = c.oc / c.groups, in_px = in[0] * in[1] * in[2];
  const int64_t out_px = out[0] * out[1] * out[2], taps = k[0] * k[1] * k[2];
  std::vector<double> y(static_cast<size_t>(c.n * c.oc * out_px), 0.0);
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t ci = 0; ci < c.c; ++ci)
      for (int64_t id = 0; id < in[0]; ++id)
        for (int64_t ih = 0; ih < in[1]; ++ih)
          for (int64_t iw = 0; iw < in[2]; ++iw) {
            const double xv = x[(n * c.c + ci) * in_px + (id * in[1] + ih) * in[2] + iw];
            for (int64_t kd = 0; kd < k[0]; ++kd)
              for (int64_t kh = 0; kh < k[1]; ++kh)
                for (int64_t kw = 0; kw < k[2]; ++kw) {
                  const int64_t od = id * s[0] - p[0] + kd * d[0], oh = ih * s[1] - p[1] + kh * d[1];
                  const int64_t ow = iw * s[2] - p[2] + kw * d[2];
                  if (od < 0 || od >= out[0] || oh < 0 || oh >= out[1] || ow < 0 || ow >= out[2]) continue;
                  for (int64_t j = 0; j < ocg; ++j) {
                    const int64_t oc = (ci / cg) * ocg + j;
                    y[static_cast<size_t>((n * c.oc + oc) * out_px + (od * out[1] + oh) * out[2] + ow)] +=
                        xv * w[(ci * ocg + j) * taps + (kd * k[1] + kh) * k[2] + kw];
                  }
                }
          }
  std::vector<float> r(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t oc = (i / static_cast<size_t>(out_px)) % static_cast<size_t>(c.oc);
    r[i] = static_cast<float>(y[i]) + (o.b.defined() ? o.b.data_ptr<float>()[oc] : 0.f);
  }
  return r;
}

Tensor run_functional(const Case& c, const Operands& o, double scale, int64_t zp) {
  const auto f = c.dims == 1 ? quantized_conv_transpose1d : c.dims == 2 ? quantized_conv_transpose2d
                                                                         : quantized_conv_transpose3d;
  return f(o.x, o.w, o.b, c.s, c.p, c.op, c.groups, c.d, scale, zp);
}

std::vector<Case> cases() {
  std::vector<Case> v;
  const auto add = [&](Case c) {
    for (bool pc : {false, true})
      for (bool cl : {false, true}) {
        c.per_channel = pc;
        c.channels_last = cl;
        v.push_back(c);
      }
  };
  Case c;
  add(c);  // 2-d, stride 1
  c.s = {2, 2}, c.p = {1, 1}, c.op = {1, 1};
  add(c);
  c.groups = 2, c.bias = false, c.d = {2, 1}, c.op = {1, 0}, c.w_zp = true;
  add(c);
  c = Case();
  c.dims = 1, c.in = {7}, c.k = {4}, c.s = {3}, c.p = {1}, c.op = {2}, c.d = {1}, c.n = 2, c.c = 3, c.oc = 5;
  add(c);
  c = Case();
  c.dims = 3, c.in = {3, 2, 4}, c.k = {2, 3, 2}, c.s = {2, 1, 2}, c.p = {0, 1, 1}, c.op = {1, 0, 0},
  c.d = {1, 1, 2}, c.c = 6, c.oc = 9, c.groups = 3;
  add(c);
  c = Case();
  c.c = 8, c.oc = 8, c.groups = 8, c.s = {2, 2}, c.k = {4, 4}, c.p = {1, 1};  // depthwise upsampling
  add(c);
  return v;
}

TEST(QuantizedConvTranspose, WithinOneLsbOfTheFloatComputationOnBothEngines) {
  size_t compared = 0, elements = 0;
  uint32_t seed = 1;
  for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
    EngineGuard guard(e);
    for (const Case& c : cases()) {
      SCOPED_TRACE(c.describe() + " engine=" + engine_name(e));
      const Operands o = make_operands(c, seed++);
      const std::vector<float> ref = float_reference(c, o);
      float lo = 0, hi = 0;
      for (float v : ref) lo = std::min(lo, v), hi = std::max(hi, v);
      const QParams q = choose_qparams(lo, hi, 0, 255);
      const Tensor y = run_functional(c, o, q.scale, q.zero_point);
      std::vector<int64_t> sizes{c.n, c.oc};
      for (int64_t v : c.out()) sizes.push_back(v);
      ASSERT_EQ(y.sizes(), sizes);
      const Tensor want = int_repr(quantize_per_tensor(from_vector(ref, sizes), q.scale, q.zero_point, DType::quint8));
      const Tensor got = int_repr(y).contiguous();
      int max_diff = 0;
      for (int64_t i = 0; i < got.numel(); ++i)
        max_diff = std::max(max_diff, std::abs(int{got.data_ptr<uint8_t>()[i]} - int{want.data_ptr<uint8_t>()[i]}));
      EXPECT_LE(max_diff, 1);
      elements += static_cast<size_t>(got.numel());
      ++compared;
    }
  }
  EXPECT_EQ(compared, 2 * cases().size());
  EXPECT_GT(elements, 10000u);
}

// The engine's requantization, derived as NUMERICS.md section 7 gives it for conv, on the kernel reference.
std::vector<uint8_t> reference_path(const Case& c, const Operands& o, double scale, int64_t zp, RequantFormula f) {
  ConvTransposeDesc d;
  d.spatial_dims = c.dims;
  d.batch = c.n, d.in_channels = c.c, d.out_channels = c.oc, d.groups = c.groups;
  for (int i = 0; i < c.dims; ++i) {
    const size_t j = static_cast<size_t>(3 - c.dims + i);
    d.input[j] = c.in[i], d.kernel[j] = c.k[i], d.stride[j] = c.s[i], d.padding[j] = c.p[i];
    d.output_padding[j] = c.op[i], d.dilation[j] = c.d[i];
  }
  const size_t OC = static_cast<size_t>(c.oc), OCg = OC / static_cast<size_t>(c.groups);
  std::vector<double> ws(OC);
  std::vector<int32_t> wz(OC);
  for (size_t oc = 0; oc < OC; ++oc) {
    ws[oc] = c.per_channel ? o.w.q_per_channel_scales()[oc % OCg] : o.w.q_scale();
    wz[oc] = static_cast<int32_t>(c.per_channel ? o.w.q_per_channel_zero_points()[oc % OCg] : o.w.q_zero_point());
  }
  const double xs = o.x.q_scale();
  std::vector<float> mult(OC), bf(OC);
  std::vector<int32_t> bi(OC);
  for (size_t oc = 0; oc < OC; ++oc) {
    const float b = o.b.defined() ? o.b.data_ptr<float>()[oc] : 0.f;
    if (f == RequantFormula::onednn) {
      const float sw = (1.0f / static_cast<float>(xs)) * (1.0f / static_cast<float>(ws[oc]));
      mult[oc] = (1.0f / static_cast<float>(scale)) / sw;
      bf[oc] = b * sw;
    } else {
      mult[oc] = static_cast<float>(ws[oc]) * static_cast<float>(xs) * (1.0f / static_cast<float>(scale));
      bi[oc] = static_cast<int32_t>(std::nearbyint(b * (1.0f / static_cast<float>(xs * ws[oc]))));
    }
  }
  OutputStage s = requantize_stage(OutputKind::u8, f, mult.data(), true, static_cast<int32_t>(zp));
  if (o.b.defined()) {
    if (f == RequantFormula::onednn)
      s.bias_f = bf.data();
    else
      s.bias_i = bi.data();
  }
  // Channels-last input: N, spatial..., C.
  std::vector<int64_t> perm{0};
  for (int i = 0; i < c.dims; ++i) perm.push_back(2 + i);
  perm.push_back(1);
  const Tensor x_nhwc = int_repr(o.x).permute(perm).contiguous();
  const Tensor w = int_repr(o.w).contiguous();
  std::vector<uint8_t> y(d.output_pixels() * OC);
  ref::conv_transpose_u8s8(d, x_nhwc.data_ptr<uint8_t>(), static_cast<int32_t>(o.x.q_zero_point()),
                           w.data_ptr<int8_t>(), wz.data(), y.data(), s);
  return y;
}

TEST(QuantizedConvTranspose, BitExactToTheKernelReferenceWithEachEnginesFormula) {
  size_t compared = 0;
  for (QEngine e : {QEngine::onednn, QEngine::x86, QEngine::qnnpack}) {
    EngineGuard guard(e);
    uint32_t seed = 100;
    for (const Case& c : cases()) {
      SCOPED_TRACE(c.describe() + " engine=" + engine_name(e));
      const Operands o = make_operands(c, seed++);
      const Tensor y = run_functional(c, o, 0.05, 120);
      const std::vector<uint8_t> want = reference_path(c, o, 0.05, 120, requant_formula(e));
      // y is channels-last: its storage order is the reference's.
      std::vector<int64_t> perm{0};
      for (int i = 0; i < c.dims; ++i) perm.push_back(2 + i);
      perm.push_back(1);
      const Tensor got = int_repr(y).permute(perm).contiguous();
      ASSERT_EQ(static_cast<size_t>(got.numel()), want.size());
      for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(int{got.data_ptr<uint8_t>()[i]}, int{want[i]}) << "element " << i;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 3 * cases().size());
}

TEST(QuantizedConvTranspose, OutputIsChannelsLastFromEitherInputFormat) {
  Case c;
  c.s = {2, 2}, c.op = {1, 1};
  for (bool cl : {false, true}) {
    c.channels_last = cl;
    const Operands o = make_operands(c, 7);
    const Tensor y = run_functional(c, o, 0.1, 3);
    EXPECT_TRUE(y.is_contiguous(MemoryFormat::channels_last));
    EXPECT_EQ(y.dtype(), DType::quint8);
    EXPECT_EQ(y.q_scale(), 0.1);
    EXPECT_EQ(y.q_zero_point(), 3);
  }
  Case c1;
  c1.dims = 1, c1.in = {5}, c1.k = {3}, c1.s = {2}, c1.p = {0}, c1.op = {1}, c1.d = {1};
  const Tensor y1 = run_functional(c1, make_operands(c1, 8), 0.1, 3);
  EXPECT_EQ(y1.sizes(), (std::vector<int64_t>{1, 6, 12}));
  EXPECT_EQ(y1.strides(), (std::vector<int64_t>{72, 1, 6}));  // (OW*OC, 1, OC) as PyTorch's conv1d-as-conv2d
  Case c3 = cases().back();
  c3.dims = 3, c3.in = {2, 3, 3}, c3.k = {2, 2, 2}, c3.s = {1, 1, 1}, c3.p = {0, 0, 0}, c3.op = {0, 0, 0},
  c3.d = {1, 1, 1};
  EXPECT_TRUE(run_functional(c3, make_operands(c3, 9), 0.1, 3).is_contiguous(MemoryFormat::channels_last));
}

// ---- modules

TEST(NnqConvTranspose, ConstructorFollowsPyTorchDefaults) {
  nnq::ConvTranspose2d m(4, 6, 3);
  EXPECT_EQ(m.type_name(), "ConvTranspose2d");
  EXPECT_EQ(m.qualified_name(), "nnq.ConvTranspose2d");
  EXPECT_EQ(m.kernel_size(), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(m.stride(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(m.output_padding(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(m.padding_mode(), "zeros");
  EXPECT_EQ(m.scale, 1.0);
  EXPECT_EQ(m.zero_point, 0);
  const Tensor w = m.weight();
  EXPECT_EQ(w.sizes(), (std::vector<int64_t>{4, 6, 3, 3}));
  EXPECT_EQ(w.dtype(), DType::qint8);
  EXPECT_EQ(w.q_scale(), 1.0);
  const Tensor wi = int_repr(w);
  for (int64_t i = 0; i < wi.numel(); ++i) ASSERT_EQ(wi.data_ptr<int8_t>()[i], 0);
  ASSERT_TRUE(m.bias().defined());
  EXPECT_EQ(m.bias().sizes(), (std::vector<int64_t>{6}));
  EXPECT_FALSE(nnq::ConvTranspose1d(2, 2, 3, 1, 0, 0, 1, false).bias().defined());
  EXPECT_EQ(nnq::ConvTranspose3d(2, 4, {1, 2, 3}, 1, 0, 0, 2).weight().sizes(), (std::vector<int64_t>{2, 2, 1, 2, 3}));
}

TEST(NnqConvTranspose, ExtraReprIsPyTorchs) {
  nnq::ConvTranspose2d m(4, 6, 3, 2, 1, 1, 2);
  m.scale = 0.1;
  m.zero_point = 3;
  EXPECT_EQ(m.extra_repr(),
            "4, 6, kernel_size=(3, 3), stride=(2, 2), scale=0.1, zero_point=3, padding=(1, 1), output_padding=(1, 1), "
            "groups=2");
  nnq::ConvTranspose1d m1(2, 3, 5, 1, 0, 0, 1, false, 2);
  EXPECT_EQ(m1.extra_repr(), "2, 3, kernel_size=(5,), stride=(1,), scale=1.0, zero_point=0, dilation=(2,), bias=False");
  m1.scale = 1.5e-05;
  EXPECT_NE(m1.extra_repr().find("scale=1.5e-05,"), std::string::npos) << m1.extra_repr();
}

TEST(NnqConvTranspose, WeightAndBiasRoundTripThroughThePackedForm) {
  for (bool per_channel : {false, true}) {
    Case c;
    c.groups = 2, c.per_channel = per_channel, c.w_zp = per_channel;
    const Operands o = make_operands(c, 11);
    nnq::ConvTranspose2d m(c.c, c.oc, 3, 1, 0, 0, 2);
    m.set_weight_bias(o.w, o.b);
    const Tensor w = m.weight();
    EXPECT_EQ(w.qscheme(), per_channel ? QScheme::per_channel_affine : QScheme::per_tensor_affine);
    if (per_channel) {
      EXPECT_EQ(w.q_per_channel_axis(), 1);
      EXPECT_EQ(w.q_per_channel_scales(), o.w.q_per_channel_scales());
      EXPECT_EQ(w.q_per_channel_zero_points(), o.w.q_per_channel_zero_points());
    } else {
      EXPECT_EQ(w.q_scale(), o.w.q_scale());
      EXPECT_EQ(w.q_zero_point(), o.w.q_zero_point());
    }
    const Tensor a = int_repr(w), b = int_repr(o.w).contiguous();
    ASSERT_EQ(a.sizes(), b.sizes());
    for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.data_ptr<int8_t>()[i], b.data_ptr<int8_t>()[i]);
    for (int64_t i = 0; i < c.oc; ++i) EXPECT_EQ(m.bias().data_ptr<float>()[i], o.b.data_ptr<float>()[i]);
  }
}

Tensor bytes_of(const Tensor& y) { return int_repr(y).contiguous(); }

void expect_same(const Tensor& a, const Tensor& b) {
  const Tensor x = bytes_of(a), y = bytes_of(b);
  ASSERT_EQ(x.sizes(), y.sizes());
  for (int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(x.data_ptr<uint8_t>()[i], y.data_ptr<uint8_t>()[i]) << i;
  EXPECT_EQ(a.q_scale(), b.q_scale());
  EXPECT_EQ(a.q_zero_point(), b.q_zero_point());
}

TEST(NnqConvTranspose, FromQuantizedMatchesTheFunctionalOp) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.describe());
    const Operands o = make_operands(c, 21);
    Tensor y;
    if (c.dims == 1)
      y = (*nnq::ConvTranspose1d::from_quantized(o.w, o.b, 0.07, 99, c.s, c.p, c.op, c.groups, c.d))(o.x);
    else if (c.dims == 2)
      y = (*nnq::ConvTranspose2d::from_quantized(o.w, o.b, 0.07, 99, c.s, c.p, c.op, c.groups, c.d))(o.x);
    else
      y = (*nnq::ConvTranspose3d::from_quantized(o.w, o.b, 0.07, 99, c.s, c.p, c.op, c.groups, c.d))(o.x);
    expect_same(y, run_functional(c, o, 0.07, 99));
  }
}

// The module caches the requantization constants of its last call: a call with another input scale, another
// engine or after new weights must not reuse them.
TEST(NnqConvTranspose, ChangingInputScaleEngineOrWeightsBetweenCallsGivesFreshResults) {
  Case c;
  c.per_channel = true;
  const Operands o = make_operands(c, 41);
  const auto m = nnq::ConvTranspose2d::from_quantized(o.w, o.b, 0.07, 99, c.s, c.p, c.op, c.groups, c.d);
  const Tensor xb = make_per_tensor_quantized_tensor(int_repr(o.x), 0.035, 100);
  const Tensor ya = (*m)(o.x);
  expect_same((*m)(xb), run_functional(c, Operands{xb, o.w, o.b}, 0.07, 99));
  expect_same((*m)(o.x), ya);
  {
    EngineGuard guard(QEngine::qnnpack);
    expect_same((*m)(o.x), run_functional(c, o, 0.07, 99));
  }
  const Operands o2 = make_operands(c, 42);
  m->set_weight_bias(o2.w, o2.b);
  expect_same((*m)(o.x), run_functional(c, Operands{o.x, o2.w, o2.b}, 0.07, 99));
}

TEST(NnqConvTranspose, SerializeDeserializeGivesEqualOutputs) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.describe());
    const Operands o = make_operands(c, 31);
    if (c.dims != 2) continue;
    auto m = nnq::ConvTranspose2d::from_quantized(o.w, o.b, 0.03, 17, c.s, c.p, c.op, c.groups, c.d);
    const std::vector<uint8_t> blob = m->serialize();
    auto back = nnq::ConvTranspose2d::deserialize(blob.data(), blob.size());
    EXPECT_EQ(back->extra_repr(), m->extra_repr());
    EXPECT_EQ(back->weight().qscheme(), m->weight().qscheme());
    expect_same((*back)(o.x), (*m)(o.x));
  }
  Case c1 = cases()[12];
  ASSERT_EQ(c1.dims, 1);
  const Operands o1 = make_operands(c1, 41);
  auto m1 = nnq::ConvTranspose1d::from_quantized(o1.w, o1.b, 0.03, 17, c1.s, c1.p, c1.op, c1.groups, c1.d);
  const auto blob1 = m1->serialize();
  expect_same((*nnq::ConvTranspose1d::deserialize(blob1.data(), blob1.size()))(o1.x), (*m1)(o1.x));
  Case c3 = cases()[16];
  ASSERT_EQ(c3.dims, 3);
  const Operands o3 = make_operands(c3, 42);
  auto m3 = nnq::ConvTranspose3d::from_quantized(o3.w, o3.b, 0.03, 17, c3.s, c3.p, c3.op, c3.groups, c3.d);
  const auto blob3 = m3->serialize();
  expect_same((*nnq::ConvTranspose3d::deserialize(blob3.data(), blob3.size()))(o3.x), (*m3)(o3.x));
  // A 2-d blob is not a 1-d module.
  expect_error([&] { nnq::ConvTranspose2d::deserialize(blob1.data(), blob1.size()); }, {"spatial_dims = 1"});
}

TEST(NnqConvTranspose, TruncatedOrCorruptBlobsAreErrors) {
  nnq::ConvTranspose2d m(4, 6, 3, 2, 1, 1);
  const std::vector<uint8_t> blob = m.serialize();
  const auto load = [](const std::vector<uint8_t>& b) { return nnq::ConvTranspose2d::deserialize(b.data(), b.size()); };
  for (size_t n : {size_t{0}, size_t{12}, blob.size() / 2, blob.size() - 1}) {
    const std::vector<uint8_t> cut(blob.begin(), blob.begin() + static_cast<ptrdiff_t>(n));
    expect_error([&] { load(cut); }, {"nnq.ConvTranspose2d.deserialize: "});
  }
  std::vector<uint8_t> bad = blob;
  bad[40] ^= 1;
  expect_error([&] { load(bad); }, {"checksum", "corrupt"});
  bad = blob;
  bad[1] = 'X';
  expect_error([&] { load(bad); }, {"not a serialized qjit transposed-convolution module"});
}

TEST(NnqConvTranspose, CloneSharesWeightsAndHooksRun) {
  const Case c = cases()[4];
  const Operands o = make_operands(c, 51);
  auto m = nnq::ConvTranspose2d::from_quantized(o.w, o.b, 0.05, 10, c.s, c.p, c.op, c.groups, c.d);
  int calls = 0;
  m->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& y) { ++calls; return y; });
  auto copy = std::dynamic_pointer_cast<nnq::ConvTranspose2d>(m->deep_clone());
  ASSERT_TRUE(copy);
  EXPECT_EQ(&copy->packed_weight(), &m->packed_weight());
  expect_same((*copy)(o.x), (*m)(o.x));
  EXPECT_EQ(calls, 2);
}

// ---- bad input

TEST(QuantizedConvTranspose, BadInputsAreErrorsNamingTheArgument) {
  Case c;
  const Operands o = make_operands(c, 61);
  const auto f = [&](const Tensor& x, const Tensor& w, const Tensor& b) {
    return quantized_conv_transpose2d(x, w, b, 1, 0, 0, 1, 1, 0.1, 0);
  };
  const std::string fn = "quantized_conv_transpose2d: ";
  expect_error([&] { f(dequantize(o.x), o.w, o.b); }, {fn, "input.dtype = float32: must be quint8"});
  expect_error([&] { f(quantize_per_tensor(dequantize(o.x), 0.1, 0, DType::qint8), o.w, o.b); }, {"input.dtype = qint8"});
  expect_error([&] { f(Tensor(), o.w, o.b); }, {fn, "input = undefined"});
  expect_error([&] { f(o.x.reshape({4, 5, 5}), o.w, o.b); }, {fn, "input.dim() = 3: must be 4"});
  expect_error([&] { f(o.x, o.w.reshape({2, 12, 3, 3}), Tensor()); }, {fn, "input.size(1) = 4: must equal the weight's in_channels (2)"});
  expect_error([&] { f(o.x, dequantize(o.w), o.b); }, {fn, "weight.dtype = float32: must be qint8"});
  expect_error([&] { f(o.x, o.w.reshape({4, 6, 9}), o.b); }, {fn, "weight.dim() = 3"});
  expect_error([&] { f(o.x, o.w, from_vector(std::vector<float>(5, 0.f))); }, {fn, "bias.sizes() = [5]: must be [6]"});
  expect_error([&] { f(o.x, o.w, from_vector(std::vector<int32_t>(6, 0), {6})); }, {fn, "bias.dtype = int32"});
  const Tensor w_axis0 = quantize_per_channel(dequantize(o.w), std::vector<double>(4, 0.01),
                                              std::vector<int64_t>(4, 0), 0, DType::qint8);
  expect_error([&] { f(o.x, w_axis0, o.b); }, {fn, "weight.q_per_channel_axis() = 0: must be 1"});
  expect_error([&] { quantized_conv_transpose2d(o.x, o.w, o.b, 1, 0, 0, 1, 1, 0.0, 0); }, {fn, "scale = 0"});
  expect_error([&] { quantized_conv_transpose2d(o.x, o.w, o.b, 1, 0, 0, 1, 1, 0.1, 256); }, {fn, "zero_point = 256"});
}

TEST(QuantizedConvTranspose, BadGeometryIsAnError) {
  Case c;
  const Operands o = make_operands(c, 71);
  const std::string fn = "quantized_conv_transpose2d: ";
  expect_error([&] { quantized_conv_transpose2d(o.x, o.w, o.b, 2, 0, 2, 1, 1, 0.1, 0); },
               {fn, "output_padding[0] = 2: must be smaller than stride (2) or dilation (1)"});
  expect_error([&] { quantized_conv_transpose2d(o.x, o.w, o.b, 1, 0, 0, 3, 1, 0.1, 0); },
               {fn, "weight.size(0) = 4", "multiple of groups (3)"});
  expect_error([&] { quantized_conv_transpose2d(o.x, o.w, o.b, {1, 1, 1}, 0, 0, 1, 1, 0.1, 0); },
               {fn, "stride = [1, 1, 1]: must be one value or 2 values"});
  expect_error([&] { quantized_conv_transpose2d(o.x, o.w, o.b, 1, 4, 0, 1, 1, 0.1, 0); },
               {fn, "padding[0] = 4: removes the whole output"});
  expect_error([&] { quantized_conv_transpose2d(o.x, o.w, o.b, 0, 0, 0, 1, 1, 0.1, 0); }, {fn, "stride[0] = 0"});
}

TEST(NnqConvTranspose, BadConstructorArgumentsAndWeightsAreErrors) {
  expect_error([&] { nnq::ConvTranspose2d(4, 6, 3, 1, 0, 0, 1, true, 1, "reflect"); },
               {"nnq.ConvTranspose2d: padding_mode = reflect"});
  expect_error([&] { nnq::ConvTranspose2d(4, 6, 3, 1, 0, 0, 1, true, 1, "zeros", DType::quint8); },
               {"nnq.ConvTranspose2d: dtype = quint8: must be qint8"});
  expect_error([&] { nnq::ConvTranspose2d(4, 6, 3, 1, 0, 0, 4); }, {"out_channels = 6: must be divisible by groups (4)"});
  expect_error([&] { nnq::ConvTranspose2d(0, 6, 3); }, {"in_channels = 0"});
  expect_error([&] { nnq::ConvTranspose2d(4, 6, {3, 3, 3}); }, {"kernel_size = [3, 3, 3]"});
  expect_error([&] { nnq::ConvTranspose1d(4, 6, 3, 1, 0, 1); }, {"output_padding[0] = 1: must be smaller than stride (1)"});
  nnq::ConvTranspose2d m(4, 6, 3);
  const Operands o = make_operands(Case(), 81);
  expect_error([&] { m.set_weight_bias(o.w.reshape({4, 6, 9, 1}), o.b); },
               {"nnq.ConvTranspose2d.set_weight_bias: qweight.sizes() = [4, 6, 9, 1]: must be [4, 6, 3, 3]"});
  expect_error([&] { m(o.x.reshape({1, 4, 25})); }, {"nnq.ConvTranspose2d: input.dim() = 3"});
}

}  // namespace
}  // namespace qjit
