#include "workflow/state_dict.h"

#include <map>

#include "base/error.h"
#include "workflow/nn/module_state.h"

namespace qjit {

namespace {

struct Slot {
  std::string key;
  nn::StateEntry entry;
};

std::vector<Slot> slots(nn::Module& module) {
  std::vector<Slot> out;
  for (auto& [path, m] : module.named_modules())
    if (auto* s = dynamic_cast<nn::HasState*>(m.get()))
      for (nn::StateEntry& e : s->local_state()) out.push_back({path.empty() ? e.name : path + "." + e.name, e});
  return out;
}

StateDict collect(nn::Module& module, bool params, bool buffers) {
  StateDict d;
  for (Slot& s : slots(module)) {
    const bool is_param = s.entry.kind == nn::StateKind::parameter;
    if ((is_param && params) || (!is_param && buffers)) d.emplace_back(s.key, *s.entry.tensor);
  }
  return d;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& k : v) s += (s.empty() ? "\"" : ", \"") + k + "\"";
  return s;
}

}  // namespace

StateDict named_parameters(nn::Module& module) { return collect(module, true, false); }
StateDict named_buffers(nn::Module& module) { return collect(module, false, true); }
StateDict state_dict(nn::Module& module) { return collect(module, true, true); }

IncompatibleKeys load_state_dict(nn::Module& module, const StateDict& state, bool strict) {
  constexpr const char* fn = "load_state_dict";
  std::map<std::string, const Tensor*> given;
  for (const auto& [k, t] : state) {
    check_arg(given.emplace(k, &t).second, fn, "key", k, "appears twice in the state dict");
    check_arg(t.defined(), fn, k, "undefined", "the tensor must be defined");
  }
  IncompatibleKeys r;
  std::vector<std::pair<Tensor*, Tensor>> assignments;
  for (Slot& s : slots(module)) {
    auto it = given.find(s.key);
    if (it == given.end()) {
      r.missing_keys.push_back(s.key);
      continue;
    }
    const Tensor& src = *it->second;
    const Tensor& dst = *s.entry.tensor;
    check_arg(src.sizes() == dst.sizes(), fn, s.key, src.to_string(),
              "size mismatch: the module's parameter has shape " + shape_str(dst.sizes()));
    check_arg(src.dtype() == dst.dtype(), fn, s.key, src.to_string(),
              std::string("dtype mismatch: the module's parameter is ") + dtype_name(dst.dtype()));
    assignments.emplace_back(s.entry.tensor, src.contiguous().clone());
    given.erase(it);
  }
  for (const auto& [k, t] : given) r.unexpected_keys.push_back(k);
  if (strict && (!r.missing_keys.empty() || !r.unexpected_keys.empty())) {
    std::string msg = std::string(fn) + ": error(s) in loading state_dict for " + module.type_name() + ":";
    if (!r.missing_keys.empty()) msg += " missing key(s) in state_dict: " + join(r.missing_keys) + ".";
    if (!r.unexpected_keys.empty()) msg += " unexpected key(s) in state_dict: " + join(r.unexpected_keys) + ".";
    throw Error(msg);
  }
  // Nothing is changed unless the whole load succeeds.
  for (auto& [slot, t] : assignments) *slot = std::move(t);
  return r;
}

}  // namespace qjit
