#include "kernels/conv_common.h"

#include "base/error.h"

namespace qjit::conv_common {

std::string dims_text(const std::array<int64_t, 3>& v, int dims) {
  std::string s;
  for (int i = 3 - dims; i < 3; ++i) s.append(i == 3 - dims ? "" : "x").append(std::to_string(v[i]));
  return s;
}

void check_channels(std::string_view fn, int spatial_dims, int64_t batch, int64_t in_channels, int64_t out_channels,
                    int64_t groups) {
  check_arg(spatial_dims >= 1 && spatial_dims <= 3, fn, "spatial_dims", spatial_dims, "must be 1, 2 or 3");
  check_arg(batch >= 0 && batch <= kMaxSize, fn, "batch", batch, "must be in [0, 2^24]");
  check_arg(in_channels > 0 && in_channels <= kMaxSize, fn, "in_channels", in_channels, "must be in [1, 2^24]");
  check_arg(out_channels > 0 && out_channels <= kMaxSize, fn, "out_channels", out_channels, "must be in [1, 2^24]");
  check_arg(groups > 0, fn, "groups", groups, "must be > 0");
  const auto multiple_of_groups = [&] { return "must be a multiple of groups (" + std::to_string(groups) + ")"; };
  check_arg(in_channels % groups == 0, fn, "in_channels", in_channels, multiple_of_groups);
  check_arg(out_channels % groups == 0, fn, "out_channels", out_channels, multiple_of_groups);
}

void check_pixel_counts(std::string_view fn, const std::array<int64_t, 3>& input,
                        const std::array<int64_t, 3>& o, int spatial_dims) {
  if (!(input[0] * input[1] <= kMaxSize * 64 && input[0] * input[1] * input[2] <= kMaxSize * 64))
    throw_bad_arg(fn, "input", dims_text(input, spatial_dims), "more than 2^30 pixels per image");
  if (!(o[0] * o[1] <= kMaxSize * 64 && o[0] * o[1] * o[2] <= kMaxSize * 64))
    throw_bad_arg(fn, "output", dims_text(o, spatial_dims), "more than 2^30 pixels per image");
}

void check_weight_field(std::string_view fn, const char* field, size_t got, size_t want) {
  if (got != want)
    throw_bad_arg(fn, std::string("w.shape().") + field, got, "differs from the descriptor's " + std::to_string(want));
}

void check_weight_kernel(std::string_view fn, const std::array<size_t, 3>& got, const std::array<size_t, 3>& want) {
  for (size_t i = 0; i < 3; ++i)
    check_arg(got[i] == want[i], fn, ArgAt{"w.shape().kernel", i}, got[i],
              [&] { return "differs from the descriptor's " + std::to_string(want[i]); });
}

void check_weight_isa(std::string_view fn, Isa packed_isa, Isa isa) {
  check_isa_available(fn, isa);
  check_arg(packed_isa == isa, fn, "isa", isa_name(isa), [&] {
    return std::string("differs from the ISA the weights were packed for (") + isa_name(packed_isa) + ")";
  });
}

int thread_count(std::string_view fn, const Exec& exec, double ops) {
  if (exec.partition) {
    const Partition& p = *exec.partition;
    check_arg(p.thread_count >= 1, fn, "partition.thread_count", p.thread_count, "must be >= 1");
    check_arg(p.thread_id >= 0 && p.thread_id < p.thread_count, fn, "partition.thread_id", p.thread_id,
              "must be in [0, thread_count)");
    return p.thread_count;
  }
  if (exec.threads == 1) return 1;
  if (ops < 2e6) return 1;
  return exec.threads > 0 ? exec.threads : get_num_threads();
}

namespace {

struct PaddedStage {
  std::vector<float> mult, bias_f, post_bias;
  std::vector<int32_t> bias_i;
};

}  // namespace

OutputStage padded_stage(const OutputStage& out, size_t OC, size_t nr) {
  thread_local PaddedStage pad;
  const auto copy = [&](auto& dst, const auto* src) -> decltype(src) {
    if (!src) return nullptr;
    dst.assign(OC + nr, 0);
    std::copy(src, src + OC, dst.begin());
    return dst.data();
  };
  OutputStage s = out;
  if (out.kind == OutputKind::s32) return s;
  if (out.per_channel) s.multiplier = copy(pad.mult, out.multiplier);
  s.bias_f = copy(pad.bias_f, out.bias_f);
  s.bias_i = copy(pad.bias_i, out.bias_i);
  s.post_bias = copy(pad.post_bias, out.post_bias);
  return s;
}

OutputStage group_stage(const OutputStage& out, size_t g, size_t OCg, size_t p0) {
  OutputStage s = out;
  const size_t c0 = g * OCg;
  if (s.multiplier && s.per_channel) s.multiplier += c0;
  if (s.bias_f) s.bias_f += c0;
  if (s.bias_i) s.bias_i += c0;
  if (s.post_bias) s.post_bias += c0;
  if (s.row_scale) s.row_scale += p0;
  return s;
}

size_t pixel_block(const BlockedGemm& p, int threads) {
  size_t block = (p.M + static_cast<size_t>(threads) - 1) / static_cast<size_t>(threads);
  block = (block + p.mr - 1) / p.mr * p.mr;
  if (p.gather_rows) {
    const size_t cap = kBlockBytes / (p.K * p.G);
    block = std::min(block, cap >= p.mr ? cap / p.mr * p.mr : std::max<size_t>(1, cap));
  }
  return block;
}

uint8_t* row_buffer(size_t bytes) {
  thread_local std::vector<uint8_t> buf;
  if (buf.size() < bytes) buf.resize(bytes);
  return buf.data();
}

}  // namespace qjit::conv_common
