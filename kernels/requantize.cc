#include "kernels/requantize.h"

#include <cmath>
#include <string>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/eltwise_run.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit {

RequantizeParams make_requantize_params(QType out, RequantFormula formula, const float* multiplier, bool per_channel,
                                        int32_t zero_point) {
  RequantizeParams p;
  p.out = out;
  p.formula = formula;
  p.multiplier = multiplier;
  p.per_channel = per_channel;
  p.zero_point = zero_point;
  p.qmin = static_cast<int32_t>(qtype_min(out));
  p.qmax = static_cast<int32_t>(qtype_max(out));
  return p;
}

void check_requantize_params(std::string_view fn, const RequantizeParams& p, size_t cols) {
  check_arg(p.out != QType::s32, fn, "out", qtype_name(p.out), "must be u8 or s8");
  check_not_null(fn, "multiplier", p.multiplier);
  check_positive_finite(fn, "multiplier", p.multiplier, p.per_channel ? cols : 1);
  check_zero_point(fn, "zero_point", p.zero_point, qtype_min(p.out), qtype_max(p.out));
  check_arg(p.qmin >= qtype_min(p.out) && p.qmin <= qtype_max(p.out), fn, "qmin", p.qmin, "must be in the output range");
  check_arg(p.qmax >= p.qmin && p.qmax <= qtype_max(p.out), fn, "qmax", p.qmax, "must be in [qmin, output max]");
  if (p.formula == RequantFormula::onednn)
    check_arg(p.bias_i == nullptr, fn, "bias_i", "set", "the onednn formula takes a float bias (bias_f)");
  else
    check_arg(p.bias_f == nullptr, fn, "bias_f", "set", "the qnnpack formula takes an int32 bias (bias_i)");
}

void requantize(const int32_t* acc, void* out, size_t rows, size_t cols, size_t acc_stride, size_t out_stride,
                const RequantizeParams& p, const Exec& exec) {
  constexpr const char* fn = "requantize";
  check_isa_available(fn, exec.isa);
  check_requantize_params(fn, p, cols);
  if (rows == 0 || cols == 0) return;
  check_not_null(fn, "acc", acc);
  check_not_null(fn, "out", out);
  check_at_least(fn, "acc_stride", acc_stride, "cols", cols);
  check_at_least(fn, "out_stride", out_stride, "cols", cols);
  detail::requantize_unchecked(acc, out, rows, cols, acc_stride, out_stride, p, exec);
}

void detail::requantize_unchecked(const int32_t* acc, void* out, size_t rows, size_t cols, size_t acc_stride,
                                  size_t out_stride, const RequantizeParams& p, const Exec& exec) {
  constexpr const char* fn = "requantize";
  if (rows == 0 || cols == 0) return;
  VerboseOp v;
  const size_t out_bytes = qtype_size(p.out);
  const bool has_bias = p.formula == RequantFormula::onednn ? p.bias_f != nullptr : p.bias_i != nullptr;
  // Dense and column-independent: one long vector, split across threads by elements.
  const bool flat = !p.per_channel && !has_bias && acc_stride == cols && out_stride == cols;
  const size_t units = flat ? rows * cols : rows;
  const size_t min_units = flat ? detail::kEltwiseMinPerShare : std::max<size_t>(1, detail::kEltwiseMinPerShare / cols);

  if (exec.isa == Isa::scalar) {
    detail::for_each_share(exec, units, min_units, flat ? 64 : 1, [&](size_t b, size_t e) {
      if (flat)
        ref::requantize(acc + b, static_cast<char*>(out) + b * out_bytes, 1, e - b, e - b, e - b, p);
      else
        ref::requantize(acc + b * acc_stride, static_cast<char*>(out) + b * out_stride * out_bytes, e - b, cols,
                        acc_stride, out_stride, p);
    });
    if (v.on()) v.done(fn, isa_name(exec.isa), "reference", "rows=" + std::to_string(rows) + ":cols=" + std::to_string(cols));
    return;
  }

  EltwiseDesc d;
  d.isa = exec.isa;
  d.op = EltwiseOp::requantize;
  d.qtype = p.out;
  d.per_channel = p.per_channel;
  d.has_bias = has_bias;
  d.formula = p.formula;
  const JitCode& code = detail::eltwise_code(d);
  const size_t block = EltwiseDesc::block(exec.isa);
  EltwiseArgs a;
  a.scale = p.multiplier;
  a.bias = p.formula == RequantFormula::onednn ? static_cast<const void*>(p.bias_f) : static_cast<const void*>(p.bias_i);
  a.out_zero_point = p.zero_point;
  a.qmin = p.qmin;
  a.qmax = p.qmax;
  const detail::EltwiseLayout layout{4, out_bytes, p.per_channel, false, has_bias, false};
  detail::for_each_share(exec, units, min_units, flat ? 64 : 1, [&](size_t b, size_t e) {
    if (flat) {
      EltwiseArgs r = a;
      r.src = acc;
      r.dst = out;
      detail::run_eltwise(code, block, r, b, e, layout);
      return;
    }
    for (size_t row = b; row < e; ++row) {
      EltwiseArgs r = a;
      r.src = acc + row * acc_stride;
      r.dst = static_cast<char*>(out) + row * out_stride * out_bytes;
      detail::run_eltwise(code, block, r, 0, cols, layout);
    }
  });
  if (v.on()) v.done(fn, isa_name(exec.isa), code.name(), "rows=" + std::to_string(rows) + ":cols=" + std::to_string(cols));
}

}  // namespace qjit
