#include <cstdio>

#include "jit/cpu.h"

int main() {
  std::printf("%s\n", qjit::cpu_summary().c_str());
  return 0;
}
