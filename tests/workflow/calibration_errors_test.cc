// Bad input during calibration and inference: an input of the wrong shape given to a prepared (or converted) model
// is a qjit::Error whose message names the module it reached (dotted path and type) and the shape it got, never a
// crash or a silently wrong observer. (Fusing in the wrong order or in train mode, converting an unprepared model and
// invalid qconfigs are tested in convert_test and qconfig_test.)
#include <gtest/gtest.h>

#include "tests/qlayers/expect_error.h"
#include "workflow/convert.h"
#include "workflow/eval_fn.h"
#include "workflow/fuse_modules.h"
#include "workflow/models/small_cnn.h"
#include "workflow/nn/conv.h"
#include "workflow/nn/linear.h"
#include "workflow/nn/stubs.h"
#include "workflow/prepare.h"

namespace qjit {
namespace {

std::shared_ptr<nn::Sequential> stubbed(const std::string& name, std::shared_ptr<nn::Module> m) {
  auto model = std::make_shared<nn::Sequential>();
  model->add("quant", std::make_shared<nn::QuantStub>()).add(name, std::move(m))
      .add("dequant", std::make_shared<nn::DeQuantStub>());
  model->eval();
  model->qconfig = get_default_qconfig("onednn");
  return model;
}

Tensor filled(const std::vector<int64_t>& sizes, float v = 0.5f) {
  Tensor t = empty(sizes);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_ptr<float>()[i] = v * float(i % 7 - 3);
  return t;
}

TEST(CalibrationErrors, LinearGivenTheWrongLastDimNamesTheModuleAndTheShape) {
  auto prepared = prepare(stubbed("fc", std::make_shared<nn::Linear>(16, 8)));
  test::expect_error([&] { (*prepared)(filled({4, 12})); }, {"fc (nn.Linear)", "[4, 12]", "in_features (16)"});
  // The model stays usable: a good batch afterwards calibrates it and it converts (the QuantStub observer has seen
  // the bad batch, as in PyTorch, whose stub also observes before the Linear fails).
  (*prepared)(filled({4, 16}));
  auto q = convert(prepared);
  test::expect_error([&] { (*q)(filled({4, 12})); }, {"fc (nnq.Linear)", "[4, 12]"});
}

TEST(CalibrationErrors, Conv2dGivenTheWrongChannelCountNamesTheModuleAndTheShape) {
  auto prepared = prepare(stubbed("conv", std::make_shared<nn::Conv2d>(3, 8, std::vector<int64_t>{3, 3})));
  test::expect_error([&] { (*prepared)(filled({1, 4, 8, 8})); }, {"conv (nn.Conv2d)", "[1, 4, 8, 8]"});
  (*prepared)(filled({1, 3, 8, 8}));
  auto q = convert(prepared);
  test::expect_error([&] { (*q)(filled({1, 4, 8, 8})); }, {"conv (nnq.Conv2d)", "4"});
}

TEST(CalibrationErrors, SmallCnnGivenA3DBatchNamesTheFirstConvAndTheShape) {
  auto model = models::small_cnn(/*first_pool=*/false, /*flat_features=*/512);
  model->eval();
  auto fused = fuse_modules(model, models::small_cnn_fuse_list());
  fused->qconfig = get_default_qconfig("onednn");
  auto prepared = prepare(fused);
  // [N, 8, 8] (the channel axis forgotten) reads as one unbatched image of N channels, as in PyTorch; conv1 takes 1.
  test::expect_error([&] { default_eval_fn(*prepared, {filled({4, 8, 8})}); },
                     {"calib_data[0]", "conv1", "nn.Conv2d", "[4, 8, 8]"});
  // A 2-D image is below what a Conv2d takes at all.
  test::expect_error([&] { (*prepared)(filled({8, 8})); }, {"conv1", "[8, 8]", "3-D to 4-D"});
}

}  // namespace
}  // namespace qjit
