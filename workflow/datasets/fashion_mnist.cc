#include "workflow/datasets/fashion_mnist.h"

#include <zlib.h>

#include <filesystem>
#include <memory>

#include "base/env.h"
#include "base/error.h"

namespace qjit {

namespace {

constexpr const char* kFiles[] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

// Reads exactly n bytes or throws naming the file.
void read_exact(gzFile f, const std::string& path, void* out, size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  while (n > 0) {
    const unsigned chunk = n > (1u << 30) ? (1u << 30) : unsigned(n);
    const int got = gzread(f, p, chunk);
    check_arg(got > 0, "read_idx_u8", "path", path, "is truncated or unreadable");
    p += got;
    n -= size_t(got);
  }
}

}  // namespace

std::string fashion_mnist_dir() {
  const std::string env = env_string("QJIT_FASHION_MNIST_DIR");
  return env.empty() ? "/usr/share/datasets/fashion-mnist" : env;
}

bool fashion_mnist_available(const std::string& dir) {
  std::error_code ec;
  for (const char* f : kFiles)
    if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / f, ec)) return false;
  return true;
}

Tensor read_idx_u8(const std::string& path) {
  constexpr const char* fn = "read_idx_u8";
  // gzread also reads an uncompressed file as it is.
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  check_arg(f != nullptr, fn, "path", path, "cannot be opened");
  unsigned char magic[4];
  read_exact(f.get(), path, magic, 4);
  check_arg(magic[0] == 0 && magic[1] == 0 && magic[2] == 0x08 && magic[3] >= 1 && magic[3] <= 4, fn, "path", path,
            "is not an IDX file of unsigned bytes (magic 0x0000 08 0n)");
  std::vector<int64_t> sizes(magic[3]);
  int64_t n = 1;
  for (int64_t& s : sizes) {
    unsigned char b[4];
    read_exact(f.get(), path, b, 4);
    s = (int64_t(b[0]) << 24) | (int64_t(b[1]) << 16) | (int64_t(b[2]) << 8) | int64_t(b[3]);
    n *= s;
  }
  check_arg(n <= (int64_t(1) << 34), fn, "path", path, "declares an implausibly large tensor " + shape_str(sizes));
  Tensor t = empty(sizes, DType::uint8);
  read_exact(f.get(), path, t.data_ptr<uint8_t>(), size_t(n));
  return t;
}

ImageDataset load_fashion_mnist(const std::string& split, const std::string& dir) {
  constexpr const char* fn = "load_fashion_mnist";
  check_arg(split == "train" || split == "test", fn, "split", split, "must be \"train\" or \"test\"");
  const std::string prefix = dir + "/" + (split == "train" ? "train" : "t10k");
  const Tensor images = read_idx_u8(prefix + "-images-idx3-ubyte.gz");
  const Tensor labels = read_idx_u8(prefix + "-labels-idx1-ubyte.gz");
  check_arg(images.dim() == 3, fn, "images", images.to_string(), "must be a 3-D IDX file");
  check_arg(labels.dim() == 1 && labels.size(0) == images.size(0), fn, "labels", labels.to_string(),
            "must be 1-D with one label per image (" + std::to_string(images.size(0)) + ")");
  const int64_t N = images.size(0), H = images.size(1), W = images.size(2);
  ImageDataset d{empty({N, 1, H, W}), empty({N}, DType::int64)};
  const uint8_t* px = images.data_ptr<uint8_t>();
  float* out = d.images.data_ptr<float>();
  for (int64_t i = 0; i < N * H * W; ++i) out[i] = static_cast<float>(px[i]) / 255.0f;
  for (int64_t i = 0; i < N; ++i) d.labels.data_ptr<int64_t>()[i] = labels.data_ptr<uint8_t>()[i];
  return d;
}

}  // namespace qjit
