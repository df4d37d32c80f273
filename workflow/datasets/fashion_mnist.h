// Fashion-MNIST as Debian's dataset-fashion-mnist package installs it (/usr/share/datasets/fashion-mnist, gzipped
// IDX files), for calibration and accuracy checks of the quantization workflow: the PTQ calibration set and the
// accuracy anchors of tests/data/golden/accuracy use exactly this data. It lives in workflow/ (not tools/) because
// calibration is a workflow step; the IDX reader is generic (MNIST uses the same format).
// Images are float32 [N, 1, 28, 28] = pixel / 255 (float division, as torch.tensor(x) / 255.0), labels int64 [N].
#pragma once

#include <string>

#include "qlayers/tensor.h"

namespace qjit {

struct ImageDataset {
  Tensor images;  // float32 [N, 1, H, W]
  Tensor labels;  // int64 [N]
};

// $QJIT_FASHION_MNIST_DIR if set, else /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_dir();
// True when the folder holds the four files of the package.
bool fashion_mnist_available(const std::string& dir = fashion_mnist_dir());
// split: "train" (60000 images) or "test" (10000, the t10k files). qjit::Error naming the file when it is missing,
// truncated or not an IDX file of the expected kind, or when images and labels disagree in number.
ImageDataset load_fashion_mnist(const std::string& split, const std::string& dir = fashion_mnist_dir());

// An IDX file (gzipped or not) of unsigned bytes (type 0x08) as a uint8 tensor of its dimensions.
Tensor read_idx_u8(const std::string& path);

}  // namespace qjit
