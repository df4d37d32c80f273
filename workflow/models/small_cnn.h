// The SmallCNN of the accuracy anchors (tests/data/golden/accuracy/*_smallcnn_float.json), built from the float
// modules, and an evaluation loop over an image data set. The demo (tools/qjit-demo) and the accuracy tests use it:
//   quant -> conv1(1->16, 3x3, pad 1, no bias) -> bn1 -> relu1 -> [pool1: maxpool 2] -> conv2(16->32, 3x3, pad 1,
//   no bias) -> bn2 -> relu2 -> pool2: maxpool 2 -> flatten -> fc(flat -> 10) -> dequant
// (Fashion-MNIST 28x28: both pools, flat = 1568; digits 8x8: no pool1, flat = 512.)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qlayers/module.h"
#include "workflow/datasets/fashion_mnist.h"

namespace qjit::models {

std::shared_ptr<nn::Sequential> small_cnn(bool first_pool = true, int64_t flat_features = 1568);

// The model of a JSON weights file (its architecture told by fc.weight's shape), weights loaded, in eval mode.
// Only num_batches_tracked may be missing from the file (PyTorch's eval does not read it).
std::shared_ptr<nn::Sequential> load_small_cnn(const std::string& json_path);

// The fuse list of the model, as PyTorch's eager PTQ of it fused.
std::vector<std::vector<std::string>> small_cnn_fuse_list();

struct Evaluation {
  int64_t correct = 0, total = 0;
  std::vector<int64_t> predictions;  // argmax per image
  double seconds = 0;                // wall time of the forward passes
  double accuracy() const { return total ? double(correct) / double(total) : 0.0; }
};

// Runs `model` on images [first, first + count) of `data` (count < 0: to the end) in batches, predicting the
// argmax of each output row.
Evaluation evaluate(nn::Module& model, const ImageDataset& data, int64_t batch = 500, int64_t first = 0,
                    int64_t count = -1);

// The images [first, first + count) as one float32 [count, 1, H, W] tensor (a copy).
Tensor image_batch(const ImageDataset& data, int64_t first, int64_t count);

// Fraction of equal entries of two prediction lists of the same length.
double agreement(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

}  // namespace qjit::models
