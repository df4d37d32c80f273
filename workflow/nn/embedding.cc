#include "workflow/nn/embedding.h"

#include <algorithm>
#include <limits>

#include "base/error.h"
#include "workflow/nn/float_ops.h"

namespace qjit::nn {

namespace {

std::vector<int64_t> read_indices(const char* fn, std::string_view arg, const Tensor& t) {
  check_arg(t.defined(), fn, arg, "undefined", "must be a defined tensor");
  check_arg(t.dtype() == DType::int64 || t.dtype() == DType::int32, fn, arg, t.to_string(), "must be int64 or int32");
  const Tensor c = t.contiguous();
  std::vector<int64_t> v(size_t(c.numel()));
  if (c.dtype() == DType::int64)
    std::copy(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel(), v.begin());
  else
    std::copy(c.data_ptr<int32_t>(), c.data_ptr<int32_t>() + c.numel(), v.begin());
  return v;
}

void check_weight(const char* fn, const Tensor& w) {
  check_arg(w.defined() && w.dim() == 2 && w.dtype() == DType::float32, fn, "weight",
            w.defined() ? w.to_string() : "undefined", "must be a 2-D float32 tensor");
}

std::optional<int64_t> normalize_padding_idx(const char* fn, std::optional<int64_t> p, int64_t num) {
  if (!p) return p;
  check_arg(*p >= -num && *p < num, fn, "padding_idx", *p, "must be within num_embeddings");
  return *p < 0 ? *p + num : *p;
}

}  // namespace

Tensor embedding(const Tensor& indices, const Tensor& weight_in) {
  constexpr const char* fn = "embedding";
  check_weight(fn, weight_in);
  const Tensor weight = weight_in.contiguous();
  const std::vector<int64_t> idx = read_indices(fn, "indices", indices);
  const int64_t num = weight.size(0), dim = weight.size(1);
  std::vector<int64_t> out_sizes = indices.sizes();
  out_sizes.push_back(dim);
  Tensor y = empty(out_sizes);
  for (size_t i = 0; i < idx.size(); ++i) {
    check_arg(idx[i] >= 0 && idx[i] < num, fn, ArgAt{"indices", i}, idx[i],
              "out of range [0, " + std::to_string(num) + ")");
    std::copy_n(weight.data_ptr<float>() + idx[i] * dim, dim, y.data_ptr<float>() + int64_t(i) * dim);
  }
  return y;
}

Tensor embedding_bag(const Tensor& input, const Tensor& weight_in, const Tensor& offsets_in, const std::string& mode,
                     const Tensor& per_sample_weights, bool include_last_offset, std::optional<int64_t> padding_idx) {
  constexpr const char* fn = "embedding_bag";
  check_weight(fn, weight_in);
  check_arg(mode == "sum" || mode == "mean" || mode == "max", fn, "mode", mode, "must be 'sum', 'mean' or 'max'");
  const Tensor weight = weight_in.contiguous();
  const int64_t num = weight.size(0), dim = weight.size(1);
  padding_idx = normalize_padding_idx(fn, padding_idx, num);
  check_arg(input.defined() && (input.dim() == 1 || input.dim() == 2), fn, "input",
            input.defined() ? input.to_string() : "undefined", "must be 1-D or 2-D");
  const std::vector<int64_t> idx = read_indices(fn, "input", input);
  std::vector<int64_t> starts;
  if (input.dim() == 2) {
    check_arg(!offsets_in.defined(), fn, "offsets", offsets_in.defined() ? offsets_in.to_string() : "", 
              "must be undefined when input is 2-D");
    for (int64_t b = 0; b < input.size(0); ++b) starts.push_back(b * input.size(1));
    starts.push_back(input.numel());
  } else {
    check_arg(offsets_in.defined() && offsets_in.dim() == 1, fn, "offsets",
              offsets_in.defined() ? offsets_in.to_string() : "undefined", "must be 1-D when input is 1-D");
    starts = read_indices(fn, "offsets", offsets_in);
    if (!include_last_offset) starts.push_back(int64_t(idx.size()));
    check_arg(starts.size() >= 1 && (starts.size() >= 2 || !include_last_offset), fn, "offsets",
              offsets_in.to_string(), "must not be empty");
    check_arg(starts.empty() || starts[0] == 0, fn, "offsets[0]", starts.empty() ? 0 : starts[0], "must be 0");
    for (size_t b = 1; b < starts.size(); ++b)
      check_arg(starts[b] >= starts[b - 1] && starts[b] <= int64_t(idx.size()), fn, ArgAt{"offsets", b}, starts[b],
                "must be non-decreasing and at most the input length (" + std::to_string(idx.size()) + ")");
  }
  const float* psw = nullptr;
  Tensor psw_c;
  if (per_sample_weights.defined()) {
    check_arg(mode == "sum", fn, "per_sample_weights", per_sample_weights.to_string(),
              "only supported for mode='sum' (mode = " + mode + ")");
    check_arg(per_sample_weights.dtype() == DType::float32 && per_sample_weights.sizes() == input.sizes(), fn,
              "per_sample_weights", per_sample_weights.to_string(), "must be float32 with the input's shape");
    psw_c = per_sample_weights.contiguous();
    psw = psw_c.data_ptr<float>();
  }
  const int64_t bags = int64_t(starts.size()) - 1;
  Tensor y = zeros({bags, dim});
  const float* w = weight.data_ptr<float>();
  for (int64_t b = 0; b < bags; ++b) {
    float* out = y.data_ptr<float>() + b * dim;
    int64_t count = 0;
    for (int64_t i = starts[b]; i < starts[b + 1]; ++i) {
      const int64_t r = idx[size_t(i)];
      check_arg(r >= 0 && r < num, fn, ArgAt{"input", size_t(i)}, r, "out of range [0, " + std::to_string(num) + ")");
      if (padding_idx && r == *padding_idx) continue;
      const float* row = w + r * dim;
      if (mode == "max") {
        for (int64_t d = 0; d < dim; ++d) out[d] = count == 0 ? row[d] : std::max(out[d], row[d]);
      } else {
        const float s = psw ? psw[i] : 1.f;
        for (int64_t d = 0; d < dim; ++d) out[d] += psw ? row[d] * s : row[d];
      }
      ++count;
    }
    if (mode == "mean" && count > 0)
      for (int64_t d = 0; d < dim; ++d) out[d] /= static_cast<float>(count);
  }
  return y;
}

Embedding::Embedding(int64_t num, int64_t dim, std::optional<int64_t> pad) : num_embeddings(num), embedding_dim(dim) {
  check_arg(num >= 1, "nn.Embedding", "num_embeddings", num, "must be >= 1");
  check_arg(dim >= 1, "nn.Embedding", "embedding_dim", dim, "must be >= 1");
  padding_idx = normalize_padding_idx("nn.Embedding", pad, num);
  weight = zeros({num, dim});
}

Tensor Embedding::forward(const Tensor& indices) { return embedding(indices, weight); }

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s;
}

std::vector<StateEntry> Embedding::local_state() {
  std::vector<StateEntry> s;
  add_state(s, "weight", weight, StateKind::parameter);
  return s;
}

EmbeddingBag::EmbeddingBag(int64_t num, int64_t dim, const std::string& m, bool ilo, std::optional<int64_t> pad)
    : num_embeddings(num), embedding_dim(dim), mode(m), include_last_offset(ilo) {
  constexpr const char* fn = "nn.EmbeddingBag";
  check_arg(num >= 1, fn, "num_embeddings", num, "must be >= 1");
  check_arg(dim >= 1, fn, "embedding_dim", dim, "must be >= 1");
  check_arg(m == "sum" || m == "mean" || m == "max", fn, "mode", m, "must be 'sum', 'mean' or 'max'");
  padding_idx = normalize_padding_idx(fn, pad, num);
  weight = zeros({num, dim});
}

Tensor EmbeddingBag::forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights) {
  return run_forward_hooks(
      input, embedding_bag(input, weight, offsets, mode, per_sample_weights, include_last_offset, padding_idx));
}

Tensor EmbeddingBag::forward(const Tensor& input) {
  return embedding_bag(input, weight, Tensor(), mode, Tensor(), include_last_offset, padding_idx);
}

std::string EmbeddingBag::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim) + ", mode=" + mode;
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s;
}

std::vector<StateEntry> EmbeddingBag::local_state() {
  std::vector<StateEntry> s;
  add_state(s, "weight", weight, StateKind::parameter);
  return s;
}

}  // namespace qjit::nn
