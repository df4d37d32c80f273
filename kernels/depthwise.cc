#include "kernels/depthwise.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "jit/code_cache.h"
#include "jit/depthwise_desc.h"
#include "kernels/eltwise_run.h"
#include "kernels/requantize.h"

namespace qjit {

bool is_depthwise2d(const ConvDesc& d) {
  return d.spatial_dims == 2 && d.groups == d.in_channels && d.out_channels == d.in_channels;
}

namespace {

constexpr const char* kFn = "depthwise_conv2d";

struct RowBuffers {
  std::vector<const uint8_t*> taps;
  std::vector<int32_t> acc;
};

// Per-channel arrays repeated for every pixel of an output row, so that a whole row is one requantize call over
// OW * C values (per pixel calls cost more than the work when C is small).
struct TiledParams {
  std::vector<float> mult, bias_f;
  std::vector<int32_t> bias_i;
};

// The scalar path: the row kernel's contract in C++.
void row_scalar(const DepthwiseKernelArgs& a, const DepthwiseWeights& w, size_t taps_padded) {
  const size_t C = a.channels, T = w.taps();
  for (size_t p = 0; p < a.pixels; ++p)
    for (size_t c = 0; c < C; ++c) {
      int32_t acc = a.acc_init[c];
      for (size_t t = 0; t < T; ++t) acc += int32_t{a.taps[p * taps_padded + t][c]} * w.weight(c, t);
      a.out[p * C + c] = acc;
    }
}

}  // namespace

void depthwise_conv2d(const ConvDesc& d, const uint8_t* x, int32_t x_zp, const DepthwiseWeights& w, void* y,
                      const OutputStage& out, const Exec& exec) {
  d.validate(kFn);
  check_arg(is_depthwise2d(d), kFn, "groups", d.groups, "must equal in_channels and out_channels of a 2-d conv");
  check_isa_available(kFn, exec.isa);
  check_arg(w.isa() == exec.isa, kFn, "isa", isa_name(exec.isa), "differs from the ISA the weights were packed for");
  check_arg(w.channels() == static_cast<size_t>(d.in_channels) && w.kernel_h() == static_cast<size_t>(d.kernel[1]) &&
                w.kernel_w() == static_cast<size_t>(d.kernel[2]),
            kFn, "weights", w.channels(), "do not match the descriptor's channels and kernel");
  check_zero_point(kFn, "x_zero_point", x_zp, 0, 255);
  check_arg(out.kind != OutputKind::f32, kFn, "out.kind", "f32", "is not supported by the depthwise kernel");
  if (d.output_pixels() == 0) return;
  check_not_null(kFn, "x", x);
  check_not_null(kFn, "y", y);
  VerboseOp verbose;

  const size_t C = static_cast<size_t>(d.in_channels), N = static_cast<size_t>(d.batch);
  const size_t H = static_cast<size_t>(d.input[1]), W = static_cast<size_t>(d.input[2]);
  const auto o = d.output();
  const size_t OH = static_cast<size_t>(o[1]), OW = static_cast<size_t>(o[2]);
  const size_t KH = static_cast<size_t>(d.kernel[1]), KW = static_cast<size_t>(d.kernel[2]);
  const size_t T = KH * KW, taps_padded = (T + 1) / 2 * 2, c_pad = (C + 15) / 16 * 16;
  const size_t out_size = output_kind_size(out.kind);

  // The activation zero point: sum (x - zp) w = sum x w - zp * sum w, padded taps reading zp.
  std::vector<int32_t> acc_init(c_pad, 0);
  for (size_t c = 0; c < C; ++c) acc_init[c] = -x_zp * w.weight_sums()[c];
  std::vector<uint8_t> zp_row(C + 16, static_cast<uint8_t>(x_zp));

  DepthwiseKernelFn* kernel = nullptr;
  DepthwiseDesc desc;
  desc.isa = exec.isa;
  desc.taps = static_cast<uint8_t>(T);
  desc.c_tail = static_cast<uint8_t>(C % 16);
  if (exec.isa != Isa::scalar) kernel = CodeCache<DepthwiseDesc>::instance().get(desc).as<DepthwiseKernelFn>();

  RequantizeParams rp;
  TiledParams tiled;
  if (out.kind != OutputKind::s32) {
    // Checked once here against C; every row then requantizes without checks.
    const RequantizeParams whole{out.kind == OutputKind::u8 ? QType::u8 : QType::s8, out.formula, out.multiplier,
                                 out.per_channel, out.bias_f, out.bias_i, out.zero_point, out.qmin, out.qmax};
    check_requantize_params(kFn, whole, C);
    rp.out = out.kind == OutputKind::u8 ? QType::u8 : QType::s8;
    rp.formula = out.formula;
    rp.zero_point = out.zero_point;
    rp.qmin = out.qmin;
    rp.qmax = out.qmax;
    rp.per_channel = out.per_channel || out.bias_f || out.bias_i;
    auto tile = [&](auto& dst, const auto* src, bool per_channel) {
      dst.resize(OW * C);
      for (size_t p = 0; p < OW; ++p)
        for (size_t c = 0; c < C; ++c) dst[p * C + c] = src[per_channel ? c : 0];
      return dst.data();
    };
    rp.multiplier = rp.per_channel ? tile(tiled.mult, out.multiplier, out.per_channel) : out.multiplier;
    if (out.bias_f) rp.bias_f = tile(tiled.bias_f, out.bias_f, true);
    if (out.bias_i) rp.bias_i = tile(tiled.bias_i, out.bias_i, true);
  }

  const size_t rows = N * OH;
  detail::for_each_share(exec, rows, std::max<size_t>(1, 4096 / std::max<size_t>(1, OW * C / 16)), 1,
                         [&](size_t r0, size_t r1) {
    thread_local RowBuffers buf;
    buf.taps.resize(OW * taps_padded);
    buf.acc.resize(OW * C + 16);
    for (size_t r = r0; r < r1; ++r) {
      const size_t n = r / OH, oh = r % OH;
      // Indirection: the input row of each kernel row (or none in the padding), then a pointer per pixel and tap.
      const uint8_t* in_rows[256];
      for (size_t kh = 0; kh < KH; ++kh) {
        const int64_t ih = static_cast<int64_t>(oh) * d.stride[1] - d.padding[1] + static_cast<int64_t>(kh) * d.dilation[1];
        in_rows[kh] = ih >= 0 && ih < static_cast<int64_t>(H) ? x + (n * H + static_cast<size_t>(ih)) * W * C : nullptr;
      }
      for (size_t ow = 0; ow < OW; ++ow) {
        const uint8_t** t = buf.taps.data() + ow * taps_padded;
        const int64_t iw0 = static_cast<int64_t>(ow) * d.stride[2] - d.padding[2];
        for (size_t kw = 0; kw < KW; ++kw) {
          const int64_t iw = iw0 + static_cast<int64_t>(kw) * d.dilation[2];
          const bool col_inside = iw >= 0 && iw < static_cast<int64_t>(W);
          for (size_t kh = 0; kh < KH; ++kh)
            t[kh * KW + kw] = col_inside && in_rows[kh] ? in_rows[kh] + static_cast<size_t>(iw) * C : zp_row.data();
        }
        if (taps_padded > T) t[T] = zp_row.data();  // pairs with a zero weight
      }
      DepthwiseKernelArgs args;
      args.taps = buf.taps.data();
      args.pixels = OW;
      args.weights = w.packed();
      args.acc_init = acc_init.data();
      args.out = buf.acc.data();
      args.channels = C;
      if (kernel)
        kernel(&args);
      else
        row_scalar(args, w, taps_padded);
      void* y_row = static_cast<char*>(y) + r * OW * C * out_size;
      if (out.kind == OutputKind::s32)
        std::copy(buf.acc.begin(), buf.acc.begin() + static_cast<ptrdiff_t>(OW * C), static_cast<int32_t*>(y_row));
      else
        detail::requantize_unchecked(buf.acc.data(), y_row, 1, OW * C, OW * C, OW * C, rp, Exec{exec.isa, nullptr, 1});
    }
  });
  if (verbose.on()) verbose.done(kFn, isa_name(exec.isa), kernel ? desc.name() : "scalar", d.describe());
}

}  // namespace qjit
