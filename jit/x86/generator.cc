#include "jit/x86/generator.h"

#include <cstdio>

#include "base/error.h"
#include "base/verbose.h"

namespace qjit::x86 {

JitGenerator::JitGenerator(std::string name, Isa isa, size_t max_code_bytes)
    : Xbyak::CodeGenerator(max_code_bytes, Xbyak::DontSetProtectRWE),
      name_(std::move(name)),
      isa_(isa),
      start_(std::chrono::steady_clock::now()) {}

void JitGenerator::preamble(std::initializer_list<Xbyak::Reg64> saved) {
  saved_.assign(saved.begin(), saved.end());
  for (const auto& r : saved_) push(r);
}

void JitGenerator::postamble() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) pop(*it);
  vzeroupper();
  ret();
}

namespace {

class GeneratedCode final : public JitCode {
 public:
  explicit GeneratedCode(std::unique_ptr<JitGenerator> gen) : gen_(std::move(gen)) {
    entry_ = gen_->getCode();
    size_ = gen_->getSize();
    name_ = gen_->name();
    isa_ = gen_->isa();
  }

 private:
  std::unique_ptr<JitGenerator> gen_;
};

}  // namespace

std::unique_ptr<JitCode> finish(std::unique_ptr<JitGenerator> gen) {
  if (!gen->setProtectModeRE(false)) throw Error("jit: cannot make code of " + gen->name() + " executable");
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - gen->start_).count();
  auto code = std::make_unique<GeneratedCode>(std::move(gen));
  perf_map_register(code->entry(), code->size(), code->name());
  if (verbose_enabled()) {
    char line[512];
    std::snprintf(line, sizeof line, "jit,%s,%s,%zu,%.4f", code->name().c_str(), isa_name(code->isa()),
                  code->size(), ms);
    verbose_print(line);
  }
  return code;
}

}  // namespace qjit::x86
