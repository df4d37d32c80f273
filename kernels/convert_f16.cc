#include "kernels/convert_f16.h"

#include <string>

#include "base/error.h"
#include "base/verbose.h"
#include "kernels/eltwise_run.h"
#include "kernels/reference/quantize_ref.h"

namespace qjit {

namespace {

void convert(EltwiseOp op, const void* in, void* out, size_t n, const Exec& exec) {
  const bool to_f16 = op == EltwiseOp::f32_to_f16;
  const char* fn = to_f16 ? "f32_to_f16" : "f16_to_f32";
  check_isa_available(fn, exec.isa);
  if (n > 0) {
    check_not_null(fn, "input", in);
    check_not_null(fn, "output", out);
  }
  VerboseOp v;
  const size_t in_bytes = to_f16 ? 4 : 2, out_bytes = to_f16 ? 2 : 4;
  const JitCode* code = nullptr;
  if (exec.isa != Isa::scalar) {
    EltwiseDesc d;
    d.isa = exec.isa;
    d.op = op;
    code = &detail::eltwise_code(d);
  }
  detail::for_each_share(exec, n, detail::kEltwiseMinPerShare, 64, [&](size_t b, size_t e) {
    if (code) {
      EltwiseArgs a;
      a.src = in;
      a.dst = out;
      detail::run_eltwise(*code, EltwiseDesc::block(exec.isa), a, b, e, detail::EltwiseLayout{in_bytes, out_bytes});
    } else if (to_f16) {
      ref::f32_to_f16(static_cast<const float*>(in) + b, static_cast<uint16_t*>(out) + b, e - b);
    } else {
      ref::f16_to_f32(static_cast<const uint16_t*>(in) + b, static_cast<float*>(out) + b, e - b);
    }
  });
  if (v.on()) v.done(fn, isa_name(exec.isa), code ? code->name() : "reference", "n=" + std::to_string(n));
}

}  // namespace

void f32_to_f16(const float* x, uint16_t* h, size_t n, const Exec& exec) { convert(EltwiseOp::f32_to_f16, x, h, n, exec); }
void f16_to_f32(const uint16_t* h, float* x, size_t n, const Exec& exec) { convert(EltwiseOp::f16_to_f32, h, x, n, exec); }

}  // namespace qjit
