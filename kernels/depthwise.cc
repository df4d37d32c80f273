#include "kernels/depthwise.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "jit/code_cache.h"
#include "jit/depthwise_desc.h"
#include "kernels/eltwise_run.h"
#include "kernels/reference/quantize_ref.h"
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
  std::vector<int32_t> acc;
  std::vector<uint8_t> bytes;
};

// The per-channel arrays of the fused output stage, in the order of the kernel's int32 sums (jit/depthwise_desc.h):
// position 8 * i + l of block b holds channel b * 32 + (l < 4 ? 0 : 16) + 4 * i + l % 4; zero past `channels`.
template <class T>
const T* in_lane_order(const T* src, size_t channels, std::vector<T>& dst) {
  constexpr size_t B = DepthwiseDesc::kBlock;
  dst.assign((channels + B - 1) / B * B, T{});
  for (size_t b = 0; b < dst.size(); b += B)
    for (size_t i = 0; i < 4; ++i)
      for (size_t l = 0; l < 8; ++l) {
        const size_t c = b + (l < 4 ? 0 : 16) + 4 * i + l % 4;
        if (c < channels) dst[b + 8 * i + l] = src[c];
      }
  return dst.data();
}

struct FusedParams {
  std::vector<int32_t> init_buf;
  std::vector<float> mult_buf, bias_f_buf;
  const int32_t* init = nullptr;
  const float* mult = nullptr;
  const float* bias_f = nullptr;
};

// Per-channel arrays repeated for every pixel of an output row, so that a whole row is one requantize call over
// OW * OC values (per pixel calls cost more than the work when OC is small).
struct TiledParams {
  std::vector<float> mult, bias_f;
  std::vector<int32_t> bias_i;
};

struct CallBuffers {
  std::vector<int32_t> acc_init, init;
  FusedParams fp;
  TiledParams tiled;
};

// The scalar path: the row kernel's contract (int32 output) in C++.
void row_scalar(const DepthwiseKernelArgs& a, const DepthwiseWeights& w, size_t taps_padded) {
  const size_t C = a.channels, T = w.taps();
  int32_t* out = static_cast<int32_t*>(a.out);
  for (size_t p = 0; p < a.pixels; ++p)
    for (size_t c = 0; c < C; ++c) {
      int32_t acc = a.acc_init[c];
      for (size_t t = 0; t < T; ++t) acc += int32_t{a.base[a.taps[p * taps_padded + t] + static_cast<ptrdiff_t>(c)]} * w.weight(c, t);
      out[p * C + c] = acc;
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

  // The input as the kernel reads it: OC channels per pixel (each input byte repeated m times), bordered by
  // `padding` pixels of zero points, so that every tap of every output pixel is in bounds and one table of tap
  // offsets serves every output row. A copy only when there is padding or a multiplier: it moves N*D*H*W*OC bytes,
  // against OD*OH*OW*OC*taps multiply-adds (~1/taps of them at stride 1), and replaces a per-row indirection
  // table that cost as much as the kernel on narrow layers.
  const size_t pd = static_cast<size_t>(d.padding[0]), ph = static_cast<size_t>(d.padding[1]),
               pw = static_cast<size_t>(d.padding[2]);
  const size_t Dp = D + 2 * pd, Hp = H + 2 * ph, Wp = W + 2 * pw, row_bytes = Wp * OC;
  const uint8_t* xs = x;
  if (m > 1 || pd || ph || pw) {
    thread_local std::vector<uint8_t> padded;
    padded.resize(N * Dp * Hp * row_bytes);
    const auto zp = static_cast<uint8_t>(x_zp);
    for (size_t n = 0; n < N; ++n)
      for (size_t dp = 0; dp < Dp; ++dp)
        for (size_t hp = 0; hp < Hp; ++hp) {
          uint8_t* dst = padded.data() + ((n * Dp + dp) * Hp + hp) * row_bytes;
          if (dp < pd || dp >= pd + D || hp < ph || hp >= ph + H) {
            std::memset(dst, zp, row_bytes);
            continue;
          }
          std::memset(dst, zp, pw * OC);
          const uint8_t* src = x + ((n * D + dp - pd) * H + hp - ph) * W * w.in_channels();
          if (m > 1)
            repeat_bytes(src, W * w.in_channels(), m, dst + pw * OC);
          else
            std::memcpy(dst + pw * OC, src, W * OC);
          std::memset(dst + (pw + W) * OC, zp, pw * OC);
        }
    xs = padded.data();
  }
  // Tap offsets from the row base (the padded input at (n, od * stride, oh * stride, 0)), in the weights' tap
  // order; the pad tap of an odd count reads offset 0 with a zero weight.
  thread_local std::vector<ptrdiff_t> tap_offsets;
  tap_offsets.assign(OW * taps_padded, 0);
  for (size_t ow = 0; ow < OW; ++ow)
    for (size_t kd = 0; kd < KD; ++kd)
      for (size_t kh = 0; kh < KH; ++kh)
        for (size_t kw = 0; kw < KW; ++kw)
          tap_offsets[ow * taps_padded + (kd * KH + kh) * KW + kw] = static_cast<ptrdiff_t>(
              ((kd * static_cast<size_t>(d.dilation[0]) * Hp + kh * static_cast<size_t>(d.dilation[1])) * Wp +
               ow * static_cast<size_t>(d.stride[2]) + kw * static_cast<size_t>(d.dilation[2])) * OC);
  // Workers see their own thread_local objects under the same names: they get this thread's table by pointer.
  const ptrdiff_t* offsets = tap_offsets.data();

  // The activation zero point: sum (x - zp) w = sum x w - zp * sum w, padded taps reading zp.
  // Per-call arrays in buffers of the calling thread that grow once and stay (no allocation on repeated calls);
  // workers reach them only through the pointers taken below, never by the thread_local's name.
  thread_local CallBuffers call;
  std::vector<int32_t>& acc_init = call.acc_init;
  acc_init.assign(c_pad, 0);
  for (size_t c = 0; c < OC; ++c) acc_init[c] = -x_zp * w.weight_sums()[c];
  const int32_t* acc_init_ptr = acc_init.data();

  DepthwiseKernelFn* kern = nullptr;
  DepthwiseDesc desc;
  desc.isa = exec.isa;
  desc.taps = static_cast<uint8_t>(T);
  desc.c_tail = static_cast<uint8_t>(OC % DepthwiseDesc::kBlock);
  desc.flush_pairs = static_cast<uint8_t>(w.flush_pairs());
  const bool requantized = out.kind == OutputKind::u8 || out.kind == OutputKind::s8;
  const bool onednn = out.formula == RequantFormula::onednn;
  // u8 / s8 on a JIT path: requantized in the kernel's epilogue, per-channel arrays in its lane order.
  const bool fused = exec.isa != Isa::scalar && requantized;
  FusedParams& fp = call.fp;
  fp.init = nullptr;
  fp.mult = nullptr;
  fp.bias_f = nullptr;
  if (fused) {
    desc.out = out.kind == OutputKind::u8 ? QType::u8 : QType::s8;
    desc.formula = out.formula;
    desc.per_channel = out.per_channel;
    desc.has_bias = onednn ? out.bias_f != nullptr : out.bias_i != nullptr;
    // qnnpack adds its int32 bias to the sum before anything else: folded into the initial values here.
    std::vector<int32_t>& init = call.init;
    init.assign(acc_init.begin(), acc_init.end());
    if (desc.has_bias && !onednn)
      for (size_t c = 0; c < OC; ++c)  // wrapping, as the kernel's int32 sums wrap
        init[c] = static_cast<int32_t>(static_cast<uint32_t>(init[c]) + static_cast<uint32_t>(out.bias_i[c]));
    fp.init = in_lane_order(init.data(), OC, fp.init_buf);
    fp.mult = out.per_channel ? in_lane_order(out.multiplier, OC, fp.mult_buf) : out.multiplier;
    if (desc.has_bias && onednn) fp.bias_f = in_lane_order(out.bias_f, OC, fp.bias_f_buf);
  }
  if (exec.isa != Isa::scalar) kern = CodeCache<DepthwiseDesc>::instance().get(desc).as<DepthwiseKernelFn>();

  RequantizeParams rp;
  TiledParams& tiled = call.tiled;
  if (requantized && !fused) {
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

  const size_t rows = N * OD * OH;
  detail::for_each_share(exec, rows, std::max<size_t>(1, 4096 / std::max<size_t>(1, OW * OC / 16)), 1,
                         [&](size_t r0, size_t r1) {
    thread_local RowBuffers buf;
    buf.acc.resize(OW * OC + DepthwiseDesc::kBlock);
    if (fused) buf.bytes.resize(OW * OC + DepthwiseDesc::kBlock);
    for (size_t r = r0; r < r1; ++r) {
      const size_t n = r / (OD * OH), od = r / OH % OD, oh = r % OH;
      DepthwiseKernelArgs args;
      args.base = xs + ((n * Dp + od * static_cast<size_t>(d.stride[0])) * Hp + oh * static_cast<size_t>(d.stride[1])) *
                           row_bytes;
      args.taps = offsets;
      args.pixels = OW;
      args.weights = w.packed();
      args.acc_init = acc_init_ptr;
      args.out = buf.acc.data();
      args.channels = OC;
      void* y_row = static_cast<char*>(y) + r * OW * OC * out_size;
      if (fused) {
        // The kernel stores whole blocks: straight into y when OC is a multiple of the block (no tail, no
        // overrun), else into the row buffer with slack.
        const bool direct = OC % DepthwiseDesc::kBlock == 0;
        args.acc_init = fp.init;
        args.out = direct ? y_row : buf.bytes.data();
        args.mult = fp.mult;
        args.bias_f = fp.bias_f;
        args.zero_point = out.zero_point;
        args.zero_point_f = static_cast<float>(out.zero_point);
        args.clip = ref::kInt32ClipF;
        args.lo = onednn ? out.qmin : out.qmin - out.zero_point;
        args.hi = onednn ? out.qmax : out.qmax - out.zero_point;
        kern(&args);
        if (!direct) std::memcpy(y_row, buf.bytes.data(), OW * OC);
        continue;
      }
      if (kern)
        kern(&args);
      else
        row_scalar(args, w, taps_padded);
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
