// Test helper: the PyTorch golden vectors (tests/data/golden, format in its README.md) as qjit Tensors.
// The directory is $QJIT_GOLDEN_DIR when set, else QJIT_DEFAULT_GOLDEN_DIR (the copy in the repository).
// A missing family folder or an unreadable case fails the running test: golden tests must never pass by finding
// nothing to compare.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qlayers/tensor.h"

namespace qjit::test {

struct GoldenCase {
  std::string name;  // the file name without .json (also the case's "name" field)
  std::string path;
  nlohmann::json json;
};

std::string golden_dir();

// Every case of a family, sorted by name. Reports a test failure (and returns what it could read) when the folder
// is missing, a file does not parse, or a file belongs to another family.
std::vector<GoldenCase> load_golden_family(const std::string& family);

// A tensor object of the golden format as a Tensor: f32 (each value parsed as a double by strtod, then cast to
// float: the file holds the double equal to the float, so the cast restores the exact bits), i32 / i64 / u8 / i8
// (bool as uint8), and quantized qu8 / qi8 / qi32 / qu4x2 per tensor or per channel (integer or float zero
// points; qu4x2 data is PyTorch's packed bytes). Throws qjit::Error on anything else.
Tensor golden_tensor(const nlohmann::json& t);

// Raw values: of a tensor object's "data", or of a plain JSON array (or a single number).
std::vector<int64_t> golden_shape(const nlohmann::json& t);
std::vector<float> golden_floats(const nlohmann::json& t);
std::vector<double> golden_doubles(const nlohmann::json& t);
std::vector<int64_t> golden_ints(const nlohmann::json& t);

// DType from a dtype name of the format ("qu8", "qi8", "qi32", "qu4x2", "u8", "i8", "i32", "i64", "f32") or a
// PyTorch name in params ("quint8", "qint8", "qint32", "quint4x2", "float32", ...).
DType golden_dtype(const std::string& name);

// The values of a tensor as floats / integers whatever its dtype (quantized: the stored integers; quint4x2 one
// value per element), row-major.
std::vector<float> tensor_floats(const Tensor& t);
std::vector<int64_t> tensor_ints(const Tensor& t);

}  // namespace qjit::test
