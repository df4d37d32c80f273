// The `pipeline` golden family: PyTorch 1.13.1's whole eager PTQ flow on TinyNet (QuantStub, Conv3x3+BN+ReLU,
// depthwise Conv3x3+BN+ReLU, AdaptiveAvgPool, Linear, DeQuantStub): fuse_modules -> qconfig -> prepare ->
// calibrate on 4 batches -> convert, for the default_qconfig and the fbgemm / x86 / onednn / qnnpack qconfigs.
// Required: the input observer's statistics and parameters bit-exact; the other observers' zero points exact and
// their statistics and scales within 1e-6 relative (the float convolutions and linear layers before them sum in
// OpenBLAS's order, not oneDNN's, so their float outputs, hence the observed ranges, may differ in the last bit);
// every quantized layer's weight integers, weight parameters and (BN-folded) bias bit-exact; and the converted
// model's output under each engine within one output LSB of PyTorch's.
#include <gtest/gtest.h>

#include <cmath>

#include "qlayers/conv.h"
#include "qlayers/engine.h"
#include "qlayers/linear.h"
#include "qlayers/quant_stubs.h"
#include "qlayers/quantize.h"
#include "tests/support/golden.h"
#include "workflow/convert.h"
#include "workflow/histogram_observer.h"
#include "workflow/minmax_observer.h"
#include "workflow/fuse_modules.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/conv.h"
#include "workflow/nn/linear.h"
#include "workflow/nn/pooling.h"
#include "workflow/nn/stubs.h"
#include "workflow/prepare.h"
#include "workflow/state_dict.h"

namespace qjit {
namespace {

using nlohmann::json;

// TinyNet as the generator wrote it; forward goes through the slots, so fusing and converting change what runs.
class TinyNet : public nn::ModuleBase<TinyNet> {
 public:
  TinyNet() {
    register_module("quant", std::make_shared<nn::QuantStub>());
    register_module("conv1", std::make_shared<nn::Conv2d>(3, 8, std::vector<int64_t>{3}, std::vector<int64_t>{1},
                                                          std::vector<int64_t>{1}));
    register_module("bn1", std::make_shared<nn::BatchNorm2d>(8));
    register_module("relu1", std::make_shared<nn::ReLU>());
    register_module("conv2", std::make_shared<nn::Conv2d>(8, 8, std::vector<int64_t>{3}, std::vector<int64_t>{1},
                                                          std::vector<int64_t>{1}, std::vector<int64_t>{1}, 8));
    register_module("bn2", std::make_shared<nn::BatchNorm2d>(8));
    register_module("relu2", std::make_shared<nn::ReLU>());
    register_module("pool", std::make_shared<nn::AdaptiveAvgPool2d>(std::vector<int64_t>{1}));
    register_module("fc", std::make_shared<nn::Linear>(8, 5));
    register_module("dequant", std::make_shared<nn::DeQuantStub>());
  }
  std::string type_name() const override { return "TinyNet"; }
  Tensor forward(const Tensor& x) override {
    Tensor y = call("quant", x);
    for (const char* n : {"conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "pool"}) y = call(n, y);
    y = nn::flatten(y, 1);
    return call("dequant", call("fc", y));
  }
};

std::shared_ptr<TinyNet> load_float_model(const json& case_json) {
  auto model = std::make_shared<TinyNet>();
  StateDict sd;
  for (const auto& [k, v] : case_json.at("inputs").at("float_state_dict").items())
    sd.emplace_back(k, test::golden_tensor(v));
  load_state_dict(*model, sd, /*strict=*/true);
  model->eval();
  return model;
}

void expect_layer_matches(const nn::Module& m, const json& want, const std::string& what) {
  EXPECT_EQ(m.type_name(), want.at("type").get<std::string>()) << what;
  Tensor w, b;
  double scale = 0;
  int64_t zp = 0;
  if (auto* conv = dynamic_cast<const nnq::ConvNd*>(&m)) {
    w = conv->weight(), b = conv->bias(), scale = conv->scale, zp = conv->zero_point;
  } else if (auto* lin = dynamic_cast<const nnq::Linear*>(&m)) {
    w = lin->weight(), b = lin->bias(), scale = lin->scale, zp = lin->zero_point;
  } else if (auto* q = dynamic_cast<const nnq::Quantize*>(&m)) {
    EXPECT_EQ(q->scale, want.at("scale").get<double>()) << what;
    EXPECT_EQ(q->zero_point, want.at("zero_point").get<int64_t>()) << what;
    return;
  } else {
    FAIL() << what << ": unexpected module " << m.qualified_name();
  }
  EXPECT_NEAR(scale, want.at("output_scale").get<double>(), 1e-6 * want.at("output_scale").get<double>()) << what;
  EXPECT_EQ(zp, want.at("output_zero_point").get<int64_t>()) << what;
  const json& wq = want.at("weight");
  EXPECT_EQ(test::tensor_ints(int_repr(w)), test::golden_ints(wq)) << what << " weight integers";
  if (wq.at("qscheme") == "per_channel_affine") {
    EXPECT_EQ(w.q_per_channel_scales(), wq.at("scale").get<std::vector<double>>()) << what;
  } else {
    EXPECT_EQ(w.q_scale(), wq.at("scale").get<double>()) << what;
  }
  EXPECT_EQ(test::tensor_floats(b), test::golden_floats(want.at("bias"))) << what << " bias";
}

TEST(PipelineGolden, EagerPtqReproducesObserversLayersAndOutputs) {
  const auto cases = test::load_golden_family("pipeline");
  ASSERT_EQ(cases.size(), 5u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& j = c.json;
    auto model = load_float_model(j);
    auto fused = fuse_modules(model, j.at("fuse").get<std::vector<std::vector<std::string>>>());
    const std::string qc = j.at("qconfig").get<std::string>();
    fused->qconfig = qc == "default_qconfig" ? default_qconfig() : get_default_qconfig(qc);
    auto prepared = prepare(fused);
    for (const auto& batch : j.at("inputs").at("calibration_batches")) (*prepared)(test::golden_tensor(batch));

    auto observers = get_observer_dict(*prepared);
    for (const auto& [name, want] : j.at("outputs").at("observers_after_calibration").items()) {
      ASSERT_TRUE(observers.count(name)) << name;
      const ObserverQParams qp = observers[name]->calculate_qparams();
      EXPECT_EQ(observers[name]->name(), want.at("type").get<std::string>()) << name;
      const bool exact = name == "quant.activation_post_process";
      auto expect_close = [&](double got, double ref, const std::string& what) {
        if (exact) EXPECT_EQ(got, ref) << what;
        else EXPECT_NEAR(got, ref, 1e-6 * std::fabs(ref)) << what;
      };
      expect_close(qp.scales.at(0), want.at("scale").get<double>(), name + " scale");
      EXPECT_EQ(qp.zero_points.at(0), want.at("zero_point").get<int64_t>()) << name;
      float lo = 0, hi = 0;
      if (auto* h = dynamic_cast<const HistogramObserver*>(observers[name])) lo = h->min_val(), hi = h->max_val();
      if (auto* m = dynamic_cast<const MinMaxObserver*>(observers[name])) lo = m->min_val(), hi = m->max_val();
      expect_close(lo, want.at("min_val").get<float>(), name + " running min");
      expect_close(hi, want.at("max_val").get<float>(), name + " running max");
    }

    auto quantized = convert(prepared);
    EXPECT_TRUE(get_observer_dict(*quantized).empty());
    for (const auto& [name, want] : j.at("outputs").at("quantized_layers").items())
      expect_layer_matches(*quantized->get_submodule(name), want, name);

    const double out_scale = j.at("outputs").at("quantized_layers").at("fc").at("output_scale").get<double>();
    const Tensor x = test::golden_tensor(j.at("inputs").at("test_input"));
    for (const auto& [engine_name, want] : j.at("engines").items()) {
      SCOPED_TRACE(engine_name);
      set_engine(engine_name);
      const std::vector<float> got = test::tensor_floats((*quantized)(x)), ref = test::golden_floats(want);
      ASSERT_EQ(got.size(), ref.size());
      for (size_t i = 0; i < got.size(); ++i) EXPECT_LE(std::fabs(got[i] - ref[i]), out_scale * 1.0001) << i;
    }
    set_engine(QEngine::onednn);
  }
}

}  // namespace
}  // namespace qjit
