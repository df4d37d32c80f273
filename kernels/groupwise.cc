#include "kernels/groupwise.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/verbose.h"
#include "jit/code_cache.h"
#include "jit/groupwise_desc.h"
#include "kernels/eltwise_run.h"
#include "kernels/requantize.h"

namespace qjit {

bool is_groupwise(const ConvDesc& d) {
  if (d.groups <= 1 || d.in_channels != d.out_channels) return false;
  const int64_t taps = d.kernel[0] * d.kernel[1] * d.kernel[2];
  return GroupwiseDesc::supports_group_channels(d.group_in()) && taps <= GroupwiseDesc::kMaxTaps;
}

namespace {

constexpr const char* kFn = "groupwise_conv";

struct RowBuffers {
  std::vector<const uint8_t*> taps;
  std::vector<int32_t> acc;
  std::vector<const uint8_t*> rows;  // [kD * kH]: the input row each (kd, kh) reads, null in the padding
};

// The tables one call builds before its shares run (see groupwise_conv_unchecked).
struct CallBuffers {
  std::vector<int32_t> acc_init;
  std::vector<uint8_t> zp_row;
  std::vector<float> mult_pad, bias_f_pad;
  std::vector<int32_t> bias_i_pad;
  std::vector<int64_t> col_offset;
};
CallBuffers& call_buffers() {
  thread_local CallBuffers b;
  return b;
}

// The scalar path: the row kernel's contract in C++, for s32 out (requantized afterwards).
void row_scalar(const GroupwiseKernelArgs& a, const GroupwiseWeights& w) {
  const size_t C = a.channels, T = w.taps(), cg = w.group_channels();
  for (size_t p = 0; p < a.pixels; ++p)
    for (size_t oc = 0; oc < C; ++oc) {
      const size_t c0 = oc / cg * cg;
      int32_t acc = a.acc_init[oc];
      for (size_t t = 0; t < T; ++t) {
        const uint8_t* x = a.taps[p * T + t] + c0;
        for (size_t i = 0; i < cg; ++i) acc += int32_t{x[i]} * w.weight(oc, i, t);
      }
      static_cast<int32_t*>(a.out)[p * a.out_stride / 4 + oc] = acc;
    }
}

}  // namespace

void groupwise_conv(const ConvDesc& d, const uint8_t* x, int32_t x_zp, const GroupwiseWeights& w, void* y,
                    const OutputStage& out, const Exec& exec) {
  d.validate(kFn);
  check_arg(is_groupwise(d), kFn, "groups", d.groups,
            "must give C/G == OC/G in {2, 4, 8, 16} with G > 1 and at most 64 taps");
  check_isa_available(kFn, exec.isa);
  check_arg(w.isa() == exec.isa, kFn, "isa", isa_name(exec.isa), "differs from the ISA the weights were packed for");
  const size_t T = static_cast<size_t>(d.kernel[0] * d.kernel[1] * d.kernel[2]);
  check_arg(w.groups() == static_cast<size_t>(d.groups) && w.group_channels() == d.group_in() && w.taps() == T, kFn,
            "weights", w.channels(), "do not match the descriptor's groups, channels and kernel");
  check_zero_point(kFn, "x_zero_point", x_zp, 0, 255);
  check_arg(out.kind != OutputKind::f32, kFn, "out.kind", "f32", "is not supported by the groupwise kernel");
  if (d.output_pixels() == 0) return;
  check_not_null(kFn, "x", x);
  check_not_null(kFn, "y", y);
  VerboseOp verbose;
  std::string kernel_name;
  detail::groupwise_conv_unchecked(d, x, x_zp, w, y, out, exec, verbose.on() ? &kernel_name : nullptr);
  if (verbose.on()) verbose.done(kFn, isa_name(exec.isa), kernel_name, d.describe());
}

void detail::groupwise_conv_unchecked(const ConvDesc& d, const uint8_t* x, int32_t x_zp, const GroupwiseWeights& w,
                                      void* y, const OutputStage& out, const Exec& exec, std::string* kernel_name) {
  const size_t T = static_cast<size_t>(d.kernel[0] * d.kernel[1] * d.kernel[2]);

  const size_t C = static_cast<size_t>(d.in_channels), N = static_cast<size_t>(d.batch);
  const size_t D = static_cast<size_t>(d.input[0]), H = static_cast<size_t>(d.input[1]), W = static_cast<size_t>(d.input[2]);
  const auto o = d.output();
  const size_t OD = static_cast<size_t>(o[0]), OH = static_cast<size_t>(o[1]), OW = static_cast<size_t>(o[2]);
  const size_t KD = static_cast<size_t>(d.kernel[0]), KH = static_cast<size_t>(d.kernel[1]), KW = static_cast<size_t>(d.kernel[2]);
  const size_t c_pad = (C + 15) / 16 * 16, out_size = output_kind_size(out.kind);

  // Per-call tables, in buffers of the calling thread that only grow: repeated calls allocate nothing. The
  // shares below reach them through these references (a thread_local named inside a share would be the
  // worker's own, empty one).
  CallBuffers& call = call_buffers();
  // The activation zero point: sum (x - zp) w = sum x w - zp * sum w, padded taps reading zp.
  std::vector<int32_t>& acc_init = call.acc_init;
  acc_init.assign(c_pad, 0);
  for (size_t c = 0; c < C; ++c) acc_init[c] = -x_zp * w.weight_sums()[c];
  std::vector<uint8_t>& zp_row = call.zp_row;
  zp_row.assign(C, static_cast<uint8_t>(x_zp));

  GroupwiseKernelFn* kernel = nullptr;
  GroupwiseDesc desc;
  desc.isa = exec.isa;
  desc.group_channels = static_cast<uint8_t>(w.group_channels());
  desc.taps = static_cast<uint8_t>(T);
  desc.c_tail = static_cast<uint8_t>(C % 16);
  desc.out = out.kind == OutputKind::s32 ? GroupwiseOut::s32 : out.kind == OutputKind::u8 ? GroupwiseOut::u8 : GroupwiseOut::s8;
  desc.qnnpack = out.kind != OutputKind::s32 && out.formula == RequantFormula::qnnpack;
  if (exec.isa != Isa::scalar) kernel = CodeCache<GroupwiseDesc>::instance().get(desc).as<GroupwiseKernelFn>();

  RequantizeParams rp;
  GroupwiseKernelArgs common;
  common.weights = w.packed();
  common.acc_init = acc_init.data();
  common.channels = C;
  // The kernel's requantization takes whole blocks of per-channel values (zero bias, per tensor multiplier
  // repeated); the scalar path requantizes its int32 rows with requantize() afterwards.
  std::vector<float>& mult_pad = call.mult_pad;
  std::vector<float>& bias_f_pad = call.bias_f_pad;
  std::vector<int32_t>& bias_i_pad = call.bias_i_pad;
  if (out.kind != OutputKind::s32) {
    rp = RequantizeParams{out.kind == OutputKind::u8 ? QType::u8 : QType::s8, out.formula, out.multiplier,
                          out.per_channel, out.bias_f, out.bias_i, out.zero_point, out.qmin, out.qmax};
    check_requantize_params(kFn, rp, C);  // once here; every row then requantizes without checks
    mult_pad.assign(c_pad, 0.0f);
    bias_f_pad.assign(c_pad, 0.0f);
    bias_i_pad.assign(c_pad, 0);
    for (size_t c = 0; c < C; ++c) {
      mult_pad[c] = out.multiplier[out.per_channel ? c : 0];
      if (out.bias_f) bias_f_pad[c] = out.bias_f[c];
      if (out.bias_i) bias_i_pad[c] = out.bias_i[c];
    }
    common.multiplier = mult_pad.data();
    common.bias_f = bias_f_pad.data();
    common.bias_i = bias_i_pad.data();
    common.zero_point_f = static_cast<float>(out.zero_point);
    common.zero_point = out.zero_point;
    const int32_t shift = out.formula == RequantFormula::qnnpack ? out.zero_point : 0;
    common.lo = static_cast<float>(out.qmin - shift);
    common.hi = static_cast<float>(out.qmax - shift);
  }
  // With whole blocks the kernel writes y itself; with a channel tail (whole-block stores) or on the scalar path
  // it writes a row buffer with room for the tail, copied or requantized into y.
  const bool kernel_writes_y = kernel && C % 16 == 0;
  const size_t kernel_out_size = kernel ? out_size : 4;

  // The same for every row: the byte offset in an input row of each (ow, kw), -1 in the padding.
  std::vector<int64_t>& col_offset = call.col_offset;
  col_offset.resize(OW * KW);
  for (size_t ow = 0; ow < OW; ++ow)
    for (size_t kw = 0; kw < KW; ++kw) {
      const int64_t iw = static_cast<int64_t>(ow) * d.stride[2] - d.padding[2] + static_cast<int64_t>(kw) * d.dilation[2];
      col_offset[ow * KW + kw] = iw >= 0 && iw < static_cast<int64_t>(W) ? iw * static_cast<int64_t>(C) : -1;
    }

  const size_t rows = N * OD * OH;
  detail::for_each_share(exec, rows, std::max<size_t>(1, 4096 / std::max<size_t>(1, OW * C / 16)), 1,
                         [&](size_t r0, size_t r1) {
    thread_local RowBuffers buf;
    buf.taps.resize(OW * T);
    buf.acc.resize(OW * c_pad);
    buf.rows.resize(KD * KH);
    for (size_t r = r0; r < r1; ++r) {
      const size_t n = r / (OD * OH), od = r / OH % OD, oh = r % OH;
      // Indirection: the input row of each (kd, kh) (or none in the padding), then a pointer per pixel and tap.
      const uint8_t** in_rows = buf.rows.data();
      for (size_t kd = 0; kd < KD; ++kd) {
        const int64_t id = static_cast<int64_t>(od) * d.stride[0] - d.padding[0] + static_cast<int64_t>(kd) * d.dilation[0];
        for (size_t kh = 0; kh < KH; ++kh) {
          const int64_t ih = static_cast<int64_t>(oh) * d.stride[1] - d.padding[1] + static_cast<int64_t>(kh) * d.dilation[1];
          const bool inside = id >= 0 && id < static_cast<int64_t>(D) && ih >= 0 && ih < static_cast<int64_t>(H);
          in_rows[kd * KH + kh] =
              inside ? x + ((n * D + static_cast<size_t>(id)) * H + static_cast<size_t>(ih)) * W * C : nullptr;
        }
      }
      for (size_t k = 0; k < KD * KH; ++k) {
        const uint8_t** t = buf.taps.data() + k * KW;
        if (!in_rows[k]) {
          for (size_t ow = 0; ow < OW; ++ow)
            for (size_t kw = 0; kw < KW; ++kw) t[ow * T + kw] = zp_row.data();
          continue;
        }
        for (size_t ow = 0; ow < OW; ++ow)
          for (size_t kw = 0; kw < KW; ++kw) {
            const int64_t off = col_offset[ow * KW + kw];
            t[ow * T + kw] = off >= 0 ? in_rows[k] + off : zp_row.data();
          }
      }
      void* y_row = static_cast<char*>(y) + r * OW * C * out_size;
      GroupwiseKernelArgs args = common;
      args.taps = buf.taps.data();
      args.pixels = OW;
      args.out = kernel_writes_y ? y_row : static_cast<void*>(buf.acc.data());
      args.out_stride = (kernel_writes_y ? C : c_pad) * kernel_out_size;
      if (kernel_writes_y) {
        kernel(&args);
      } else if (kernel) {
        kernel(&args);
        const auto* src = reinterpret_cast<const char*>(buf.acc.data());
        for (size_t p = 0; p < OW; ++p)
          std::copy_n(src + p * args.out_stride, C * out_size, static_cast<char*>(y_row) + p * C * out_size);
      } else {
        row_scalar(args, w);
        if (out.kind == OutputKind::s32) {
          for (size_t p = 0; p < OW; ++p)
            std::copy_n(buf.acc.data() + p * c_pad, C, static_cast<int32_t*>(y_row) + p * C);
        } else {
          detail::requantize_unchecked(buf.acc.data(), y_row, OW, C, c_pad, C, rp, Exec{exec.isa, nullptr, 1});
        }
      }
    }
  });
  if (kernel_name) *kernel_name = kernel ? desc.name() : "scalar";
}

}  // namespace qjit
