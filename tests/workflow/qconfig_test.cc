#include "workflow/qconfig.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "workflow/histogram_observer.h"
#include "workflow/minmax_observer.h"
#include "workflow/observer_defaults.h"

namespace qjit {
namespace {

TEST(QConfig, DefaultQconfigPerBackendMatchesPyTorchTable) {
  // NUMERICS.md section 4: fbgemm / x86 halve the activation range, onednn does not; qnnpack weights per tensor.
  for (const char* backend : {"fbgemm", "x86", "onednn", "qnnpack"}) {
    SCOPED_TRACE(backend);
    QConfigPtr q = get_default_qconfig(backend);
    auto act = q->activation()();
    auto* hist = dynamic_cast<HistogramObserver*>(act.get());
    ASSERT_NE(hist, nullptr);
    const bool rr = std::string(backend) == "fbgemm" || std::string(backend) == "x86";
    EXPECT_EQ(hist->reduce_range(), rr);
    EXPECT_EQ(hist->quant_max(), rr ? 127 : 255);
    auto wt = q->weight()();
    EXPECT_EQ(wt->dtype(), DType::qint8);
    EXPECT_EQ(wt->qscheme(), std::string(backend) == "qnnpack" ? QScheme::per_tensor_symmetric
                                                                 : QScheme::per_channel_symmetric);
    EXPECT_FALSE(q->is_dynamic());
  }
}

TEST(QConfig, DefaultQconfigIsMinMaxOverZeroTo127AndSymmetricWeights) {
  QConfigPtr q = default_qconfig();
  auto act = q->activation()();
  EXPECT_NE(dynamic_cast<MinMaxObserver*>(act.get()), nullptr);
  EXPECT_EQ(act->quant_min(), 0);
  EXPECT_EQ(act->quant_max(), 127);
  EXPECT_EQ(q->weight()()->qscheme(), QScheme::per_tensor_symmetric);
}

TEST(QConfig, DynamicAndFloat16QconfigsAreRecognised) {
  EXPECT_TRUE(default_dynamic_qconfig()->is_dynamic());
  EXPECT_FALSE(default_dynamic_qconfig()->weight_per_channel());
  EXPECT_TRUE(per_channel_dynamic_qconfig()->weight_per_channel());
  EXPECT_TRUE(float16_dynamic_qconfig()->is_float16());
  EXPECT_TRUE(float16_dynamic_qconfig()->is_dynamic());
  EXPECT_FALSE(float16_static_qconfig()->is_dynamic());
  EXPECT_EQ(float_qparams_weight_only_qconfig()->weight()()->qscheme(), QScheme::per_channel_affine_float_qparams);
  EXPECT_EQ(float_qparams_weight_only_qconfig_4bit()->weight_dtype(), DType::quint4x2);
}

TEST(QConfig, QatQconfigsBuildFakeQuantizeModules) {
  for (int version : {0, 1}) {
    QConfigPtr q = get_default_qat_qconfig("onednn", version);
    EXPECT_STREQ(q->activation()()->name(), version ? "FusedMovingAvgObsFakeQuantize" : "FakeQuantize");
  }
  EXPECT_EQ(get_default_qat_qconfig("fbgemm")->activation()()->quant_max(), 127);
  EXPECT_EQ(get_default_qat_qconfig("qnnpack")->weight()()->qscheme(), QScheme::per_tensor_symmetric);
}

TEST(QConfig, InvalidObserverCombinationIsAnErrorWhenTheQconfigIsMade) {
  // symmetric + quint8 + reduce_range: PyTorch raises NotImplementedError when the observer is built.
  MinMaxObserver::Options bad;
  bad.dtype = DType::quint8;
  bad.qscheme = QScheme::per_tensor_symmetric;
  bad.reduce_range = true;
  try {
    QConfig q(MinMaxObserver::with_args(bad), default_weight_observer());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("QConfig"), std::string::npos) << e.what();
  }
  EXPECT_THROW(QConfig(nullptr, default_weight_observer()), Error);
  EXPECT_THROW(QConfig(PlaceholderObserver::with_args({.dtype = DType::float16}), default_weight_observer()), Error);
}

TEST(QConfig, UnknownBackendIsAnError) {
  EXPECT_THROW(get_default_qconfig("tpu"), Error);
  EXPECT_THROW(get_default_qat_qconfig("onednn", 2), Error);
}

TEST(QConfig, MappingLooksUpByTypeAndNameAndFixesSigmoidAndTanhRanges) {
  QConfigMapping m = get_default_qconfig_mapping("onednn");
  ASSERT_TRUE(m.global().has_value());
  class Tanh : public nn::ModuleBase<Tanh> {
   public:
    std::string type_name() const override { return "Tanh"; }
    std::string qualified_name() const override { return "nn.Tanh"; }
  } tanh;
  auto q = m.for_type(tanh);
  ASSERT_TRUE(q.has_value());
  auto obs = (*q)->activation()();
  EXPECT_FLOAT_EQ(static_cast<float>(obs->calculate_qparams().scale()), 2.f / 256);
  EXPECT_EQ(obs->calculate_qparams().zero_point(), 128);
  m.set_module_name("features.0", nullptr);
  ASSERT_TRUE(m.for_name("features.0").has_value());
  EXPECT_EQ(*m.for_name("features.0"), nullptr);
  EXPECT_FALSE(m.for_name("features.1").has_value());
}

}  // namespace
}  // namespace qjit
