#include "jit/gemm_f16_desc.h"

#include "base/error.h"
#include "jit/isa_has_avx2.h"

#if defined(__x86_64__)
#include "jit/x86/gemm_f16w.h"
#endif

namespace qjit {


std::string GemmF16Desc::name() const {
  const int nr = (isa == Isa::avx512 || isa == Isa::avx512_vnni) ? 32 : 16;
  return "qjit_gemm_f32_f16w_" + std::to_string(mr) + "x" + std::to_string(nr) + "_" + isa_name(isa) +
         (has_bias ? "_bias" : "") + (full_n ? "" : "_ntail");
}

std::unique_ptr<JitCode> GemmF16Desc::generate() const {
#if defined(__x86_64__)
  if (isa_has_avx2(isa))
    return x86::generate_gemm_f16w(*this);
#endif
  throw_bad_arg("gemm_f32_f16w", "isa", isa_name(isa), "has no generator");
}

}  // namespace qjit
