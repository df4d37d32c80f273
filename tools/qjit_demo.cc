// qjit-demo: the workflow end to end, the second half of `./run demo` (after qjit-bench --quick's kernel table).
//  1. quantize_dynamic of a Transformer-style stack of Linear layers (random weights, fixed seed): float vs int8
//     time per forward, weight bytes, and the output error.
//  2. Static post-training quantization of the SmallCNN trained on Fashion-MNIST (weights from
//     tests/data/golden/accuracy, PyTorch 1.13's float model): fuse, get_default_qconfig("onednn"), prepare,
//     calibrate on the first 1024 training images, convert; accuracy, agreement with the float model and time on the
//     10000 test images, next to PyTorch's figures for the same weights; then the per-layer SQNR of the quantized
//     model against the float one (workflow/numeric_suite.h).
// Usage: qjit-demo [--model PATH] [--quick] [--qconfig onednn|x86|fbgemm|qnnpack]   (--quick: 2000 test images;
// --qconfig: the static PTQ's qconfig and engine, onednn by default; x86 / fbgemm observe activations with
// reduce_range, 0..127, which the GEMM's a7 panels run on AVX2 without VNNI)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "jit/cpu.h"
#include "qlayers/dynamic_linear.h"
#include "qlayers/engine.h"
#include "workflow/convert.h"
#include "workflow/datasets/fashion_mnist.h"
#include "workflow/fuse_modules.h"
#include "workflow/models/small_cnn.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/linear.h"
#include "workflow/numeric_suite.h"
#include "workflow/prepare.h"

namespace {

using namespace qjit;

Tensor random_tensor(const std::vector<int64_t>& sizes, uint32_t seed, float amplitude) {
  Tensor t = empty(sizes);
  uint32_t s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s = s * 1664525u + 1013904223u;
    t.data_ptr<float>()[i] = amplitude * (static_cast<float>(s >> 8) / static_cast<float>(1 << 23) - 1.f);
  }
  return t;
}

// Median wall time of `reps` calls, in milliseconds.
template <class F>
double median_ms(int reps, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int64_t float_weight_bytes(nn::Module& m) {
  int64_t bytes = 0;
  for (auto& [n, mod] : m.named_modules())
    if (auto* l = dynamic_cast<nn::Linear*>(mod.get())) bytes += 4 * (l->weight.numel() + l->out_features);
  return bytes;
}

// The int8 weights and float biases (what a saved model holds), and the serialized blobs, which hold the weights
// in the packed layout of this machine's kernels (2 bytes per weight where the AVX2 path needs exact 16-bit pairs).
std::pair<int64_t, int64_t> int8_weight_bytes(nn::Module& m) {
  int64_t weights = 0, blobs = 0;
  for (auto& [n, mod] : m.named_modules())
    if (auto* l = dynamic_cast<nnqd::Linear*>(mod.get())) {
      weights += l->weight().numel() + 4 * l->out_features();
      blobs += static_cast<int64_t>(l->serialize().size());
    }
  return {weights, blobs};
}

void dynamic_transformer_stack() {
  constexpr int64_t d = 512, hidden = 2048, tokens = 64, blocks = 4;
  auto model = std::make_shared<nn::Sequential>();
  for (int64_t b = 0; b < blocks; ++b) {
    auto block = std::make_shared<nn::Sequential>();
    auto up = std::make_shared<nn::Linear>(d, hidden), down = std::make_shared<nn::Linear>(hidden, d);
    // Weights at PyTorch's default initialisation scale, 1/sqrt(in_features).
    up->weight = random_tensor({hidden, d}, 10 + b, 1.f / std::sqrt(float(d)));
    up->bias = random_tensor({hidden}, 20 + b, 0.01f);
    down->weight = random_tensor({d, hidden}, 30 + b, 1.f / std::sqrt(float(hidden)));
    down->bias = random_tensor({d}, 40 + b, 0.01f);
    block->add("ffn_up", up).add("act", std::make_shared<nn::ReLU>()).add("ffn_down", down);
    model->add("block" + std::to_string(b), block);
  }
  model->eval();
  auto quantized = quantize_dynamic(model);  // {Linear, LSTM, GRU, ...} -> default_dynamic_qconfig
  const Tensor x = random_tensor({tokens, d}, 99, 1.f);
  const Tensor yf = (*model)(x), yq = (*quantized)(x);
  double err = 0, ref = 0;
  for (int64_t i = 0; i < yf.numel(); ++i) {
    const double a = yf.data_ptr<float>()[i], b = yq.data_ptr<float>()[i];
    err = std::max(err, std::fabs(a - b));
    ref = std::max(ref, std::fabs(a));
  }
  const double tf = median_ms(7, [&] { (*model)(x); }), tq = median_ms(7, [&] { (*quantized)(x); });
  std::printf("\n== quantize_dynamic: Transformer-style FFN stack, %lld blocks of Linear(%lld->%lld) + ReLU + "
              "Linear(%lld->%lld), %lld tokens\n",
              (long long)blocks, (long long)d, (long long)hidden, (long long)hidden, (long long)d, (long long)tokens);
  std::printf("  float (OpenBLAS sgemm)  %8.2f ms   weights %6.2f MB\n", tf, float_weight_bytes(*model) / 1e6);
  const auto [int8_bytes, blob_bytes] = int8_weight_bytes(*quantized);
  std::printf("  int8 dynamic (qjit)     %8.2f ms   weights %6.2f MB (packed blobs %.2f MB)   speed-up %.2fx\n", tq,
              int8_bytes / 1e6, blob_bytes / 1e6, tf / tq);
  std::printf("  max |float - int8| = %.4f (max |float| = %.3f)\n", err, ref);
}

int static_ptq_small_cnn(const std::string& model_path, bool quick, const std::string& qconfig) {
  std::printf("\n== static PTQ: SmallCNN on Fashion-MNIST (float weights trained by PyTorch 1.13: %s)\n",
              model_path.c_str());
  if (!fashion_mnist_available()) {
    std::printf("  Fashion-MNIST not found in %s: run ./run setup (Debian package dataset-fashion-mnist)\n",
                fashion_mnist_dir().c_str());
    return 1;
  }
  std::ifstream in(model_path);
  const auto results = nlohmann::json::parse(in).at("results");
  auto float_model = models::load_small_cnn(model_path);
  const ImageDataset train = load_fashion_mnist("train"), test = load_fashion_mnist("test");
  const int64_t n_test = quick ? 2000 : test.images.size(0);

  const auto t0 = std::chrono::steady_clock::now();
  auto fused = fuse_modules(float_model, models::small_cnn_fuse_list());
  fused->qconfig = get_default_qconfig(qconfig);
  auto prepared = prepare(fused);
  for (int64_t b = 0; b < 1024; b += 256) (*prepared)(models::image_batch(train, b, 256));
  set_engine(qconfig);
  auto quantized = convert(prepared);
  const double ptq_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const models::Evaluation f = models::evaluate(*float_model, test, 500, 0, n_test);
  const models::Evaluation q = models::evaluate(*quantized, test, 500, 0, n_test);
  std::printf("  fuse + prepare + calibrate (1024 images) + convert: %.2f s\n", ptq_s);
  std::printf("  %-22s %9s %12s %14s\n", "", "accuracy", quick ? "PyTorch*" : "PyTorch", "time / image");
  if (quick)
    std::printf("  (* PyTorch's figures are over all 10000 test images, qjit's here over the first %lld)\n",
                (long long)n_test);
  std::printf("  %-22s %8.2f%% %11.2f%% %11.1f us\n", "float", 100 * f.accuracy(),
              100 * results.at("float").get<double>(), 1e6 * f.seconds / double(f.total));
  // PyTorch's figures exist for the onednn and qnnpack qconfigs only ("-" otherwise).
  const std::string key = "ptq_" + qconfig;
  const bool have = results.contains(key);
  const auto pytorch = [&](const std::string& k) {
    if (!have) return std::string("-");
    char b[32];
    std::snprintf(b, sizeof b, "%.2f%%", 100 * results.at(k).get<double>());
    return std::string(b);
  };
  std::printf("  %-22s %8.2f%% %11s %11.1f us\n", ("int8 (" + qconfig + " qconfig)").c_str(), 100 * q.accuracy(),
              pytorch(key).c_str(),
              1e6 * q.seconds / double(q.total));
  std::printf("  predictions equal to float: %.2f%% (PyTorch %s)   on %lld test images\n",
              100 * models::agreement(f.predictions, q.predictions),
              pytorch(key + "_pred_agree_with_float").c_str(),
              (long long)n_test);
  std::printf("\n  per-layer comparison, fused float vs int8, first 256 test images:\n");
  const auto rows = compare_model_outputs(*fused, *quantized, models::image_batch(test, 0, 256));
  std::string table = format_comparison(rows);
  size_t pos = 0;
  while (pos < table.size()) {
    const size_t e = table.find('\n', pos);
    std::printf("    %s\n", table.substr(pos, e - pos).c_str());
    pos = e + 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = std::string(QJIT_SOURCE_DIR) + "/tests/data/golden/accuracy/fashion_smallcnn_float.json";
  bool quick = false;
  std::string qconfig = "onednn";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
    else if (!std::strcmp(argv[i], "--qconfig") && i + 1 < argc) qconfig = argv[++i];
    else {
      std::fprintf(stderr, "usage: qjit-demo [--model PATH] [--quick] [--qconfig onednn|x86|fbgemm|qnnpack]\n");
      return 2;
    }
  }
  try {
    std::printf("qjit-demo: the quantization workflow end to end on %s\n", cpu_summary().c_str());
    dynamic_transformer_stack();
    return static_ptq_small_cnn(model, quick, qconfig);
  } catch (const Error& e) {
    std::fprintf(stderr, "qjit-demo: %s\n", e.what());
    return 1;
  }
}
