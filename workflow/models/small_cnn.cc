#include "workflow/models/small_cnn.h"

#include <algorithm>
#include <chrono>

#include "base/error.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/conv.h"
#include "workflow/nn/linear.h"
#include "workflow/nn/pooling.h"
#include "workflow/nn/stubs.h"
#include "workflow/state_dict.h"
#include "workflow/state_dict_json.h"

namespace qjit::models {

std::shared_ptr<nn::Sequential> small_cnn(bool first_pool, int64_t flat) {
  const std::vector<int64_t> k3{3}, s1{1}, p1{1}, d1{1};
  auto net = std::make_shared<nn::Sequential>();
  net->add("quant", std::make_shared<nn::QuantStub>());
  net->add("conv1", std::make_shared<nn::Conv2d>(1, 16, k3, s1, p1, d1, 1, false));
  net->add("bn1", std::make_shared<nn::BatchNorm2d>(16));
  net->add("relu1", std::make_shared<nn::ReLU>());
  if (first_pool) net->add("pool1", std::make_shared<nn::MaxPool2d>(std::vector<int64_t>{2}));
  net->add("conv2", std::make_shared<nn::Conv2d>(16, 32, k3, s1, p1, d1, 1, false));
  net->add("bn2", std::make_shared<nn::BatchNorm2d>(32));
  net->add("relu2", std::make_shared<nn::ReLU>());
  net->add("pool2", std::make_shared<nn::MaxPool2d>(std::vector<int64_t>{2}));
  net->add("flatten", std::make_shared<nn::Flatten>());
  net->add("fc", std::make_shared<nn::Linear>(flat, 10));
  net->add("dequant", std::make_shared<nn::DeQuantStub>());
  return net;
}

std::shared_ptr<nn::Sequential> load_small_cnn(const std::string& json_path) {
  const StateDict sd = read_state_dict_json(json_path);
  int64_t flat = -1;
  for (const auto& [k, t] : sd)
    if (k == "fc.weight" && t.dim() == 2) flat = t.size(1);
  check_arg(flat == 1568 || flat == 512, "load_small_cnn", "fc.weight in_features", flat,
            "must be 1568 (Fashion-MNIST) or 512 (digits)");
  auto net = small_cnn(flat == 1568, flat);
  const IncompatibleKeys r = load_state_dict(*net, sd, /*strict=*/false);
  check_arg(r.unexpected_keys.empty(), "load_small_cnn", "unexpected key",
            r.unexpected_keys.empty() ? "" : r.unexpected_keys[0], "not a parameter of SmallCNN");
  for (const auto& k : r.missing_keys)
    check_arg(k.find("num_batches_tracked") != std::string::npos, "load_small_cnn", "missing key", k,
              "the file must hold every parameter of SmallCNN");
  net->eval();
  return net;
}

std::vector<std::vector<std::string>> small_cnn_fuse_list() {
  return {{"conv1", "bn1", "relu1"}, {"conv2", "bn2", "relu2"}};
}

Tensor image_batch(const ImageDataset& data, int64_t first, int64_t count) {
  const auto& s = data.images.sizes();
  check_arg(first >= 0 && count >= 0 && first + count <= s[0], "image_batch", "range",
            std::to_string(first) + "+" + std::to_string(count), "must lie within the data set of " +
            std::to_string(s[0]) + " images");
  const int64_t per = s[1] * s[2] * s[3];
  return from_data(data.images.data_ptr<float>() + first * per, {count, s[1], s[2], s[3]}, DType::float32);
}

Evaluation evaluate(nn::Module& model, const ImageDataset& data, int64_t batch, int64_t first, int64_t count) {
  check_arg(batch > 0, "evaluate", "batch", batch, "must be > 0");
  const int64_t n = data.images.size(0);
  if (count < 0) count = n - first;
  Evaluation e;
  for (int64_t b = first; b < first + count; b += batch) {
    const int64_t m = std::min(batch, first + count - b);
    const Tensor x = image_batch(data, b, m);
    const auto t0 = std::chrono::steady_clock::now();
    const Tensor logits = model(x).contiguous();
    e.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    check_arg(logits.dim() == 2 && logits.size(0) == m && logits.dtype() == DType::float32, "evaluate", "output",
              logits.to_string(), "must be float32 [batch, classes]");
    const int64_t classes = logits.size(1);
    const float* p = logits.data_ptr<float>();
    for (int64_t i = 0; i < m; ++i) {
      const int64_t pred = std::max_element(p + i * classes, p + (i + 1) * classes) - (p + i * classes);
      e.predictions.push_back(pred);
      e.correct += pred == data.labels.data_ptr<int64_t>()[b + i];
    }
    e.total += m;
  }
  return e;
}

double agreement(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  check_arg(a.size() == b.size() && !a.empty(), "agreement", "sizes", a.size(), "must be equal and non-zero");
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return double(same) / double(a.size());
}

}  // namespace qjit::models
