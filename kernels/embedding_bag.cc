#include "kernels/embedding_bag.h"

#include <string>

#include "base/error.h"
#include "kernels/reference/embedding_bag_ref.h"

namespace qjit {

namespace detail {
#if defined(__x86_64__)
void embedding_bag_one_avx2(int bits, const uint8_t* table, size_t row_bytes, size_t vbytes, size_t dim,
                            const int64_t* idx, size_t len, const float* psw, int mode, float* out);
void embedding_bag_one_avx2(int bits, const uint8_t* table, size_t row_bytes, size_t vbytes, size_t dim,
                            const int32_t* idx, size_t len, const float* psw, int mode, float* out);
#endif
}  // namespace detail

const char* embedding_bag_mode_name(EmbeddingBagMode m) {
  switch (m) {
    case EmbeddingBagMode::sum: return "sum";
    case EmbeddingBagMode::mean: return "mean";
    case EmbeddingBagMode::max: return "max";
  }
  return "?";
}

size_t embedding_bag_count(size_t num_offsets, bool include_last_offset) {
  if (!include_last_offset) return num_offsets;
  check_arg(num_offsets >= 1, "embedding_bag", "offsets.size()", num_offsets,
            "must be >= 1 with include_last_offset (it holds the end of the last bag)");
  return num_offsets - 1;
}

namespace {

constexpr const char* kFn = "embedding_bag";

template <class Index>
void check_lookup(const RowwiseTable& t, const Index* indices, size_t num_indices, const Index* offsets,
                  size_t num_offsets, const float* psw, const EmbeddingBagDesc& desc, float* out) {
  check_rowwise_table(kFn, t);
  const auto mode = static_cast<unsigned>(desc.mode);
  check_arg(mode <= 2, kFn, "mode", mode, "must be 0 (sum), 1 (mean) or 2 (max)");
  check_arg(psw == nullptr || desc.mode == EmbeddingBagMode::sum, kFn, "mode", embedding_bag_mode_name(desc.mode),
            "per_sample_weights are only supported with mode sum (as in PyTorch)");
  const size_t bags = embedding_bag_count(num_offsets, desc.include_last_offset);
  if (num_indices > 0) check_not_null(kFn, "indices", indices);
  if (num_offsets > 0) check_not_null(kFn, "offsets", offsets);
  if (bags > 0) check_not_null(kFn, "out", out);
  const auto n = static_cast<int64_t>(num_indices);
  for (size_t b = 0; b < num_offsets; ++b) {
    const auto o = static_cast<int64_t>(offsets[b]);
    if (b == 0)
      check_arg(o == 0, kFn, ArgAt{"offsets", 0}, o, "must be 0: the first bag starts at the first index");
    else
      check_arg(o >= static_cast<int64_t>(offsets[b - 1]), kFn, ArgAt{"offsets", b}, o, [&] {
        return "must be >= offsets[" + std::to_string(b - 1) + "] (" + std::to_string(offsets[b - 1]) +
               "): offsets never decrease";
      });
    check_arg(o <= n, kFn, ArgAt{"offsets", b}, o,
              [&] { return "must be <= the number of indices (" + std::to_string(num_indices) + ")"; });
  }
  const auto rows = static_cast<int64_t>(t.rows);
  for (size_t i = 0; i < num_indices; ++i) {
    const auto v = static_cast<int64_t>(indices[i]);
    if (v < 0 || v >= rows)
      throw_bad_arg(kFn, arg_name(ArgAt{"indices", i}), v,
                    "must be in [0, num_embeddings) = [0, " + std::to_string(rows) + ")");
  }
}

// Below this many gathered values (indices x dim) a call stays on the calling thread: waking the pool costs more.
constexpr size_t kParallelWork = size_t{1} << 16;

template <class Index>
void lookup(const RowwiseTable& t, const Index* indices, size_t num_indices, const Index* offsets, size_t num_offsets,
            const float* psw, const EmbeddingBagDesc& desc, float* out, const Exec& exec) {
  check_isa_available(kFn, exec.isa);
  check_lookup(t, indices, num_indices, offsets, num_offsets, psw, desc, out);
  const bool avx2 = exec.isa == Isa::avx2 || exec.isa == Isa::avx2_vnni || exec.isa == Isa::avx512 ||
                    exec.isa == Isa::avx512_vnni;
  const size_t bags = embedding_bag_count(num_offsets, desc.include_last_offset);
  const size_t row_bytes = t.row_bytes(), vbytes = rowwise_value_bytes(t.bits, t.dim);
  // Bags write disjoint output rows, so any split over threads gives the same bits.
  auto run = [&](size_t b0, size_t b1) {
    for (size_t b = b0; b < b1; ++b) {
      const auto begin = static_cast<size_t>(offsets[b]);
      const size_t end = b + 1 < num_offsets ? static_cast<size_t>(offsets[b + 1]) : num_indices;
      const float* w = psw ? psw + begin : nullptr;
      float* o = out + b * t.dim;
#if defined(__x86_64__)
      if (avx2) {
        detail::embedding_bag_one_avx2(t.bits, t.data, row_bytes, vbytes, t.dim, indices + begin, end - begin, w,
                                       static_cast<int>(desc.mode), o);
        continue;
      }
#endif
      ref::embedding_bag_one(t, indices + begin, end - begin, w, desc.mode, o);
    }
  };
  if (exec.partition) {
    const auto [b0, b1] = partition_range(bags, *exec.partition);
    run(b0, b1);
    return;
  }
  if (exec.threads == 1 || bags < 2 || num_indices * t.dim < kParallelWork) {
    run(0, bags);
    return;
  }
  parallel_run(exec.threads, [&](Partition p) {
    const auto [b0, b1] = partition_range(bags, p);
    run(b0, b1);
  });
}

}  // namespace

void embedding_bag(const RowwiseTable& table, const int64_t* indices, size_t num_indices, const int64_t* offsets,
                   size_t num_offsets, const float* per_sample_weights, const EmbeddingBagDesc& desc, float* out,
                   const Exec& exec) {
  lookup(table, indices, num_indices, offsets, num_offsets, per_sample_weights, desc, out, exec);
}

void embedding_bag(const RowwiseTable& table, const int32_t* indices, size_t num_indices, const int32_t* offsets,
                   size_t num_offsets, const float* per_sample_weights, const EmbeddingBagDesc& desc, float* out,
                   const Exec& exec) {
  lookup(table, indices, num_indices, offsets, num_offsets, per_sample_weights, desc, out, exec);
}

}  // namespace qjit
