// Observers beyond the golden data: argument checks, quantized ranges, the states PyTorch defines (not
// initialised, empty / NaN batches), per-channel axes and layouts, factories and copies, the named defaults.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"
#include "workflow/histogram_observer.h"
#include "workflow/minmax_observer.h"
#include "workflow/observer_defaults.h"

namespace qjit {
namespace {

using test::expect_error;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(ObserverArgs, SymmetricQuint8ReduceRangeThrowsInMinMaxFamilyOnly) {
  expect_error([] { MinMaxObserver({.qscheme = QScheme::per_tensor_symmetric, .reduce_range = true}); },
               {"MinMaxObserver", "reduce_range", "symmetric"});
  expect_error([] { MovingAverageMinMaxObserver({.qscheme = QScheme::per_tensor_symmetric, .reduce_range = true}); },
               {"MovingAverageMinMaxObserver", "reduce_range"});
  expect_error([] { PerChannelMinMaxObserver({.qscheme = QScheme::per_channel_symmetric, .reduce_range = true}); },
               {"PerChannelMinMaxObserver", "reduce_range"});
  expect_error(
      [] {
        MovingAveragePerChannelMinMaxObserver({.qscheme = QScheme::per_channel_symmetric, .reduce_range = true});
      },
      {"MovingAveragePerChannelMinMaxObserver", "reduce_range"});
  // PyTorch's HistogramObserver has no such check: the zero point is 128 outside [0, 127] (golden data agrees).
  HistogramObserver h({.qscheme = QScheme::per_tensor_symmetric, .reduce_range = true});
  EXPECT_EQ(h.quant_max(), 127);
  h.forward(from_vector({-1.0f, 0.5f, 2.0f}));
  EXPECT_EQ(h.calculate_qparams().zero_point(), 128);
  // qint8 symmetric with reduce_range is fine everywhere.
  EXPECT_EQ(MinMaxObserver({.dtype = DType::qint8, .qscheme = QScheme::per_tensor_symmetric, .reduce_range = true})
                .quant_min(),
            -64);
}

TEST(ObserverArgs, BadArgumentsThrowNamingTheArgument) {
  expect_error([] { MinMaxObserver({.quant_min = 0}); }, {"MinMaxObserver", "quant_min", "together"});
  expect_error([] { MinMaxObserver({.quant_min = 1, .quant_max = 255}); }, {"quant_min", "[1, 255]", "include 0"});
  expect_error([] { MinMaxObserver({.quant_min = 0, .quant_max = 0}); }, {"quant_min", "< quant_max"});
  expect_error([] { MinMaxObserver({.dtype = DType::qint8, .quant_min = -200, .quant_max = 100}); },
               {"quant_min", "[-200, 100]", "qint8"});
  expect_error([] { MinMaxObserver({.eps = 0.0f}); }, {"eps", "> 0"});
  expect_error([] { MinMaxObserver({.eps = kNaN}); }, {"eps"});
  expect_error([] { MinMaxObserver({.dtype = DType::float32}); }, {"dtype", "float32"});
  expect_error([] { MinMaxObserver({.qscheme = QScheme::per_channel_affine}); }, {"qscheme", "per_channel_affine"});
  expect_error([] { PerChannelMinMaxObserver({.qscheme = QScheme::per_tensor_affine}); },
               {"PerChannelMinMaxObserver", "qscheme", "per_tensor_affine"});
  expect_error(
      [] { PerChannelMinMaxObserver({.dtype = DType::qint8, .qscheme = QScheme::per_channel_affine_float_qparams}); },
      {"dtype", "qint8", "float_qparams"});
  expect_error([] { MovingAverageMinMaxObserver({.averaging_constant = 1.5}); }, {"averaging_constant", "1.5"});
  expect_error([] { MovingAverageMinMaxObserver({.averaging_constant = std::nan("")}); }, {"averaging_constant"});
  expect_error([] { HistogramObserver({.bins = 0}); }, {"HistogramObserver", "bins"});
  expect_error([] { HistogramObserver({.bins = (1 << 20) + 1}); }, {"HistogramObserver", "bins", "2^20"});
  expect_error([] { HistogramObserver({.upsample_rate = 0}); }, {"upsample_rate"});
  expect_error([] { HistogramObserver({.qscheme = QScheme::per_channel_symmetric}); }, {"qscheme"});
  expect_error([] { FixedQParamsObserver({.scale = std::nan(""), .zero_point = 0}); }, {"FixedQParamsObserver", "scale"});
  expect_error([] { FixedQParamsObserver({.scale = 0.1, .zero_point = 300}); }, {"zero_point", "300"});
}

TEST(ObserverArgs, QuantRangesFollowCalculateQminQmax) {
  EXPECT_EQ(MinMaxObserver().quant_max(), 255);
  EXPECT_EQ(MinMaxObserver({.reduce_range = true}).quant_max(), 127);
  EXPECT_EQ(MinMaxObserver({.dtype = DType::qint8}).quant_min(), -128);
  EXPECT_EQ(MinMaxObserver({.dtype = DType::qint32}).quant_max(), 2147483647);
  EXPECT_EQ(PerChannelMinMaxObserver({.dtype = DType::quint4x2, .qscheme = QScheme::per_channel_affine_float_qparams})
                .quant_max(),
            15);
  // A custom range is still halved by reduce_range, with Python's floor division: -127 // 2 == -64.
  const MinMaxObserver custom({.dtype = DType::qint8, .reduce_range = true, .quant_min = -127, .quant_max = 127});
  EXPECT_EQ(custom.quant_min(), -64);
  EXPECT_EQ(custom.quant_max(), 63);
  EXPECT_TRUE(custom.has_customized_qrange());
  EXPECT_FALSE(MinMaxObserver().has_customized_qrange());
}

TEST(ObserverState, NotInitialisedGivesPyTorchDefaults) {
  for (auto make : {MinMaxObserver::with_args(), MovingAverageMinMaxObserver::with_args(),
                    PerChannelMinMaxObserver::with_args(), MovingAveragePerChannelMinMaxObserver::with_args(),
                    HistogramObserver::with_args()}) {
    const auto obs = make();
    SCOPED_TRACE(obs->name());
    const ObserverQParams q = obs->calculate_qparams();
    EXPECT_EQ(q.scales, std::vector<float>{1.0f});
    EXPECT_EQ(q.zero_points, std::vector<int64_t>{0});
  }
  expect_error([] { PlaceholderObserver().calculate_qparams(); }, {"PlaceholderObserver", "calculate_qparams"});
  expect_error([] { NoopObserver().calculate_qparams(); }, {"NoopObserver"});
  expect_error([] { RecordingObserver().calculate_qparams(); }, {"RecordingObserver"});
}

TEST(ObserverState, ForwardReturnsItsInputAndSkipsEmptyAndNaNBatches) {
  MinMaxObserver obs;
  const Tensor x = from_vector({-1.0f, kNaN, 3.0f});
  EXPECT_TRUE(obs.forward(x).shares_storage_with(x));
  EXPECT_EQ(obs.min_val(), -1.0f);
  EXPECT_EQ(obs.max_val(), 3.0f);
  obs.forward(empty({0}));
  obs.forward(from_vector({kNaN, kNaN}));
  EXPECT_EQ(obs.min_val(), -1.0f);
  EXPECT_EQ(obs.max_val(), 3.0f);

  MovingAverageMinMaxObserver ma;
  ma.forward(from_vector({kNaN}));  // nothing observed: still not initialised
  EXPECT_EQ(ma.min_val(), kInf);
  ma.forward(from_vector({-2.0f, 2.0f}));
  ma.forward(from_vector({kNaN}));
  EXPECT_EQ(ma.min_val(), -2.0f);

  HistogramObserver h;
  h.forward(from_vector({kNaN, kNaN}));
  EXPECT_EQ(h.min_val(), kInf);
  h.forward(from_vector({-2.0f, kNaN, 2.0f}));
  float total = 0;
  for (float v : h.histogram()) total += v;
  EXPECT_EQ(total, 2.0f);
}

TEST(ObserverState, InputDtypes) {
  MinMaxObserver obs;
  obs.forward(from_vector(std::vector<int32_t>{-3, 7}, {2}));  // x.to(float32), as PyTorch does
  EXPECT_EQ(obs.min_val(), -3.0f);
  EXPECT_EQ(obs.max_val(), 7.0f);
  const Tensor q = quantize_per_tensor(from_vector({1.0f}), 0.1, 0, DType::quint8);
  expect_error([&] { obs.forward(q); }, {"MinMaxObserver::forward", "quint8", "quantized"});
  expect_error([&] { obs.forward(Tensor()); }, {"MinMaxObserver::forward", "undefined"});
}

TEST(ObserverState, InfiniteRangeThrowsInCalculateQparams) {
  MinMaxObserver obs;
  obs.forward(from_vector({-kInf, 1.0f}));
  expect_error([&] { obs.calculate_qparams(); }, {"calculate_qparams", "min_val", "finite"});
}

TEST(PerChannelObserver, AxisChecksAndNegativeAxis) {
  const Tensor x = from_vector({1, -2, 3, 4, 5, -6}, {2, 3});
  PerChannelMinMaxObserver bad({.ch_axis = 2});
  expect_error([&] { bad.forward(x); }, {"PerChannelMinMaxObserver::forward", "ch_axis = 2", "[2, 3]"});
  PerChannelMinMaxObserver last({.ch_axis = -1}), one({.ch_axis = 1});
  last.forward(x);
  one.forward(x);
  EXPECT_EQ(last.min_val(), (std::vector<float>{1, -2, -6}));
  EXPECT_EQ(last.min_val(), one.min_val());
  EXPECT_EQ(last.max_val(), (std::vector<float>{4, 5, 3}));
  expect_error([&] { one.forward(from_vector({1, 2}, {1, 2})); }, {"x.size(ch_axis)", "3 channels"});
  expect_error([&] { one.forward(from_vector({1.0f})); }, {"ch_axis"});  // 1-D: axis 1 does not exist
}

TEST(PerChannelObserver, ChannelsLastInputGivesTheSameStatistics) {
  std::vector<float> v(2 * 3 * 4 * 5);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<float>(i) * 0.37f) * static_cast<float>(i % 7);
  const Tensor x = from_vector(v, {2, 3, 4, 5});
  const Tensor nhwc = x.contiguous(MemoryFormat::channels_last);
  for (int64_t axis : {0, 1, 2, 3}) {
    PerChannelMinMaxObserver a({.ch_axis = axis}), b({.ch_axis = axis});
    a.forward(x);
    b.forward(nhwc);
    EXPECT_EQ(a.min_val(), b.min_val()) << "axis " << axis;
    EXPECT_EQ(a.max_val(), b.max_val()) << "axis " << axis;
  }
}

TEST(ObserverFactories, WithArgsBuildsFreshInstancesAndCloneCopiesState) {
  const ObserverFactory f = MinMaxObserver::with_args({.dtype = DType::qint8});
  auto a = f(), b = f();
  a->forward(from_vector({-1.0f, 1.0f}));
  EXPECT_EQ(static_cast<MinMaxObserver&>(*b).min_val(), kInf);
  auto c = a->clone();
  a->reset();
  EXPECT_EQ(static_cast<MinMaxObserver&>(*a).min_val(), kInf);
  EXPECT_EQ(static_cast<MinMaxObserver&>(*c).min_val(), -1.0f);
  EXPECT_EQ(c->dtype(), DType::qint8);
}

TEST(ObserverDefaults, NamedConfigurationsMatchObserverPy) {
  auto check = [](const ObserverFactory& f, const char* name, DType dtype, QScheme scheme, int64_t qmin,
                  int64_t qmax) {
    const auto o = f();
    SCOPED_TRACE(name);
    EXPECT_STREQ(o->name(), name);
    EXPECT_EQ(o->dtype(), dtype);
    EXPECT_EQ(o->qscheme(), scheme);
    EXPECT_EQ(o->quant_min(), qmin);
    EXPECT_EQ(o->quant_max(), qmax);
  };
  check(default_observer(), "MinMaxObserver", DType::quint8, QScheme::per_tensor_affine, 0, 127);
  check(default_weight_observer(), "MinMaxObserver", DType::qint8, QScheme::per_tensor_symmetric, -128, 127);
  check(weight_observer_range_neg_127_to_127(), "MinMaxObserver", DType::qint8, QScheme::per_tensor_symmetric, -127,
        127);
  check(default_histogram_observer(), "HistogramObserver", DType::quint8, QScheme::per_tensor_affine, 0, 127);
  check(default_per_channel_weight_observer(), "PerChannelMinMaxObserver", DType::qint8,
        QScheme::per_channel_symmetric, -128, 127);
  check(per_channel_weight_observer_range_neg_127_to_127(), "PerChannelMinMaxObserver", DType::qint8,
        QScheme::per_channel_symmetric, -127, 127);
  check(default_float_qparams_observer(), "PerChannelMinMaxObserver", DType::quint8,
        QScheme::per_channel_affine_float_qparams, 0, 255);
  check(default_float_qparams_observer_4bit(), "PerChannelMinMaxObserver", DType::quint4x2,
        QScheme::per_channel_affine_float_qparams, 0, 15);
  check(default_fixed_qparams_range_0to1_observer(), "FixedQParamsObserver", DType::quint8, QScheme::per_tensor_affine,
        0, 255);
  EXPECT_EQ(static_cast<MinMaxObserver&>(*weight_observer_range_neg_127_to_127()()).eps(), 0x1p-12f);
  const auto dyn = default_dynamic_quant_observer()();
  EXPECT_EQ(static_cast<PlaceholderObserver&>(*dyn).compute_dtype(), DType::quint8);
  EXPECT_EQ(default_placeholder_observer()()->dtype(), DType::float32);
  const ObserverQParams tanh = default_fixed_qparams_range_neg1to1_observer()()->calculate_qparams();
  EXPECT_EQ(tanh.scale(), 2.0 / 256.0);
  EXPECT_EQ(tanh.zero_point(), 128);
}

TEST(ObserverDefaults, RecordingObserverKeepsCopies) {
  auto rec = default_debug_observer()();
  Tensor x = from_vector({1.0f, 2.0f});
  EXPECT_TRUE(rec->forward(x).shares_storage_with(x));
  x.data_ptr<float>()[0] = 5.0f;  // the record is a copy
  const auto& vals = static_cast<RecordingObserver&>(*rec).get_tensor_value();
  ASSERT_EQ(vals.size(), 1u);
  EXPECT_EQ(vals[0].data_ptr<float>()[0], 1.0f);
}

}  // namespace
}  // namespace qjit
