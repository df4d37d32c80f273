// Reading qjit's environment variables (QJIT_MAX_ISA, QJIT_VERBOSE, QJIT_PERF_MAP, QJIT_GOLDEN_DIR).
#pragma once

#include <string>

namespace qjit {

// The variable's value, or "" when unset.
std::string env_string(const char* name);
// True when set to anything but "", "0", "false", "off" or "no".
bool env_flag(const char* name);

}  // namespace qjit
