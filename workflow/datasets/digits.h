// sklearn's 8x8 handwritten digits (load_digits: 1797 images, 10 classes) read from the file Debian's python3-sklearn
// package ships (/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz), for the digits accuracy anchor
// of tests/data/golden/accuracy/digits_smallcnn_float.json. No Python runs: the CSV is read directly.
// The file has one image per line: 64 pixel values 0..16 (row-major 8x8) then the label, as load_digits reads it.
// Images are float32 [N, 1, 8, 8] = pixel / 16 (exact in float32), as the PyTorch script made them; labels int64 [N].
#pragma once

#include <string>
#include <vector>

#include "workflow/datasets/fashion_mnist.h"

namespace qjit {

// $QJIT_DIGITS_PATH if set, else the file of the python3-sklearn package.
std::string digits_path();
// True when the file exists.
bool digits_available(const std::string& path = digits_path());
// All 1797 images in file order (load_digits order). qjit::Error naming the file and line when it is missing,
// truncated, or a line is not 64 pixels in 0..16 followed by a label in 0..9.
ImageDataset load_digits(const std::string& path = digits_path());

// The images and labels at `indices`, in that order (a train / test split given as index lists). An index outside
// the data set is a qjit::Error naming it.
ImageDataset subset(const ImageDataset& data, const std::vector<int64_t>& indices);

}  // namespace qjit
