// Generator entry of the fp32 x fp16-weight GEMM microkernel (gemm_f16w.cc).
#pragma once

#include <memory>

#include "jit/gemm_f16_desc.h"

namespace qjit::x86 {
std::unique_ptr<JitCode> generate_gemm_f16w(const GemmF16Desc& d);
}
