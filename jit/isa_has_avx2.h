// Whether code compiled for AVX2 may run on a path: every x86 rung of the ISA ladder (jit/cpu.h) from avx2 up has
// AVX2, so the element-wise kernels' AVX2 loops serve all of them; below avx2, and off x86, they never run.
#pragma once

#include "jit/cpu.h"

namespace qjit {

inline bool isa_has_avx2(Isa isa) {
#if defined(__x86_64__)
  return isa_rank(isa) >= isa_rank(Isa::avx2) && isa_rank(isa) <= isa_rank(Isa::avx512_vnni);
#else
  (void)isa;
  return false;
#endif
}

}  // namespace qjit
