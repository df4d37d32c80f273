#include "workflow/state_dict_json.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace qjit {

namespace {

constexpr const char* kFn = "read_state_dict_json";

Tensor tensor_from_json(const std::string& key, const nlohmann::json& t) {
  check_arg(t.is_object() && t.contains("shape") && t.contains("data") && t["data"].is_array(), kFn, key,
            t.dump().substr(0, 80), "must be an object with \"shape\" and \"data\"");
  const std::string dtype = t.value("dtype", std::string("f32"));
  std::vector<int64_t> shape = t["shape"].get<std::vector<int64_t>>();
  int64_t n = 1;
  for (int64_t s : shape) {
    check_arg(s >= 0, kFn, key, shape_str(shape), "sizes must be >= 0");
    n *= s;
  }
  const auto& data = t["data"];
  check_arg(int64_t(data.size()) == n, kFn, key, data.size(),
            "number of values must equal the product of the shape " + shape_str(shape));
  if (dtype == "f32" || dtype == "f64") {
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[size_t(i)] = static_cast<float>(data[size_t(i)].get<double>());
    return from_vector(v, shape);
  }
  std::vector<int64_t> v = data.get<std::vector<int64_t>>();
  const Tensor i64 = from_vector(v, shape);
  if (dtype == "i64") return i64;
  if (dtype == "i32") return i64.to(DType::int32);
  if (dtype == "u8") return i64.to(DType::uint8);
  if (dtype == "i8") return i64.to(DType::int8);
  throw_bad_arg(kFn, key + ".dtype", dtype, "must be one of f32, f64, i64, i32, u8, i8");
}

}  // namespace

StateDict read_state_dict_json(const std::string& path) {
  std::ifstream in(path);
  check_arg(in.good(), kFn, "path", path, "cannot be opened");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw_bad_arg(kFn, "path", path, std::string("is not valid JSON: ") + e.what());
  }
  const nlohmann::json& map = j.contains("state_dict") ? j["state_dict"] : j;
  check_arg(map.is_object(), kFn, "path", path, "must hold an object of tensors (or one under \"state_dict\")");
  StateDict d;
  for (auto it = map.begin(); it != map.end(); ++it) d.emplace_back(it.key(), tensor_from_json(it.key(), it.value()));
  return d;
}

}  // namespace qjit
