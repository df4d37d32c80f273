#include "tests/support/golden.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "qlayers/quantize.h"

namespace qjit::test {

namespace fs = std::filesystem;
using nlohmann::json;

std::string golden_dir() {
  if (const char* env = std::getenv("QJIT_GOLDEN_DIR"); env && *env) return env;
  return QJIT_DEFAULT_GOLDEN_DIR;
}

std::vector<GoldenCase> load_golden_family(const std::string& family) {
  std::vector<GoldenCase> cases;
  const fs::path dir = fs::path(golden_dir()) / family;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    ADD_FAILURE() << "golden family '" << family << "': folder " << dir.string()
                  << " is missing (set QJIT_GOLDEN_DIR to the folder that holds the families)";
    return cases;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    GoldenCase c{path.stem().string(), path.string(), json()};
    try {
      c.json = json::parse(in);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "golden case " << path.string() << " does not parse: " << e.what();
      continue;
    }
    if (c.json.value("family", std::string()) != family) {
      ADD_FAILURE() << "golden case " << path.string() << " has family '" << c.json.value("family", std::string())
                    << "', expected '" << family << "'";
      continue;
    }
    cases.push_back(std::move(c));
  }
  if (cases.empty()) ADD_FAILURE() << "golden family '" << family << "': no case in " << dir.string();
  return cases;
}

static const json& values_of(const json& t) { return t.is_object() ? t.at("data") : t; }

std::vector<int64_t> golden_shape(const json& t) { return t.at("shape").get<std::vector<int64_t>>(); }

std::vector<double> golden_doubles(const json& t) {
  const json& v = values_of(t);
  if (v.is_number()) return {v.get<double>()};
  // nlohmann parses every non-integer number with strtod into a double: exactly the value written.
  std::vector<double> out;
  out.reserve(v.size());
  for (const json& e : v) out.push_back(e.get<double>());
  return out;
}

std::vector<float> golden_floats(const json& t) {
  const std::vector<double> d = golden_doubles(t);
  return std::vector<float>(d.begin(), d.end());  // exact: each double is a float32 value
}

std::vector<int64_t> golden_ints(const json& t) {
  const json& v = values_of(t);
  if (v.is_number()) return {v.get<int64_t>()};
  std::vector<int64_t> out;
  out.reserve(v.size());
  for (const json& e : v) {
    if (!e.is_number_integer()) throw Error("golden_ints: value " + e.dump() + " is not an integer");
    out.push_back(e.get<int64_t>());
  }
  return out;
}

DType golden_dtype(const std::string& name) {
  static const std::pair<const char*, DType> names[] = {
      {"f32", DType::float32}, {"float32", DType::float32}, {"f16", DType::float16},   {"float16", DType::float16},
      {"i32", DType::int32},   {"int32", DType::int32},     {"i64", DType::int64},     {"int64", DType::int64},
      {"u8", DType::uint8},    {"uint8", DType::uint8},     {"bool", DType::uint8},    {"i8", DType::int8},
      {"int8", DType::int8},   {"qu8", DType::quint8},      {"quint8", DType::quint8}, {"qi8", DType::qint8},
      {"qint8", DType::qint8}, {"qi32", DType::qint32},     {"qint32", DType::qint32}, {"qu4x2", DType::quint4x2},
      {"quint4x2", DType::quint4x2}};
  for (const auto& [n, d] : names)
    if (name == n) return d;
  throw Error("golden_dtype: dtype = " + name + ": not a dtype qjit has");
}

template <class T>
static Tensor ints_as(const std::vector<int64_t>& v, const std::vector<int64_t>& shape) {
  return from_vector(std::vector<T>(v.begin(), v.end()), shape);
}

Tensor golden_tensor(const json& t) {
  const std::string name = t.at("dtype").get<std::string>();
  const DType dtype = golden_dtype(name);
  const std::vector<int64_t> shape = golden_shape(t);
  switch (dtype) {
    case DType::float32: return from_vector(golden_floats(t), shape);
    case DType::float16: return from_vector(golden_floats(t), shape).to(DType::float16);
    case DType::int32: return ints_as<int32_t>(golden_ints(t), shape);
    case DType::int64: return ints_as<int64_t>(golden_ints(t), shape);
    case DType::uint8: return ints_as<uint8_t>(golden_ints(t), shape);
    case DType::int8: return ints_as<int8_t>(golden_ints(t), shape);
    default: break;
  }
  const std::string scheme = t.at("qscheme").get<std::string>();
  std::vector<int64_t> data = golden_ints(t);
  if (dtype == DType::quint4x2) {  // packed bytes, ceil(cols / 2) per row, low nibble first
    const int64_t cols = shape.empty() ? 1 : shape.back(), row_bytes = (cols + 1) / 2;
    const int64_t rows = cols ? static_cast<int64_t>(data.size()) / row_bytes : 0;
    std::vector<int64_t> values(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        values[r * cols + c] = (data[r * row_bytes + c / 2] >> (4 * (c % 2))) & 0xF;
    data = std::move(values);
  }
  const Tensor ints = dtype == DType::qint8    ? ints_as<int8_t>(data, shape)
                      : dtype == DType::qint32 ? ints_as<int32_t>(data, shape)
                                               : ints_as<uint8_t>(data, shape);
  if (scheme == "per_tensor_affine")
    return make_per_tensor_quantized_tensor(ints, t.at("scale").get<double>(), t.at("zero_point").get<int64_t>());
  const std::vector<double> scales = golden_doubles(t.at("scale"));
  const int64_t axis = t.at("axis").get<int64_t>();
  if (scheme == "per_channel_affine")
    return make_per_channel_quantized_tensor(ints, scales, golden_ints(t.at("zero_point")), axis);
  if (scheme == "per_channel_affine_float_qparams")
    return make_per_channel_quantized_tensor(ints, scales, golden_floats(t.at("zero_point")), axis, dtype);
  throw Error("golden_tensor: qscheme = " + scheme + ": not a qscheme of a quantized tensor");
}

std::vector<float> tensor_floats(const Tensor& t) {
  if (t.is_quantized()) {
    const std::vector<int64_t> v = tensor_ints(t);
    return std::vector<float>(v.begin(), v.end());
  }
  const Tensor f = t.to(DType::float32).contiguous();
  const float* p = f.data_ptr<float>();
  return std::vector<float>(p, p + f.numel());
}

std::vector<int64_t> tensor_ints(const Tensor& t) {
  Tensor src = t;
  if (t.dtype() == DType::quint4x2) {  // one value per element
    const Tensor packed = int_repr(t);
    const std::vector<int64_t>& shape = t.sizes();
    const int64_t cols = shape.empty() ? 1 : shape.back(), row_bytes = (cols + 1) / 2;
    const int64_t rows = cols ? t.numel() / cols : 0;
    const uint8_t* p = packed.data_ptr<uint8_t>();
    std::vector<int64_t> out(static_cast<size_t>(t.numel()));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = (p[r * row_bytes + c / 2] >> (4 * (c % 2))) & 0xF;
    return out;
  }
  if (t.is_quantized()) src = int_repr(t);
  src = src.contiguous();
  const size_t n = static_cast<size_t>(src.numel());
  std::vector<int64_t> out(n);
  switch (src.dtype()) {
    case DType::uint8: std::copy_n(src.data_ptr<uint8_t>(), n, out.begin()); break;
    case DType::int8: std::copy_n(src.data_ptr<int8_t>(), n, out.begin()); break;
    case DType::int32: std::copy_n(src.data_ptr<int32_t>(), n, out.begin()); break;
    case DType::int64: std::copy_n(src.data_ptr<int64_t>(), n, out.begin()); break;
    default: throw Error(std::string("tensor_ints: dtype = ") + dtype_name(src.dtype()) + ": not an integer dtype");
  }
  return out;
}

}  // namespace qjit::test
