#include "kernels/eltwise_run.h"

#include <cstring>
#include <limits>

namespace qjit::detail {

const JitCode& eltwise_code(const EltwiseDesc& d) { return CodeCache<EltwiseDesc>::instance().get(d); }

namespace {
template <class T>
const T* advance(const T* p, size_t bytes) {
  return p ? reinterpret_cast<const T*>(reinterpret_cast<const char*>(p) + bytes) : p;
}
}  // namespace

void run_eltwise(const JitCode& code, size_t block, const EltwiseArgs& args, size_t begin, size_t end,
                 const EltwiseLayout& layout) {
  auto* fn = code.as<EltwiseKernelFn>();
  auto at = [&](size_t i) {
    EltwiseArgs a = args;
    a.src = advance(static_cast<const char*>(args.src), i * layout.src_bytes);
    if (layout.dst_bytes) a.dst = static_cast<char*>(args.dst) + i * layout.dst_bytes;
    if (layout.scale_indexed) a.scale = advance(args.scale, i * 4);
    if (layout.zp_indexed) a.zero_point = advance(static_cast<const char*>(args.zero_point), i * 4);
    if (layout.bias_indexed) a.bias = advance(static_cast<const char*>(args.bias), i * 4);
    return a;
  };
  const size_t n = end - begin;
  const size_t whole = n / block * block;
  if (whole) {
    EltwiseArgs a = at(begin);
    a.n = whole;
    fn(&a);
  }
  const size_t tail = n - whole;
  if (!tail) return;
  // At most 16 lanes of at most 4 bytes each.
  alignas(64) unsigned char src[64], dst[64], scale[64], zp[64], bias[64];
  const EltwiseArgs t = at(begin + whole);
  if (layout.pad_src_with_nan) {
    const float qnan = std::numeric_limits<float>::quiet_NaN();
    for (int i = 0; i < 16; ++i) std::memcpy(src + 4 * i, &qnan, 4);
  } else {
    std::memset(src, 0, sizeof src);
  }
  std::memcpy(src, t.src, tail * layout.src_bytes);
  EltwiseArgs a = t;
  a.n = block;
  a.src = src;
  if (layout.dst_bytes) a.dst = dst;
  // Padding lanes get harmless parameters: scale 1, zero point and bias 0.
  auto pad = [&](unsigned char* buf, const void* from, bool indexed, bool fill_one) -> const void* {
    if (!indexed || !from) return from;
    const float one = 1.0f;
    std::memset(buf, 0, 64);
    if (fill_one)
      for (int i = 0; i < 16; ++i) std::memcpy(buf + 4 * i, &one, 4);
    std::memcpy(buf, from, tail * 4);
    return buf;
  };
  a.scale = static_cast<const float*>(pad(scale, t.scale, layout.scale_indexed, true));
  a.zero_point = pad(zp, t.zero_point, layout.zp_indexed, false);
  a.bias = pad(bias, t.bias, layout.bias_indexed, false);
  fn(&a);
  if (layout.dst_bytes) std::memcpy(t.dst, dst, tail * layout.dst_bytes);
}

}  // namespace qjit::detail
