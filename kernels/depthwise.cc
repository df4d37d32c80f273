#include "kernels/depthwise.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "jit/code_cache.h"
#include "jit/depthwise_desc.h"
#include "kernels/eltwise_run.h"
#include "kernels/requantize.h"

namespace qjit {

bool is_depthwise(const ConvDesc& d) {
  const auto taps = static_cast<size_t>(d.kernel[0] * d.kernel[1] * d.kernel[2]);
  return DepthwiseWeights::fits(static_cast<size_t>(d.in_channels), static_cast<size_t>(d.out_channels),
                                static_cast<size_t>(d.groups), taps);
}

namespace {

constexpr const char* kFn = "depthwise_conv";

struct RowBuffers {
  std::vector<const uint8_t*> taps;
  std::vector<int32_t> acc;
};

// Per-channel arrays repeated for every pixel of an output row, so that a whole row is one requantize call over
// OW * OC values (per pixel calls cost more than the work when OC is small).
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

// Channel multiplier m > 1: every input byte repeated m times, so that pixel p of the copy holds input channel
// c at bytes c*m .. c*m + m-1, i.e. at the output channels that read it; the multiplier-1 kernel then runs on it
// unchanged. One pass over the input costs N*D*H*W*OC byte stores against OD*OH*OW*OC*taps multiply-adds (at
// most ~1/taps of them at stride 1), and keeps the kernel's inner loop (two loads, two widenings per tap pair)
// free of the per-tap byte shuffles an in-kernel expansion would need.
template <size_t M>
void repeat_bytes(const uint8_t* x, size_t n, uint8_t* out) {
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < M; ++j) out[i * M + j] = x[i];
}

void repeat_bytes(const uint8_t* x, size_t n, size_t m, uint8_t* out) {
  switch (m) {
    case 2: return repeat_bytes<2>(x, n, out);
    case 3: return repeat_bytes<3>(x, n, out);
    case 4: return repeat_bytes<4>(x, n, out);
    default:
      for (size_t i = 0; i < n; ++i) std::fill(out + i * m, out + (i + 1) * m, x[i]);
  }
}

}  // namespace

void depthwise_conv(const ConvDesc& d, const uint8_t* x, int32_t x_zp, const DepthwiseWeights& w, void* y,
                    const OutputStage& out, const Exec& exec) {
  d.validate(kFn);
  check_arg(is_depthwise(d), kFn, "groups", d.groups,
            "must equal in_channels, with out_channels a multiple of it and at most 255 taps");
  check_isa_available(kFn, exec.isa);
  check_arg(w.isa() == exec.isa, kFn, "isa", isa_name(exec.isa), "differs from the ISA the weights were packed for");
  const std::array<size_t, 3> kernel{static_cast<size_t>(d.kernel[0]), static_cast<size_t>(d.kernel[1]),
                                     static_cast<size_t>(d.kernel[2])};
  check_arg(w.in_channels() == static_cast<size_t>(d.in_channels) &&
                w.channels() == static_cast<size_t>(d.out_channels) && w.kernel() == kernel,
            kFn, "weights", w.channels(), "do not match the descriptor's channels and kernel");
  check_zero_point(kFn, "x_zero_point", x_zp, 0, 255);
  const size_t OC = w.channels();
  check_output_stage(kFn, out, OC);
  if (d.output_pixels() == 0) return;
  check_not_null(kFn, "x", x);
  check_not_null(kFn, "y", y);
  VerboseOp verbose;

  const size_t N = static_cast<size_t>(d.batch), m = w.multiplier();
  const size_t D = static_cast<size_t>(d.input[0]), H = static_cast<size_t>(d.input[1]),
               W = static_cast<size_t>(d.input[2]);
  const auto o = d.output();
  const size_t OD = static_cast<size_t>(o[0]), OH = static_cast<size_t>(o[1]), OW = static_cast<size_t>(o[2]);
  const size_t KD = kernel[0], KH = kernel[1], KW = kernel[2];
  const size_t T = w.taps(), taps_padded = (T + 1) / 2 * 2, c_pad = (OC + 31) / 32 * 32;
  const size_t out_size = output_kind_size(out.kind);

  // From here on the input has OC channels per pixel, one per output channel.
  const uint8_t* xs = x;
  if (m > 1) {
    thread_local std::vector<uint8_t> repeated;
    repeated.resize(d.input_pixels() * OC);
    repeat_bytes(x, d.input_pixels() * w.in_channels(), m, repeated.data());
    xs = repeated.data();
  }

  // The activation zero point: sum (x - zp) w = sum x w - zp * sum w, padded taps reading zp.
  std::vector<int32_t> acc_init(c_pad, 0);
  for (size_t c = 0; c < OC; ++c) acc_init[c] = -x_zp * w.weight_sums()[c];
  std::vector<uint8_t> zp_row(OC, static_cast<uint8_t>(x_zp));

  DepthwiseKernelFn* kern = nullptr;
  DepthwiseDesc desc;
  desc.isa = exec.isa;
  desc.taps = static_cast<uint8_t>(T);
  desc.c_tail = static_cast<uint8_t>(OC % DepthwiseDesc::kBlock);
  desc.flush_pairs = static_cast<uint8_t>(w.flush_pairs());
  if (exec.isa != Isa::scalar) kern = CodeCache<DepthwiseDesc>::instance().get(desc).as<DepthwiseKernelFn>();

  RequantizeParams rp;
  TiledParams tiled;
  if (out.kind == OutputKind::u8 || out.kind == OutputKind::s8) {
    rp.out = out.kind == OutputKind::u8 ? QType::u8 : QType::s8;
    rp.formula = out.formula;
    rp.zero_point = out.zero_point;
    rp.qmin = out.qmin;
    rp.qmax = out.qmax;
    rp.per_channel = out.per_channel || out.bias_f || out.bias_i;
    auto tile = [&](auto& dst, const auto* src, bool per_channel) {
      dst.resize(OW * OC);
      for (size_t p = 0; p < OW; ++p)
        for (size_t c = 0; c < OC; ++c) dst[p * OC + c] = src[per_channel ? c : 0];
      return dst.data();
    };
    rp.multiplier = rp.per_channel ? tile(tiled.mult, out.multiplier, out.per_channel) : out.multiplier;
    if (out.bias_f) rp.bias_f = tile(tiled.bias_f, out.bias_f, true);
    if (out.bias_i) rp.bias_i = tile(tiled.bias_i, out.bias_i, true);
  }

  const size_t rows = N * OD * OH, in_row = W * OC;
  detail::for_each_share(exec, rows, std::max<size_t>(1, 4096 / std::max<size_t>(1, OW * OC / 16)), 1,
                         [&](size_t r0, size_t r1) {
    thread_local RowBuffers buf;
    buf.taps.resize(OW * taps_padded);
    buf.acc.resize(OW * OC + DepthwiseDesc::kBlock);
    for (size_t r = r0; r < r1; ++r) {
      const size_t n = r / (OD * OH), od = r / OH % OD, oh = r % OH;
      // Indirection: the input row of each (kd, kh) (or none in the padding), then a pointer per pixel and tap.
      std::array<const uint8_t*, DepthwiseWeights::kMaxTaps> in_rows;
      for (size_t kd = 0; kd < KD; ++kd) {
        const int64_t id = static_cast<int64_t>(od) * d.stride[0] - d.padding[0] + static_cast<int64_t>(kd) * d.dilation[0];
        for (size_t kh = 0; kh < KH; ++kh) {
          const int64_t ih = static_cast<int64_t>(oh) * d.stride[1] - d.padding[1] + static_cast<int64_t>(kh) * d.dilation[1];
          const bool inside = id >= 0 && id < static_cast<int64_t>(D) && ih >= 0 && ih < static_cast<int64_t>(H);
          in_rows[kd * KH + kh] =
              inside ? xs + ((n * D + static_cast<size_t>(id)) * H + static_cast<size_t>(ih)) * in_row : nullptr;
        }
      }
      for (size_t ow = 0; ow < OW; ++ow) {
        const uint8_t** t = buf.taps.data() + ow * taps_padded;
        const int64_t iw0 = static_cast<int64_t>(ow) * d.stride[2] - d.padding[2];
        for (size_t kw = 0; kw < KW; ++kw) {
          const int64_t iw = iw0 + static_cast<int64_t>(kw) * d.dilation[2];
          const bool col_inside = iw >= 0 && iw < static_cast<int64_t>(W);
          for (size_t r2 = 0; r2 < KD * KH; ++r2)
            t[r2 * KW + kw] = col_inside && in_rows[r2] ? in_rows[r2] + static_cast<size_t>(iw) * OC : zp_row.data();
        }
        if (taps_padded > T) t[T] = zp_row.data();  // pairs with a zero weight
      }
      DepthwiseKernelArgs args;
      args.taps = buf.taps.data();
      args.pixels = OW;
      args.weights = w.packed();
      args.acc_init = acc_init.data();
      args.out = buf.acc.data();
      args.channels = OC;
      if (kern)
        kern(&args);
      else
        row_scalar(args, w, taps_padded);
      void* y_row = static_cast<char*>(y) + r * OW * OC * out_size;
      switch (out.kind) {
        case OutputKind::s32:
          std::copy(buf.acc.begin(), buf.acc.begin() + static_cast<ptrdiff_t>(OW * OC), static_cast<int32_t*>(y_row));
          break;
        case OutputKind::u8:
        case OutputKind::s8:
          detail::requantize_unchecked(buf.acc.data(), y_row, 1, OW * OC, OW * OC, OW * OC, rp,
                                       Exec{exec.isa, nullptr, 1});
          break;
        case OutputKind::f32: {
          // Dynamic quantization's float output, in the GEMM epilogue's order of operations (kernels/gemm_output.h).
          float* yf = static_cast<float*>(y_row);
          for (size_t p = 0; p < OW; ++p)
            for (size_t c = 0; c < OC; ++c) {
              float v = static_cast<float>(buf.acc[p * OC + c]);
              if (out.bias_f) v = v + out.bias_f[c];
              float mult = out.multiplier[out.per_channel ? c : 0];
              if (out.row_scale) mult = out.row_scale[r * OW + p] * mult;
              v = v * mult;
              if (out.post_bias) v = v + out.post_bias[c];
              yf[p * OC + c] = v;
            }
          break;
        }
      }
    }
  });
  if (verbose.on())
    verbose.done(kFn, isa_name(exec.isa), kern ? desc.name() : "scalar",
                 d.describe() + ":m=" + std::to_string(m) + ":out=" + output_kind_name(out.kind));
}

}  // namespace qjit
