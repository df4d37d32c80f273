#include "jit/cpu.h"

#include <cpuinfo.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

#include "base/env.h"
#include "base/error.h"
#include "jit/cache_sizes.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace qjit {

namespace {

constexpr std::array<Isa, 8> kAllIsas = {Isa::scalar, Isa::avx2,  Isa::avx2_vnni, Isa::avx512,
                                         Isa::avx512_vnni, Isa::neon, Isa::neon_dot, Isa::neon_i8mm};

bool is_x86_isa(Isa isa) { return isa >= Isa::avx2 && isa <= Isa::avx512_vnni; }
bool is_arm_isa(Isa isa) { return isa >= Isa::neon; }

struct CpuFeatures {
  bool avx2 = false, avx2_vnni = false, avx512 = false, avx512_vnni = false;
  bool neon = false, neon_dot = false, neon_i8mm = false;
  std::string name;
};

// AVX-VNNI (the VEX form) is CPUID.(EAX=7,ECX=1):EAX[4]; the cpuinfo in Debian 12 predates it.
bool cpuid_avx_vnni() {
#if defined(__x86_64__)
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  if (eax < 1) return false;  // no sub-leaf 1
  __cpuid_count(7, 1, eax, ebx, ecx, edx);
  return (eax >> 4) & 1;
#else
  return false;
#endif
}

const CpuFeatures& features() {
  static const CpuFeatures f = [] {
    CpuFeatures r;
    if (!cpuinfo_initialize()) return r;
#if defined(__x86_64__)
    r.avx2 = cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3() && cpuinfo_has_x86_f16c();
    r.avx2_vnni = r.avx2 && cpuid_avx_vnni();
    r.avx512 = r.avx2 && cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() && cpuinfo_has_x86_avx512vl() &&
               cpuinfo_has_x86_avx512dq();
    r.avx512_vnni = r.avx512 && cpuinfo_has_x86_avx512vnni();
#elif defined(__aarch64__)
    r.neon = cpuinfo_has_arm_neon();
    r.neon_dot = r.neon && cpuinfo_has_arm_neon_dot();
    r.neon_i8mm = false;  // not reported by Debian 12's cpuinfo
#endif
    const cpuinfo_package* pkg = cpuinfo_get_package(0);
    if (pkg) r.name = pkg->name;
    return r;
  }();
  return f;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx2_vnni: return "avx2_vnni";
    case Isa::avx512: return "avx512";
    case Isa::avx512_vnni: return "avx512_vnni";
    case Isa::neon: return "neon";
    case Isa::neon_dot: return "neon_dot";
    case Isa::neon_i8mm: return "neon_i8mm";
  }
  return "unknown";
}

Isa parse_isa(std::string_view name) {
  const std::string n = lower(name);
  if (n == "all") return cpu_best_isa();
  for (Isa isa : kAllIsas)
    if (n == isa_name(isa)) return isa;
  throw_bad_arg("QJIT_MAX_ISA", "value", std::string(name),
                "unknown ISA; use one of scalar, avx2, avx2_vnni, avx512, avx512_vnni, neon, neon_dot, neon_i8mm, all");
}

int isa_rank(Isa isa) {
  if (is_arm_isa(isa)) return static_cast<int>(isa) - static_cast<int>(Isa::neon) + 1;
  return static_cast<int>(isa);
}

bool cpu_has(Isa isa) {
  const CpuFeatures& f = features();
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return f.avx2;
    case Isa::avx2_vnni: return f.avx2_vnni;
    case Isa::avx512: return f.avx512;
    case Isa::avx512_vnni: return f.avx512_vnni;
    case Isa::neon: return f.neon;
    case Isa::neon_dot: return f.neon_dot;
    case Isa::neon_i8mm: return f.neon_i8mm;
  }
  return false;
}

Isa cpu_best_isa() {
  Isa best = Isa::scalar;
  for (Isa isa : kAllIsas)
    if (cpu_has(isa) && isa_rank(isa) >= isa_rank(best)) best = isa;
  return best;
}

namespace {

Isa compute_max_isa() {
  const std::string cap = env_string("QJIT_MAX_ISA");
  const Isa best = cpu_best_isa();
  if (cap.empty()) return best;
  const Isa c = parse_isa(cap);
  if (c != Isa::scalar && is_x86_isa(c) != is_x86_isa(best) && best != Isa::scalar)
    throw_bad_arg("QJIT_MAX_ISA", "value", cap, std::string("is not an ISA of this CPU's architecture (best: ") +
                                                     isa_name(best) + ")");
  if (isa_rank(c) >= isa_rank(best)) return best;
  // The cap may name a path this CPU lacks (avx2_vnni on an AVX-512 CPU without AVX-VNNI): take the best
  // path at or below it.
  Isa r = Isa::scalar;
  for (Isa isa : kAllIsas)
    if (cpu_has(isa) && isa_rank(isa) <= isa_rank(c) && isa_rank(isa) >= isa_rank(r) &&
        (isa == Isa::scalar || is_x86_isa(isa) == is_x86_isa(best)))
      r = isa;
  return r;
}

}  // namespace

Isa max_isa() {
  // Read once: kernels call this per op. A bad value is remembered and thrown on every call.
  static const std::pair<Isa, std::string> cached = []() -> std::pair<Isa, std::string> {
    try {
      return {compute_max_isa(), ""};
    } catch (const Error& e) {
      return {Isa::scalar, e.what()};
    }
  }();
  if (!cached.second.empty()) throw Error(cached.second);
  return cached.first;
}

bool isa_available(Isa isa) {
  if (!cpu_has(isa)) return false;
  if (isa == Isa::scalar) return true;
  const Isa m = max_isa();
  return is_x86_isa(isa) == is_x86_isa(m) && isa_rank(isa) <= isa_rank(m);
}

std::vector<Isa> available_isas() {
  std::vector<Isa> r;
  for (Isa isa : kAllIsas)
    if (isa_available(isa)) r.push_back(isa);
  return r;
}

void check_isa_available(std::string_view fn, Isa isa) {
  if (!isa_available(isa))
    throw_bad_arg(fn, "isa", isa_name(isa), std::string("is not available here (max: ") + isa_name(max_isa()) + ")");
}

std::string cpu_summary() {
  const CpuFeatures& f = features();
  std::string s = "cpu: " + (f.name.empty() ? std::string("unknown") : f.name) + "; found:";
  bool any = false;
  for (Isa isa : kAllIsas)
    if (isa != Isa::scalar && cpu_has(isa)) {
      s += std::string(" ") + isa_name(isa);
      any = true;
    }
  if (!any) s += " (no SIMD path)";
  const std::string cap = env_string("QJIT_MAX_ISA");
  s += "; QJIT_MAX_ISA=" + (cap.empty() ? std::string("unset") : cap);
  s += std::string("; using ") + isa_name(max_isa());
  s += "; caches: " + cache_summary();
  return s;
}

}  // namespace qjit
