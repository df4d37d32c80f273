#include "base/env.h"

#include <cstdlib>

namespace qjit {

std::string env_string(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool env_flag(const char* name) {
  const std::string v = env_string(name);
  return !(v.empty() || v == "0" || v == "false" || v == "off" || v == "no");
}

}  // namespace qjit
