#include "jit/gemm_desc.h"

#include "base/error.h"

#if defined(__x86_64__)
#include "jit/x86/gemm_microkernel.h"
#endif

namespace qjit {

std::string GemmUkernelDesc::name() const {
  std::string n = "qjit_gemm_u8s8_" + std::to_string(mr) + "x" + std::to_string(layout.nr) + "_" +
                  dot_kind_name(layout.dot) + "_" + isa_name(layout.isa) + "_" + output_kind_name(out);
  if (out == OutputKind::u8 || out == OutputKind::s8) n += formula == RequantFormula::onednn ? "_onednn" : "_qnnpack";
  if (out != OutputKind::s32) n += per_channel ? "_pc" : "_pt";
  if (has_bias) n += "_bias";
  if (has_b_zp) n += "_bzp";
  if (has_row_scale) n += "_rowscale";
  if (has_post_bias) n += "_postbias";
  if (a_widened) n += "_a16";
  if (a_octets) n += "_a8";
  if (k_tail) n += "_ktail" + std::to_string(k_tail);
  if (n_valid) n += "_n" + std::to_string(n_valid);
  return n;
}

std::unique_ptr<JitCode> GemmUkernelDesc::generate() const {
#if defined(__x86_64__)
  switch (layout.isa) {
    case Isa::avx2: return x86::generate_gemm_avx2(*this);
    case Isa::avx2_vnni: return x86::generate_gemm_avx2_vnni(*this);
    case Isa::avx512: return x86::generate_gemm_avx512(*this);
    case Isa::avx512_vnni: return x86::generate_gemm_avx512_vnni(*this);
    default: break;
  }
#endif
  throw_bad_arg("gemm", "isa", isa_name(layout.isa), "has no GEMM generator (" + name() + ")");
}

}  // namespace qjit
