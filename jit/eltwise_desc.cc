#include "jit/eltwise_desc.h"

#include "base/error.h"

#if defined(__x86_64__)
#include "jit/x86/eltwise_generator.h"
#endif

namespace qjit {

namespace {
const char* op_name(EltwiseOp op) {
  switch (op) {
    case EltwiseOp::quantize: return "quantize";
    case EltwiseOp::dequantize: return "dequantize";
    case EltwiseOp::requantize: return "requantize";
    case EltwiseOp::minmax: return "minmax";
    case EltwiseOp::f32_to_f16: return "f32_to_f16";
    case EltwiseOp::f16_to_f32: return "f16_to_f32";
  }
  return "?";
}
}  // namespace

std::string EltwiseDesc::name() const {
  std::string n = std::string("qjit_") + op_name(op);
  switch (op) {
    case EltwiseOp::quantize: n += std::string("_f32_") + qtype_name(qtype); break;
    case EltwiseOp::dequantize: n += std::string("_") + qtype_name(qtype) + "_f32"; break;
    case EltwiseOp::requantize:
      n += std::string("_s32_") + qtype_name(qtype) + (formula == RequantFormula::onednn ? "_onednn" : "_qnnpack");
      if (has_bias) n += "_bias";
      break;
    default: break;
  }
  if (op == EltwiseOp::quantize || op == EltwiseOp::dequantize || op == EltwiseOp::requantize)
    n += per_channel ? "_pc" : "_pt";
  if (zp_kind == ZeroPointKind::floating) n += "_fzp";
  return n + "_" + isa_name(isa);
}

size_t EltwiseDesc::block(Isa isa) { return (isa == Isa::avx512 || isa == Isa::avx512_vnni) ? 16 : 8; }

std::unique_ptr<JitCode> EltwiseDesc::generate() const {
#if defined(__x86_64__)
  switch (isa) {
    case Isa::avx2:
    case Isa::avx2_vnni:
    case Isa::avx512:
    case Isa::avx512_vnni:
      switch (op) {
        case EltwiseOp::quantize: return x86::generate_quantize(*this);
        case EltwiseOp::dequantize: return x86::generate_dequantize(*this);
        case EltwiseOp::requantize: return x86::generate_requantize(*this);
        case EltwiseOp::minmax: return x86::generate_minmax(*this);
        case EltwiseOp::f32_to_f16:
        case EltwiseOp::f16_to_f32: return x86::generate_convert_f16(*this);
      }
      break;
    default: break;
  }
#endif
  throw_bad_arg("jit", "isa", isa_name(isa), "has no element-wise generator for " + name());
}

}  // namespace qjit
