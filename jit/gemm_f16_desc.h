// Descriptor of the fp32 GEMM microkernel over fp16-stored weights (dynamic float16 Linear): mr rows of A (f32)
// times one panel of nr half columns, accumulated with FMA in k order, bias added, f32 stored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jit/cpu.h"
#include "jit/jit_code.h"

namespace qjit {

struct GemmF16KernelArgs {
  const float* a = nullptr;  // row 0 of the tile
  size_t lda = 0;            // bytes
  const uint16_t* b = nullptr;  // the panel: K x nr halves
  float* c = nullptr;
  size_t ldc = 0;            // bytes
  size_t k = 0;
  const float* bias = nullptr;  // [nr] or null
  float* scratch = nullptr;     // mr x nr floats for a partial panel
  size_t n_valid = 0;
};

using GemmF16KernelFn = void(const GemmF16KernelArgs*);

struct GemmF16Desc {
  Isa isa = Isa::avx2;
  uint8_t mr = 1;
  bool full_n = true;
  bool has_bias = false;
  bool operator==(const GemmF16Desc& o) const {
    return isa == o.isa && mr == o.mr && full_n == o.full_n && has_bias == o.has_bias;
  }
  size_t hash() const {
    return static_cast<size_t>(isa) | size_t{mr} << 4 | size_t{full_n} << 8 | size_t{has_bias} << 9;
  }
  std::string name() const;
  std::unique_ptr<JitCode> generate() const;
};

}  // namespace qjit
