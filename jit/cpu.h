// CPU dispatch: the ISA ladder of DESIGN.md, read once from the CPU (cpuinfo), capped by QJIT_MAX_ISA.
//   x86:     scalar < avx2 < avx2_vnni < avx512 < avx512_vnni
//   AArch64: scalar < neon < neon_dot < neon_i8mm
// avx2 means AVX2+FMA+F16C; avx2_vnni adds AVX-VNNI (VEX); avx512 means F+BW+VL+DQ; avx512_vnni adds VNNI.
// A path is *available* when the CPU has it and it is not above the cap. Kernels take an Isa explicitly (tests
// sweep every available one); callers that do not care use max_isa().
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qjit {

enum class Isa { scalar = 0, avx2, avx2_vnni, avx512, avx512_vnni, neon, neon_dot, neon_i8mm };

const char* isa_name(Isa isa);
// Parses an ISA name as QJIT_MAX_ISA accepts it (case-insensitive; "all" = no cap). Throws qjit::Error otherwise.
Isa parse_isa(std::string_view name);
// The rung of the ladder, for ordering (scalar = 0).
int isa_rank(Isa isa);

// The CPU has every instruction the path needs (independent of the cap).
bool cpu_has(Isa isa);
// The best path this CPU has, ignoring QJIT_MAX_ISA.
Isa cpu_best_isa();
// The best available path: cpu_best_isa() capped by QJIT_MAX_ISA. Throws qjit::Error on an unknown value.
Isa max_isa();
// cpu_has(isa) and not above the cap.
bool isa_available(Isa isa);
// Every available path of this architecture, scalar first.
std::vector<Isa> available_isas();
// Throws qjit::Error naming `fn` when `isa` is not available here.
void check_isa_available(std::string_view fn, Isa isa);

// One line for people: CPU, features found, the cap, the path in use.
std::string cpu_summary();

}  // namespace qjit
