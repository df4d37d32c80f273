// The quantized engine (torch.backends.quantized.engine): which backend's numerics the quantized ops and modules
// reproduce where PyTorch's engines differ (../shared/golden/NUMERICS.md section 7): requantization of linear / conv
// (onednn: float bias, zero point before rounding; qnnpack: int32 bias, zero point after rounding), quantized add
// (generic vs QNNPACK fixed point), dynamic activation quantization (onednn honours reduce_range, qnnpack ignores
// it). The kernels underneath are the same qjit kernels whatever the engine: only the formulas change.
//
// "x86" and "fbgemm" name PyTorch's x86 engines; their numerics are onednn's here (the golden vectors were made
// without FBGEMM, and the onednn formula reproduces them). The engine is process-wide, as in PyTorch, and read by
// each op when it runs; the default is "onednn".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kernels/qtype.h"

namespace qjit {

enum class QEngine { onednn, x86, fbgemm, qnnpack };

// torch.backends.quantized.engine = name; an unknown name is a qjit::Error listing the supported ones.
void set_engine(std::string_view name);
void set_engine(QEngine e);
QEngine engine();
std::string engine_name(QEngine e = engine());
// torch.backends.quantized.supported_engines.
std::vector<std::string> supported_engines();

// The requantization formula of an engine.
inline RequantFormula requant_formula(QEngine e = engine()) {
  return e == QEngine::qnnpack ? RequantFormula::qnnpack : RequantFormula::onednn;
}

// Sets the engine for a scope and restores the previous one (tests, and code that runs one model per engine).
class EngineGuard {
 public:
  explicit EngineGuard(QEngine e) : previous_(engine()) { set_engine(e); }
  ~EngineGuard() { set_engine(previous_); }
  EngineGuard(const EngineGuard&) = delete;
  EngineGuard& operator=(const EngineGuard&) = delete;

 private:
  QEngine previous_;
};

}  // namespace qjit
