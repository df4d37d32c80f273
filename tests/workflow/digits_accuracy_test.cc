// Accuracy of eager post-training quantization on sklearn's 8x8 digits against PyTorch 1.13.1 on the same float
// weights (tests/data/golden/accuracy/digits_smallcnn_float.json): the float SmallCNN must reach exactly
// results.float on the 360 test images of the file's split, and the onednn PTQ model (fuse, get_default_qconfig
// ("onednn"), prepare, calibrate on the first results.config.calib = 512 training images in split order, in batches
// of results.config.bs = 64, convert) at least results.ptq_onednn. The images come from Debian's python3-sklearn
// (digits.csv.gz); the test skips when it is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "qlayers/engine.h"
#include "tests/support/golden.h"
#include "workflow/convert.h"
#include "workflow/datasets/digits.h"
#include "workflow/eval_fn.h"
#include "workflow/fuse_modules.h"
#include "workflow/models/small_cnn.h"
#include "workflow/prepare.h"

namespace qjit {
namespace {

TEST(DigitsAccuracy, FloatMatchesPyTorchAndOnednnPtqReachesPyTorch) {
  if (!digits_available())
    GTEST_SKIP() << "sklearn digits not found at " << digits_path()
                 << ": install the Debian package python3-sklearn (./run setup) or set QJIT_DIGITS_PATH";
  const std::string path = test::golden_dir() + "/accuracy/digits_smallcnn_float.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const auto j = nlohmann::json::parse(in);
  const auto& results = j.at("results");
  const ImageDataset all = load_digits();
  ASSERT_EQ(all.images.size(0), 1797);
  const ImageDataset train = subset(all, j.at("train_indices").get<std::vector<int64_t>>());
  const ImageDataset test_set = subset(all, j.at("test_indices").get<std::vector<int64_t>>());
  ASSERT_EQ(train.images.size(0), results.at("n_train").get<int64_t>());
  ASSERT_EQ(test_set.images.size(0), results.at("n_test").get<int64_t>());
  const int64_t calib = results.at("config").at("calib").get<int64_t>();
  const int64_t bs = results.at("config").at("bs").get<int64_t>();

  auto float_model = models::load_small_cnn(path);
  const models::Evaluation f = models::evaluate(*float_model, test_set);
  EXPECT_EQ(f.correct, std::llround(results.at("float").get<double>() * double(f.total)));

  auto fused = fuse_modules(float_model, models::small_cnn_fuse_list());
  fused->qconfig = get_default_qconfig("onednn");
  auto prepared = prepare(fused);
  std::vector<Tensor> calib_data;
  for (int64_t b = 0; b < calib; b += bs) calib_data.push_back(models::image_batch(train, b, std::min(bs, calib - b)));
  default_eval_fn(*prepared, calib_data);
  EngineGuard engine(QEngine::onednn);
  auto quantized = convert(prepared);
  const models::Evaluation q = models::evaluate(*quantized, test_set);
  const double agree = models::agreement(f.predictions, q.predictions);
  std::printf("SmallCNN digits: float %.4f (PyTorch %.4f), int8 PTQ onednn %.4f (PyTorch %.4f), agreement %.4f\n",
              f.accuracy(), results.at("float").get<double>(), q.accuracy(),
              results.at("ptq_onednn").get<double>(), agree);
  EXPECT_GE(q.accuracy(), results.at("ptq_onednn").get<double>());
  EXPECT_GE(agree, results.at("ptq_onednn_pred_agree_with_float").get<double>());
}

}  // namespace
}  // namespace qjit
