#include "kernels/quantize.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/eltwise_run.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit {

namespace {

using detail::EltwiseLayout;

void check_common(const char* fn, const void* in, const void* out, size_t n, const Exec& exec) {
  if (n > 0) {
    check_not_null(fn, "input", in);
    check_not_null(fn, "output", out);
  }
  check_isa_available(fn, exec.isa);
}

void check_int_zero_point(const char* fn, const char* arg, int32_t zp, QType t) {
  check_zero_point(fn, arg, zp, qtype_min(t), qtype_max(t));
}

void check_per_channel(const char* fn, const float* scales, const void* zps, size_t channels, QType t,
                       bool float_zp) {
  if (channels == 0) return;
  check_not_null(fn, "scales", scales);
  check_not_null(fn, "zero_points", zps);
  for (size_t c = 0; c < channels; ++c) {
    check_scale(fn, ArgAt{"scales", c}, scales[c]);
    if (float_zp) {
      const float z = static_cast<const float*>(zps)[c];
      check_arg(std::isfinite(z), fn, ArgAt{"zero_points", c}, z, "must be finite");
    } else {
      check_zero_point(fn, ArgAt{"zero_points", c}, static_cast<const int32_t*>(zps)[c], qtype_min(t), qtype_max(t));
    }
  }
}

std::string shape_n(size_t n) { return "n=" + std::to_string(n); }
std::string shape_pc(size_t outer, size_t channels, size_t inner) {
  return "outer=" + std::to_string(outer) + ":channels=" + std::to_string(channels) + ":inner=" + std::to_string(inner);
}

EltwiseDesc desc_of(EltwiseOp op, Isa isa, QType t, bool per_channel, bool float_zp) {
  EltwiseDesc d;
  d.isa = isa;
  d.op = op;
  d.qtype = t;
  d.per_channel = per_channel;
  d.zp_kind = float_zp ? ZeroPointKind::floating : ZeroPointKind::integer;
  return d;
}

// Inverse scales for a per-channel call: kept per thread so that repeated calls do not allocate.
const float* inverse_scales(const float* scales, size_t channels) {
  thread_local std::vector<float> inv;
  if (inv.size() < channels) inv.resize(channels);
  for (size_t c = 0; c < channels; ++c) inv[c] = 1.0f / scales[c];
  return inv.data();
}

// Per-channel driver shared by quantize and dequantize. With inner == 1 (channels last) the parameters vary by
// lane: one call per row of `channels` elements with indexed parameters. Otherwise each (outer, channel) row of
// `inner` elements is a per-tensor call.
void run_per_channel(EltwiseOp op, const void* in, void* out, size_t outer, size_t channels, size_t inner, QType t,
                     const float* scales, const void* zps, bool float_zp, const Exec& exec) {
  const bool quant = op == EltwiseOp::quantize;
  const bool scalar = exec.isa == Isa::scalar;
  const size_t in_bytes = quant ? 4 : qtype_size(t), out_bytes = quant ? qtype_size(t) : 4;
  const size_t block = EltwiseDesc::block(exec.isa);
  const bool lanes = inner == 1;
  const JitCode* code = scalar ? nullptr : &detail::eltwise_code(desc_of(op, exec.isa, t, lanes, float_zp));
  const float* kernel_scales = quant && !scalar ? inverse_scales(scales, channels) : scales;
  const EltwiseLayout layout{in_bytes, out_bytes, lanes, lanes, false, false};
  const size_t rows = lanes ? outer : outer * channels;
  const size_t row_len = lanes ? channels : inner;
  const size_t min_rows = std::max<size_t>(1, detail::kEltwiseMinPerShare / std::max<size_t>(1, row_len));
  detail::for_each_share(exec, rows, min_rows, 1, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const void* src = static_cast<const char*>(in) + r * row_len * in_bytes;
      void* dst = static_cast<char*>(out) + r * row_len * out_bytes;
      const size_t c = lanes ? 0 : r % channels;
      const size_t n_ch = lanes ? channels : 1, n_in = lanes ? 1 : inner;
      if (scalar) {
        const float* sc = scales + c;
        if (quant && float_zp)
          ref::quantize_per_channel_float_qparams(static_cast<const float*>(src), dst, 1, n_ch, n_in, t, sc,
                                                  static_cast<const float*>(zps) + c);
        else if (quant)
          ref::quantize_per_channel(static_cast<const float*>(src), dst, 1, n_ch, n_in, t, sc,
                                    static_cast<const int32_t*>(zps) + c);
        else if (float_zp)
          ref::dequantize_per_channel_float_qparams(src, static_cast<float*>(dst), 1, n_ch, n_in, t, sc,
                                                    static_cast<const float*>(zps) + c);
        else
          ref::dequantize_per_channel(src, static_cast<float*>(dst), 1, n_ch, n_in, t, sc,
                                      static_cast<const int32_t*>(zps) + c);
        continue;
      }
      EltwiseArgs a;
      a.src = src;
      a.dst = dst;
      a.scale = kernel_scales + c;
      a.zero_point = static_cast<const char*>(zps) + c * 4;
      detail::run_eltwise(*code, block, a, 0, row_len, layout);
    }
  });
}

}  // namespace

namespace {

// The per-tensor entry points: checks, then the reference (scalar path) or the JIT kernel over shares of [0, n).
void run_per_tensor(const char* fn, EltwiseOp op, const void* in, void* out, size_t n, QType type, float scale,
                    int32_t zero_point, const Exec& exec) {
  const bool quant = op == EltwiseOp::quantize;
  check_common(fn, in, out, n, exec);
  check_scale(fn, "scale", scale);
  check_int_zero_point(fn, "zero_point", zero_point, type);
  VerboseOp v;
  const size_t in_bytes = quant ? 4 : qtype_size(type), out_bytes = quant ? qtype_size(type) : 4;
  const JitCode* code =
      exec.isa == Isa::scalar ? nullptr : &detail::eltwise_code(desc_of(op, exec.isa, type, false, false));
  const float kernel_scale = quant ? 1.0f / scale : scale;  // the quantize kernel multiplies by 1/scale, as ATen
  EltwiseArgs a;
  a.src = in;
  a.dst = out;
  a.scale = &kernel_scale;
  a.zero_point = &zero_point;
  const EltwiseLayout layout{in_bytes, out_bytes};
  detail::for_each_share(exec, n, detail::kEltwiseMinPerShare, 64, [&](size_t b, size_t e) {
    if (code) {
      detail::run_eltwise(*code, EltwiseDesc::block(exec.isa), a, b, e, layout);
      return;
    }
    const char* src = static_cast<const char*>(in) + b * in_bytes;
    char* dst = static_cast<char*>(out) + b * out_bytes;
    if (quant)
      ref::quantize_per_tensor(reinterpret_cast<const float*>(src), dst, e - b, type, scale, zero_point);
    else
      ref::dequantize_per_tensor(src, reinterpret_cast<float*>(dst), e - b, type, scale, zero_point);
  });
  if (v.on()) v.done(fn, isa_name(exec.isa), code ? code->name() : "reference", shape_n(n));
}

// The per-channel entry points: checks, then run_per_channel.
void per_channel_entry(const char* fn, EltwiseOp op, const void* in, void* out, size_t outer, size_t channels,
                       size_t inner, QType type, const float* scales, const void* zero_points, bool float_zp,
                       const Exec& exec) {
  check_common(fn, in, out, outer * channels * inner, exec);
  check_per_channel(fn, scales, zero_points, channels, type, float_zp);
  VerboseOp v;
  if (outer * channels * inner > 0)
    run_per_channel(op, in, out, outer, channels, inner, type, scales, zero_points, float_zp, exec);
  if (v.on()) v.done(fn, isa_name(exec.isa), "eltwise", shape_pc(outer, channels, inner));
}

}  // namespace

void quantize_per_tensor(const float* x, void* q, size_t n, QType type, float scale, int32_t zero_point,
                         const Exec& exec) {
  run_per_tensor("quantize_per_tensor", EltwiseOp::quantize, x, q, n, type, scale, zero_point, exec);
}

void dequantize_per_tensor(const void* q, float* x, size_t n, QType type, float scale, int32_t zero_point,
                           const Exec& exec) {
  run_per_tensor("dequantize_per_tensor", EltwiseOp::dequantize, q, x, n, type, scale, zero_point, exec);
}

void quantize_per_channel(const float* x, void* q, size_t outer, size_t channels, size_t inner, QType type,
                          const float* scales, const int32_t* zero_points, const Exec& exec) {
  per_channel_entry("quantize_per_channel", EltwiseOp::quantize, x, q, outer, channels, inner, type, scales,
                    zero_points, false, exec);
}

void quantize_per_channel_float_qparams(const float* x, void* q, size_t outer, size_t channels, size_t inner,
                                        QType type, const float* scales, const float* zero_points,
                                        const Exec& exec) {
  per_channel_entry("quantize_per_channel_float_qparams", EltwiseOp::quantize, x, q, outer, channels, inner, type,
                    scales, zero_points, true, exec);
}

void dequantize_per_channel(const void* q, float* x, size_t outer, size_t channels, size_t inner, QType type,
                            const float* scales, const int32_t* zero_points, const Exec& exec) {
  per_channel_entry("dequantize_per_channel", EltwiseOp::dequantize, q, x, outer, channels, inner, type, scales,
                    zero_points, false, exec);
}

void dequantize_per_channel_float_qparams(const void* q, float* x, size_t outer, size_t channels, size_t inner,
                                          QType type, const float* scales, const float* zero_points,
                                          const Exec& exec) {
  per_channel_entry("dequantize_per_channel_float_qparams", EltwiseOp::dequantize, q, x, outer, channels, inner,
                    type, scales, zero_points, true, exec);
}

}  // namespace qjit
