// Fake quantization beyond the golden data: argument checks, rounding ties and the straight-through mask at the
// range edges, non-finite inputs, layouts, wide (qint32-sized) ranges, float zero points, and the modules' switches,
// copies and observer checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include "tests/qlayers/expect_error.h"
#include "tests/support/golden.h"
#include "workflow/fake_quantize.h"
#include "qlayers/quantize.h"
#include "workflow/histogram_observer.h"

namespace qjit {
namespace {

using test::expect_error;
using test::tensor_floats;
using test::tensor_ints;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(FakeQuantizeOps, BadArgumentsThrowNamingTheArgument) {
  const Tensor x = from_vector({0.1f, 0.2f, 0.3f, 0.4f}, {2, 2});
  constexpr const char* fn = "fake_quantize_per_tensor_affine";
  expect_error([&] { fake_quantize_per_tensor_affine(x, std::nan(""), 0, 0, 255); }, {fn, "scale", "nan"});
  expect_error([&] { fake_quantize_per_tensor_affine(x, 0.0, 0, 0, 255); }, {fn, "scale", "> 0"});
  expect_error([&] { fake_quantize_per_tensor_affine(x, -0.1, 0, 0, 255); }, {fn, "scale"});
  expect_error([&] { fake_quantize_per_tensor_affine(x, INFINITY, 0, 0, 255); }, {fn, "scale"});
  expect_error([&] { fake_quantize_per_tensor_affine(x, 1e-50, 0, 0, 255); }, {fn, "scale", "float32"});
  expect_error([&] { fake_quantize_per_tensor_affine(x, 0.1, 300, 0, 255); }, {fn, "zero_point", "300"});
  expect_error([&] { fake_quantize_per_tensor_affine(x, 0.1, 0, 10, 5); }, {fn, "quant_min", "quant_max"});
  expect_error([&] { fake_quantize_per_tensor_affine(x.to(DType::float16), 0.1, 0, 0, 255); }, {fn, "float16"});
  expect_error([&] { fake_quantize_per_tensor_affine(Tensor(), 0.1, 0, 0, 255); }, {fn, "undefined"});

  constexpr const char* pc = "fake_quantize_per_channel_affine";
  const std::vector<float> s = {0.1f, 0.2f};
  const std::vector<int64_t> z = {0, 1};
  expect_error([&] { fake_quantize_per_channel_affine(x, s, z, 2, 0, 255); }, {pc, "axis = 2", "[0, 2)"});
  expect_error([&] { fake_quantize_per_channel_affine(x, s, z, -1, 0, 255); }, {pc, "axis = -1"});
  expect_error([&] { fake_quantize_per_channel_affine(x, {0.1f}, z, 0, 0, 255); }, {pc, "scale.size()", "1"});
  expect_error([&] { fake_quantize_per_channel_affine(x, s, {0}, 0, 0, 255); }, {pc, "zero_point.size()"});
  expect_error([&] { fake_quantize_per_channel_affine(x, {0.1f, kNaN}, z, 0, 0, 255); }, {pc, "scale[1]"});
  expect_error([&] { fake_quantize_per_channel_affine(x, s, {0, 256}, 0, 0, 255); }, {pc, "zero_point[1]", "256"});
  expect_error([&] { fake_quantize_per_channel_affine_float_qparams(x, s, {0.5f, kInf}, 0, 0, 255); },
               {"float_qparams", "zero_point[1]", "finite"});

  const FakeQuantizeResult r = fake_quantize_per_tensor_affine_cachemask(x, 0.1, 0, 0, 255);
  expect_error([&] { fake_quantize_backward(from_vector({1.0f, 2.0f}), r.mask); },
               {"fake_quantize_backward", "grad_y", "[2]", "[2, 2]"});
  expect_error([&] { fake_quantize_backward(x, x); }, {"fake_quantize_backward", "mask.dtype", "float32"});

  expect_error([&] { fake_quantize_learnable_per_tensor_affine(x, 0.1f, 0.0f, 1, 255); },
               {"learnable", "quant_min", "include 0"});
  expect_error([&] { fake_quantize_learnable_per_tensor_affine(x, 0.1f, kNaN, 0, 255); }, {"zero_point", "finite"});
  expect_error([&] { fake_quantize_learnable_per_tensor_affine_backward(x, x, 0.0f, 0.0f, 0, 255); }, {"scale"});
}

TEST(FakeQuantizeOps, TiesRoundToEvenAndTheMaskUsesTheUnclampedValue) {
  // scale 1, zero point 0, range [-2, 2]: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2 (in range: mask 1), 2.51 -> 3 (mask 0),
  // -2.5 -> -2 (mask 1), -3.5 -> -4 (clamped to -2, mask 0).
  const Tensor x = from_vector({0.5f, 1.5f, 2.5f, 2.51f, -2.5f, -3.5f, -0.5f});
  const FakeQuantizeResult r = fake_quantize_per_tensor_affine_cachemask(x, 1.0, 0, -2, 2);
  EXPECT_EQ(tensor_floats(r.output), (std::vector<float>{0, 2, 2, 2, -2, -2, 0}));
  EXPECT_EQ(tensor_ints(r.mask), (std::vector<int64_t>{1, 1, 1, 0, 1, 0, 1}));
  // The zero point is added after rounding: x / scale = 0.5 with zp 3 gives 3 (not 4).
  EXPECT_EQ(tensor_floats(fake_quantize_per_tensor_affine(from_vector({0.5f}), 1.0, 3, 0, 10)),
            std::vector<float>{0.0f});
  // Masked gradients are grad * 0: -0.0 for a negative gradient.
  const Tensor g = fake_quantize_backward(from_vector({1, 1, 1, -1, 1, -1, 1}), r.mask);
  const std::vector<float> gv = tensor_floats(g);
  EXPECT_EQ(gv[3], 0.0f);
  EXPECT_TRUE(std::signbit(gv[3]));
  EXPECT_EQ(gv[0], 1.0f);
}

TEST(FakeQuantizeOps, NonFiniteInputs) {
  const Tensor x = from_vector({kNaN, kInf, -kInf, 1e30f});
  const FakeQuantizeResult r = fake_quantize_per_tensor_affine_cachemask(x, 0.1, 5, 0, 255);
  // NaN: quant_min as PyTorch's x86 build gives; infinities and out-of-int64 values clamp to the nearer end.
  const std::vector<float> y = tensor_floats(r.output);
  EXPECT_EQ(y[0], (0 - 5) * 0.1f);
  EXPECT_EQ(y[1], (255 - 5) * 0.1f);
  EXPECT_EQ(y[2], (0 - 5) * 0.1f);
  EXPECT_EQ(y[3], (255 - 5) * 0.1f);
  EXPECT_EQ(tensor_ints(r.mask), (std::vector<int64_t>{0, 0, 0, 0}));
}

// ATen's per-tensor kernel, written as ATen writes it (int64 q, fmin/fmax in double), NaN as x86 converts it.
float aten_fake_quant(float x, float scale, int64_t zp, int64_t qmin, int64_t qmax, bool* in) {
  const float qf = static_cast<float>(zp) + std::nearbyint(x * (1.0f / scale));
  const int64_t q = std::isnan(qf) ? std::numeric_limits<int64_t>::min()
                    : qf >= 9.2e18f ? std::numeric_limits<int64_t>::max()
                    : qf <= -9.2e18f ? std::numeric_limits<int64_t>::min()
                                     : static_cast<int64_t>(qf);
  *in = qmin <= q && q <= qmax;
  return static_cast<float>((std::fmin(std::fmax(static_cast<double>(q), static_cast<double>(qmin)),
                                       static_cast<double>(qmax)) -
                             static_cast<double>(zp)) *
                            static_cast<double>(scale));
}

TEST(FakeQuantizeOps, VectorAndScalarPathsMatchATensFormula) {
  // Long enough for the 16-wide SSE2 loop and a scalar tail; ties, edges, signed zeros and non-finite values
  // included (the golden cases have few of those).
  std::vector<float> v = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 0.0f, -0.0f, kNaN, kInf, -kInf, 1e30f, -1e30f,
                          12.75f, 12.8f, -6.45f, -6.5f, 3e-39f, 127.5f, 128.5f};
  std::mt19937 gen(4);
  std::uniform_real_distribution<float> u(-20.0f, 20.0f);
  for (int i = 0; i < 1000; ++i) v.push_back(i % 3 ? u(gen) : std::round(u(gen) * 4.0f) / 4.0f + 0.125f);
  const Tensor x = from_vector(v);
  for (const auto& [scale, zp, qmin, qmax] :
       {std::tuple<float, int64_t, int64_t, int64_t>{0.25f, 0, -128, 127}, {0.1f, 128, 0, 255}, {0.05f, -5, -64, 63},
        {1.0f, 0, -2, 2}, {0.5f, 3, 0, 15}}) {
    const FakeQuantizeResult r = fake_quantize_per_tensor_affine_cachemask(x, scale, zp, qmin, qmax);
    const std::vector<float> y = tensor_floats(r.output);
    const std::vector<int64_t> m = tensor_ints(r.mask);
    for (size_t i = 0; i < v.size(); ++i) {
      bool in = false;
      const float want = aten_fake_quant(v[i], scale, zp, qmin, qmax, &in);
      if (std::isinf(v[i]) || std::fabs(v[i]) > 1e20f) continue;  // documented difference (see the header)
      ASSERT_EQ(y[i], want) << "x = " << v[i] << " scale " << scale << " zp " << zp;
      ASSERT_EQ(m[i], in ? 1 : 0) << "x = " << v[i];
    }
  }
}

TEST(FakeQuantizeOps, WideRangeTakesTheExactInt64Path) {
  // A qint32-sized range: clamping and the mask in int64, y = (q - zp) * scale in double (ATen's fmin/fmax).
  const int64_t qmin = -(int64_t{1} << 31), qmax = (int64_t{1} << 31) - 1;
  const Tensor x = from_vector({1e9f, -3e9f, 123.4f, 3e9f});
  const FakeQuantizeResult r = fake_quantize_per_tensor_affine_cachemask(x, 1.0, 7, qmin, qmax);
  const std::vector<float> y = tensor_floats(r.output);
  EXPECT_EQ(y[0], 1e9f);  // 7 + 1e9 rounds in float to 1e9 + 0 (ulp 64), minus 7 in double, back to float
  EXPECT_EQ(y[1], static_cast<float>(static_cast<double>(qmin) - 7.0));
  EXPECT_EQ(y[2], 123.0f);
  EXPECT_EQ(y[3], static_cast<float>(static_cast<double>(qmax) - 7.0));
  EXPECT_EQ(tensor_ints(r.mask), (std::vector<int64_t>{1, 0, 1, 0}));
}

TEST(FakeQuantizeOps, PerChannelLayoutsAndFloatZeroPoints) {
  std::vector<float> v(2 * 3 * 2 * 2);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::cos(static_cast<float>(i)) * 3.0f;
  const Tensor x = from_vector(v, {2, 3, 2, 2});
  const std::vector<float> s = {0.05f, 0.1f, 0.2f};
  const std::vector<int64_t> z = {0, 10, -3};
  const FakeQuantizeResult a = fake_quantize_per_channel_affine_cachemask(x, s, z, 1, -20, 20);
  const FakeQuantizeResult b =
      fake_quantize_per_channel_affine_cachemask(x.contiguous(MemoryFormat::channels_last), s, z, 1, -20, 20);
  EXPECT_TRUE(b.output.is_contiguous(MemoryFormat::channels_last));
  EXPECT_EQ(tensor_floats(a.output), tensor_floats(b.output.contiguous()));
  EXPECT_EQ(tensor_ints(a.mask), tensor_ints(b.mask.contiguous()));
  // Element [1, 2, 1, 0] against the formula with channel 2's parameters.
  const float xe = v[((1 * 3 + 2) * 2 + 1) * 2 + 0];
  const float q = -3.0f + std::nearbyint(xe * (1.0f / 0.2f));
  EXPECT_EQ(tensor_floats(a.output)[((1 * 3 + 2) * 2 + 1) * 2], (std::clamp(q, -20.0f, 20.0f) + 3.0f) * 0.2f);

  // Float zero points: q = rint(x / scale + zp), y = (clamp(q) - zp) * scale in double.
  const Tensor w = from_vector({0.26f, -1.0f, 2.0f, 0.74f}, {2, 2});
  const FakeQuantizeResult f =
      fake_quantize_per_channel_affine_float_qparams_cachemask(w, {0.1f, 0.25f}, {2.3f, 0.6f}, 0, 0, 15);
  const auto y = [](float x, float sc, float zp) {
    const float q = std::clamp(std::nearbyint(zp + x * (1.0f / sc)), 0.0f, 15.0f);
    return static_cast<float>((static_cast<double>(q) - zp) * static_cast<double>(sc));
  };
  EXPECT_EQ(tensor_floats(f.output),
            (std::vector<float>{y(0.26f, 0.1f, 2.3f), y(-1.0f, 0.1f, 2.3f), y(2.0f, 0.25f, 0.6f),
                                y(0.74f, 0.25f, 0.6f)}));
  EXPECT_EQ(tensor_ints(f.mask), (std::vector<int64_t>{1, 0, 1, 1}));
}

TEST(FakeQuantizeOps, LearnableGradFactorScalesScaleAndZeroPointGradients) {
  const Tensor x = from_vector({-1.0f, 0.33f, 5.0f, 30.0f});
  const Tensor gy = from_vector({1.0f, -2.0f, 0.5f, 0.25f});
  const auto g1 = fake_quantize_learnable_per_tensor_affine_backward(gy, x, 0.1f, 4.6f, 0, 255, 1.0);
  const auto g2 = fake_quantize_learnable_per_tensor_affine_backward(gy, x, 0.1f, 4.6f, 0, 255, 0.5);
  EXPECT_EQ(tensor_floats(g1.grad_x), tensor_floats(g2.grad_x));
  EXPECT_EQ(g2.grad_scale, g1.grad_scale * 0.5f);
  EXPECT_EQ(g2.grad_zero_point, g1.grad_zero_point * 0.5f);
  // zero point trunc(4.6 + 0.5) = 5: -1 / 0.1 + 5 < 0 and 30 / 0.1 + 5 > 255 fall outside
  EXPECT_EQ(tensor_floats(g1.grad_x), (std::vector<float>{0.0f, -2.0f, 0.5f, 0.0f}));
}

TEST(FakeQuantizeModule, SwitchesFreezeParametersAndPassInputThrough) {
  const auto built = default_fake_quant()();
  FakeQuantize& fq = static_cast<FakeQuantize&>(*built);
  expect_error([&] { fq.backward(from_vector({1.0f})); }, {"FakeQuantize::backward", "forward"});
  fq.forward(from_vector({-1.0f, 2.0f}));
  const ObserverQParams first = fq.qparams();
  EXPECT_EQ(fq.quant_max(), 127);  // [0, 255] halved by reduce_range
  fq.disable_observer();
  fq.forward(from_vector({-10.0f, 20.0f}));
  EXPECT_EQ(fq.qparams().scales, first.scales);
  fq.enable_observer();
  fq.disable_fake_quant();
  const Tensor x = from_vector({-10.0f, 20.0f});
  const Tensor y = fq.forward(x);
  EXPECT_TRUE(y.shares_storage_with(x));
  EXPECT_NE(fq.qparams().scales, first.scales);  // statistics still update
  const Tensor g = from_vector({3.0f, -4.0f});
  EXPECT_TRUE(fq.backward(g).shares_storage_with(g));
  // A copy is independent, observer included.
  auto copy = fq.clone();
  fq.reset();
  EXPECT_EQ(static_cast<MinMaxObserver&>(fq.activation_post_process()).min_val(), kInf);
  EXPECT_NE(static_cast<FakeQuantize&>(*copy).activation_post_process().calculate_qparams().scales,
            fq.activation_post_process().calculate_qparams().scales);
}

TEST(FakeQuantizeModule, ObserverChecks) {
  expect_error([] { FakeQuantize(PlaceholderObserver::with_args()); }, {"FakeQuantize", "observer.dtype", "float32"});
  expect_error([] { FakeQuantize(FakeQuantize::with_args(MinMaxObserver::with_args())); },
               {"FakeQuantize", "observer", "FakeQuantize"});
  expect_error([] { FakeQuantize fq{ObserverFactory{}}; }, {"FakeQuantize", "observer", "empty"});
  expect_error([] { FusedMovingAvgObsFakeQuantize(MinMaxObserver::with_args()); },
               {"FusedMovingAvgObsFakeQuantize", "MinMaxObserver", "MovingAverage"});
  expect_error([] { FixedQParamsFakeQuantize(MinMaxObserver::with_args()); },
               {"FixedQParamsFakeQuantize", "FixedQParamsObserver"});
  // A per-channel fake quant on input without the channel axis.
  const auto pc = default_per_channel_weight_fake_quant()();
  EXPECT_EQ(pc->ch_axis(), 0);
  expect_error([&] { pc->forward(from_vector({1.0f}).view({})); }, {"ch_axis"});
}

TEST(FakeQuantizeModule, FusedUsesChooseQParamsAndObserverFormulaStaysAvailable) {
  const auto built = default_fused_act_fake_quant()();
  auto& fq = static_cast<FusedMovingAvgObsFakeQuantize&>(*built);
  fq.forward(from_vector({-1.0f, 3.0f}));
  // ChooseQuantizationParams: scale (3 - -1) / 255 in double, stored as float; zero point from the smaller error.
  const QParams want = choose_qparams(-1.0f, 3.0f, 0, 255);
  EXPECT_EQ(fq.qparams().scales, std::vector<float>{static_cast<float>(want.scale)});
  EXPECT_EQ(fq.qparams().zero_points, std::vector<int64_t>{want.zero_point});
  // calculate_qparams is the Python observer formula (what convert uses), float32 division.
  EXPECT_EQ(fq.calculate_qparams().scales, std::vector<float>{4.0f / 255.0f});
  // Never observed, fake quant on: ATen's parameters of an empty range (scale 0.1).
  const auto cold_built = default_fused_per_channel_wt_fake_quant()();
  auto& cold = static_cast<FusedMovingAvgObsFakeQuantize&>(*cold_built);
  cold.disable_observer();
  const Tensor w = from_vector({0.5f, -0.5f, 1.0f, 2.0f}, {2, 2});
  cold.forward(w);
  EXPECT_EQ(cold.qparams().scales, (std::vector<float>{0.1f, 0.1f}));
}

TEST(FakeQuantizeModule, DefaultsBuildPyTorchsConfigurations) {
  struct Want {
    ObserverFactory f;
    const char* module;
    const char* observer;
    int64_t qmin, qmax;
  };
  for (const Want& w : {Want{default_fake_quant(), "FakeQuantize", "MovingAverageMinMaxObserver", 0, 127},
                        Want{default_weight_fake_quant(), "FakeQuantize", "MovingAverageMinMaxObserver", -128, 127},
                        Want{default_per_channel_weight_fake_quant(), "FakeQuantize",
                             "MovingAveragePerChannelMinMaxObserver", -128, 127},
                        Want{default_histogram_fake_quant(), "FakeQuantize", "HistogramObserver", 0, 127},
                        Want{default_embedding_fake_quant(), "FakeQuantize", "MovingAveragePerChannelMinMaxObserver",
                             0, 255},
                        Want{default_embedding_fake_quant_4bit(), "FakeQuantize",
                             "MovingAveragePerChannelMinMaxObserver", 0, 15},
                        Want{default_fixed_qparams_range_0to1_fake_quant(), "FixedQParamsFakeQuantize",
                             "FixedQParamsObserver", 0, 255},
                        Want{default_fused_act_fake_quant(), "FusedMovingAvgObsFakeQuantize",
                             "MovingAverageMinMaxObserver", 0, 255},
                        Want{fused_per_channel_wt_fake_quant_range_neg_127_to_127(), "FusedMovingAvgObsFakeQuantize",
                             "MovingAveragePerChannelMinMaxObserver", -127, 127}}) {
    const auto m = w.f();
    SCOPED_TRACE(w.module);
    auto* fq = dynamic_cast<FakeQuantize*>(m.get());
    ASSERT_NE(fq, nullptr);
    EXPECT_STREQ(fq->name(), w.module);
    EXPECT_STREQ(fq->activation_post_process().name(), w.observer);
    EXPECT_EQ(fq->quant_min(), w.qmin);
    EXPECT_EQ(fq->quant_max(), w.qmax);
  }
  // The embedding fake quant runs the float-zero-point path and its averaging constant 1 keeps only the last batch.
  const auto emb_built = default_embedding_fake_quant()();
  auto& emb = static_cast<FakeQuantize&>(*emb_built);
  emb.forward(from_vector({0.0f, 1.0f, -2.0f, 2.0f}, {2, 2}));
  emb.forward(from_vector({0.0f, 2.0f, -1.0f, 1.0f}, {2, 2}));
  EXPECT_TRUE(emb.qparams().has_float_zero_points());
  EXPECT_EQ(emb.qparams().scales, (std::vector<float>{2.0f / 255.0f, 2.0f / 255.0f}));
}

}  // namespace
}  // namespace qjit
