// End to end in float: the SmallCNN of tests/data/golden/accuracy built from workflow/nn modules, its trained
// weights read with read_state_dict_json, evaluated on Fashion-MNIST's test split (Debian package
// dataset-fashion-mnist). The accuracy must equal PyTorch 1.13's (results.float in the JSON) within 0.02%
// (2 images of 10000): the float paths sum in another order than PyTorch's, which may flip a borderline image.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "tests/support/golden.h"
#include "workflow/datasets/fashion_mnist.h"
#include "workflow/models/small_cnn.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/conv.h"
#include "workflow/nn/linear.h"
#include "workflow/nn/pooling.h"
#include "workflow/nn/stubs.h"
#include "workflow/state_dict.h"
#include "workflow/state_dict_json.h"

namespace qjit::nn {
namespace {

std::string model_path(const std::string& name) { return test::golden_dir() + "/accuracy/" + name + ".json"; }

TEST(SmallCnnFloat, DigitsModelLoadsIntoTheArchitectureOfItsDescription) {
  auto net = models::load_small_cnn(model_path("digits_smallcnn_float"));
  const Tensor y = (*net)(zeros({2, 1, 8, 8}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 10}));
  // The sklearn digits images are not in the file (only the split indices), so its accuracy is not checked here.
}

TEST(SmallCnnFloat, FashionMnistTestAccuracyEqualsPyTorchs) {
  if (!fashion_mnist_available()) {
    GTEST_SKIP() << "Fashion-MNIST not found in " << fashion_mnist_dir()
                 << ": install the Debian package dataset-fashion-mnist (./run setup) or set QJIT_FASHION_MNIST_DIR";
  }
  std::ifstream in(model_path("fashion_smallcnn_float"));
  const double expected = nlohmann::json::parse(in)["results"]["float"].get<double>();
  auto net = models::load_small_cnn(model_path("fashion_smallcnn_float"));
  const ImageDataset test = load_fashion_mnist("test");
  const int64_t N = test.images.size(0);
  ASSERT_EQ(N, 10000);
  const int64_t correct = models::evaluate(*net, test).correct;
  const double accuracy = double(correct) / double(N);
  std::printf("SmallCNN float on Fashion-MNIST test: %lld / %lld = %.4f (PyTorch %.4f)\n", (long long)correct,
              (long long)N, accuracy, expected);
  EXPECT_NEAR(accuracy, expected, 0.0002) << correct << " of " << N << " correct";
}

TEST(FashionMnist, TrainAndTestSplitsHaveThePackagesSizesAndScaledPixels) {
  if (!fashion_mnist_available()) GTEST_SKIP() << "Fashion-MNIST not found in " << fashion_mnist_dir();
  const ImageDataset train = load_fashion_mnist("train");
  EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(train.labels.sizes(), (std::vector<int64_t>{60000}));
  const float* px = train.images.data_ptr<float>();
  float lo = 1, hi = 0;
  for (int64_t i = 0; i < train.images.numel(); ++i) {
    lo = std::min(lo, px[i]);
    hi = std::max(hi, px[i]);
  }
  EXPECT_EQ(lo, 0.f);
  EXPECT_EQ(hi, 1.f);
  for (int64_t i = 0; i < 60000; ++i) ASSERT_LT(train.labels.data_ptr<int64_t>()[i], 10);
}

TEST(FashionMnist, MissingFilesAndBadSplitsAreErrors) {
  EXPECT_FALSE(fashion_mnist_available("/nonexistent"));
  EXPECT_THROW(load_fashion_mnist("valid"), Error);
  EXPECT_THROW(load_fashion_mnist("test", "/nonexistent"), Error);
  EXPECT_THROW(read_idx_u8(model_path("fashion_smallcnn_float")), Error);  // not an IDX file
}

TEST(StateDictJson, UnreadableFilesAndBadTensorsAreErrorsNamingThem) {
  EXPECT_THROW(read_state_dict_json("/nonexistent.json"), Error);
  const std::string path = ::testing::TempDir() + "/qjit_bad_state_dict.json";
  std::ofstream(path) << R"({"state_dict": {"w": {"shape": [2, 2], "data": [1, 2, 3]}}})";
  try {
    read_state_dict_json(path);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("w"), std::string::npos) << e.what();
  }
  std::ofstream(path) << R"({"a": {"dtype": "i64", "shape": [], "data": [7]}, "b": {"shape": [2], "data": [0.5, 1]}})";
  const StateDict d = read_state_dict_json(path);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].second.dtype(), DType::int64);
  EXPECT_EQ(d[0].second.data_ptr<int64_t>()[0], 7);
  EXPECT_EQ(d[1].second.data_ptr<float>()[0], 0.5f);
}

}  // namespace
}  // namespace qjit::nn
