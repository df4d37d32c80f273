#include "qlayers/engine.h"

#include <atomic>

#include "base/error.h"

namespace qjit {
namespace {
std::atomic<QEngine> g_engine{QEngine::onednn};
}

void set_engine(QEngine e) { g_engine.store(e, std::memory_order_relaxed); }

void set_engine(std::string_view name) {
  for (QEngine e : {QEngine::onednn, QEngine::x86, QEngine::fbgemm, QEngine::qnnpack})
    if (engine_name(e) == name) return set_engine(e);
  throw_bad_arg("set_engine", "name", std::string(name), "must be one of onednn, x86, fbgemm, qnnpack");
}

QEngine engine() { return g_engine.load(std::memory_order_relaxed); }

std::string engine_name(QEngine e) {
  switch (e) {
    case QEngine::onednn: return "onednn";
    case QEngine::x86: return "x86";
    case QEngine::fbgemm: return "fbgemm";
    case QEngine::qnnpack: return "qnnpack";
  }
  return "?";
}

std::vector<std::string> supported_engines() { return {"onednn", "x86", "fbgemm", "qnnpack"}; }

}  // namespace qjit
