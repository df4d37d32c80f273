#include "workflow/datasets/digits.h"

#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "base/env.h"
#include "base/error.h"

namespace qjit {

namespace {
constexpr int64_t kPixels = 64;

// The lines of a text file, gzipped or not (gzread reads a plain file as it is).
std::vector<std::string> read_lines(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  check_arg(f != nullptr, "load_digits", "path", path, "cannot be opened");
  std::string text;
  char buf[1 << 16];
  int got;
  while ((got = gzread(f.get(), buf, sizeof buf)) > 0) text.append(buf, size_t(got));
  int err = Z_OK;
  const char* msg = gzerror(f.get(), &err);
  check_arg(got == 0 && (err == Z_OK || err == Z_BUF_ERROR), "load_digits", "path", path,
            std::string("is truncated or unreadable (") + msg + ")");
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.emplace_back(text, start, end - start);
    start = end + 1;
  }
  return lines;
}

// The integers of one CSV line; qjit::Error naming the line when a field is not an integer.
std::vector<long> parse_ints(const std::string& line, const std::string& path, size_t line_no) {
  std::vector<long> out;
  const char* p = line.c_str();
  while (true) {
    char* end = nullptr;
    const double v = std::strtod(p, &end);  // load_digits reads floats ("0.0" and "0" alike)
    check_arg(end != p && v == double(long(v)), "load_digits", "path", path + ":" + std::to_string(line_no),
              "every field must be an integer");
    out.push_back(long(v));
    p = end;
    while (*p == ' ' || *p == '\r') ++p;
    if (*p == '\0') break;
    check_arg(*p == ',', "load_digits", "path", path + ":" + std::to_string(line_no), "fields must be comma separated");
    ++p;
  }
  return out;
}
}  // namespace

std::string digits_path() {
  const std::string env = env_string("QJIT_DIGITS_PATH");
  return env.empty() ? "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz" : env;
}

bool digits_available(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

ImageDataset load_digits(const std::string& path) {
  const std::vector<std::string> lines = read_lines(path);
  check_arg(!lines.empty(), "load_digits", "path", path, "holds no images");
  const int64_t n = int64_t(lines.size());
  ImageDataset d{empty({n, 1, 8, 8}), empty({n}, DType::int64)};
  float* px = d.images.data_ptr<float>();
  int64_t* labels = d.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<long> v = parse_ints(lines[size_t(i)], path, size_t(i) + 1);
    const std::string where = path + ":" + std::to_string(i + 1);
    check_arg(int64_t(v.size()) == kPixels + 1, "load_digits", "path", where,
              "must hold 64 pixels and a label, found " + std::to_string(v.size()) + " fields");
    for (int64_t k = 0; k < kPixels; ++k) {
      check_arg(v[size_t(k)] >= 0 && v[size_t(k)] <= 16, "load_digits", "path", where, "pixels must lie in 0..16");
      px[i * kPixels + k] = static_cast<float>(v[size_t(k)]) / 16.0f;
    }
    check_arg(v.back() >= 0 && v.back() <= 9, "load_digits", "path", where, "the label must lie in 0..9");
    labels[i] = v.back();
  }
  return d;
}

ImageDataset subset(const ImageDataset& data, const std::vector<int64_t>& indices) {
  check_arg(data.images.defined() && data.images.dim() == 4 && data.images.dtype() == DType::float32, "subset",
            "data.images", data.images.to_string(), "must be float32 [N, C, H, W]");
  const auto& s = data.images.sizes();
  check_arg(data.labels.defined() && data.labels.dim() == 1 && data.labels.size(0) == s[0] &&
                data.labels.dtype() == DType::int64,
            "subset", "data.labels", data.labels.to_string(), "must be int64 with one label per image");
  const int64_t per = s[1] * s[2] * s[3], n = int64_t(indices.size());
  ImageDataset out{empty({n, s[1], s[2], s[3]}), empty({n}, DType::int64)};
  const Tensor images = data.images.contiguous();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = indices[size_t(i)];
    check_arg(j >= 0 && j < s[0], "subset", ArgAt{"indices", size_t(i)}, j,
              "must lie in [0, " + std::to_string(s[0]) + ")");
    std::memcpy(out.images.data_ptr<float>() + i * per, images.data_ptr<float>() + j * per, sizeof(float) * per);
    out.labels.data_ptr<int64_t>()[i] = data.labels.data_ptr<int64_t>()[j];
  }
  return out;
}

}  // namespace qjit
