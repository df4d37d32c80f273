#include "workflow/prepare.h"

#include "base/error.h"
#include "workflow/convert.h"
#include "workflow/observer_module.h"

namespace qjit {
namespace {

QConfigPtr as_qconfig(const std::shared_ptr<const nn::ModuleAnnotation>& a) {
  return std::dynamic_pointer_cast<const QConfig>(a);
}

void propagate(nn::Module& m, const std::string& name, const QConfigPtr& parent, const QConfigMapping& mapping) {
  QConfigPtr q = parent;
  if (auto t = mapping.for_type(m)) q = *t;
  if (auto n = mapping.for_name(name)) q = *n;
  if (m.qconfig) q = as_qconfig(m.qconfig);
  m.qconfig = q;
  for (const auto& [child_name, child] : m.named_children()) {
    if (child_name == kActivationPostProcess) continue;
    propagate(*child, name.empty() ? child_name : name + "." + child_name, q, mapping);
  }
}

bool is_fused(const nn::Module& m) { return m.qualified_name().rfind("nni.", 0) == 0; }

// The hook prepare() registers: runs the module's observer slot on the output. It reaches the observer through the
// slot every call, so a deep copy of the model observes with its own observers.
Tensor observe_output(nn::Module& self, const Tensor&, const Tensor& y) {
  return self.call(kActivationPostProcess, y);
}

void add_observers(nn::Module& m, const std::string& name, const std::set<std::string>& allow_list) {
  const QConfigPtr q = as_qconfig(m.qconfig);
  const bool leaf = m.named_children().empty();
  const bool has_slot = m.has_child(kActivationPostProcess);
  if (q && !q->is_dynamic() && m.type_name() != "Dropout") {
    if (has_slot) {
      // FloatFunctional: its typed calls run the slot; replace the identity placeholder with the observer.
      if (!dynamic_cast<ObserverModule*>(&m.child(kActivationPostProcess)))
        m.set_child(kActivationPostProcess, std::make_shared<ObserverModule>(q->activation()()));
      else
        throw_bad_arg("prepare", "module", name.empty() ? m.qualified_name() : name, "is observed already");
      return;
    }
    if ((leaf && allow_list.count(m.qualified_name())) || is_fused(m)) {
      auto observer = std::make_shared<ObserverModule>(q->activation()());
      observer->parent_hook = m.register_forward_hook(observe_output);
      m.register_module(kActivationPostProcess, std::move(observer));
      return;
    }
  }
  for (const auto& [child_name, child] : m.named_children())
    add_observers(*child, name.empty() ? child_name : name + "." + child_name, allow_list);
}

}  // namespace

void propagate_qconfig_(nn::Module& model, const QConfigMapping& mapping) {
  propagate(model, "", mapping.global().value_or(nullptr), mapping);
}

std::set<std::string> get_default_qconfig_propagation_list() {
  std::set<std::string> out{"nn.Sequential"};
  for (const ModuleMapping& m : {get_default_static_quant_module_mappings(), get_default_dynamic_quant_module_mappings()})
    for (std::string& t : m.types()) out.insert(std::move(t));
  return out;
}

std::shared_ptr<nn::Module> prepare(std::shared_ptr<nn::Module> model, bool inplace,
                                    const std::set<std::string>& allow_list) {
  check_arg(model != nullptr, "prepare", "model", "null", "must not be null");
  if (!inplace) model = model->deep_clone();
  propagate_qconfig_(*model);
  bool any = false;
  for (auto& [n, m] : model->named_modules()) any = any || m->qconfig != nullptr;
  check_arg(any, "prepare", "model", model->qualified_name(),
            "no module has a qconfig: set model.qconfig (e.g. get_default_qconfig(\"x86\")) first");
  add_observers(*model, "", allow_list);
  return model;
}

bool has_observer(const nn::Module& m) {
  return m.has_child(kActivationPostProcess) && dynamic_cast<ObserverModule*>(&m.child(kActivationPostProcess));
}

const ObserverBase& activation_observer(const nn::Module& m, const std::string& module_name) {
  if (!has_observer(m))
    throw_bad_arg("convert", "module", module_name.empty() ? m.qualified_name() : module_name,
                  "has no activation observer: run prepare() and calibrate before convert()");
  return static_cast<ObserverModule&>(m.child(kActivationPostProcess)).observer();
}

std::map<std::string, const ObserverBase*> get_observer_dict(nn::Module& model) {
  std::map<std::string, const ObserverBase*> out;
  for (auto& [n, m] : model.named_modules())
    if (auto* o = dynamic_cast<ObserverModule*>(m.get())) out[n] = &o->observer();
  return out;
}

void remove_observers(nn::Module& model, bool remove_qconfig) {
  for (auto& [n, m] : model.named_modules()) {
    if (has_observer(*m)) {
      const int hook = static_cast<ObserverModule&>(m->child(kActivationPostProcess)).parent_hook;
      if (hook >= 0) {  // a leaf observed through the hook prepare() added: only that hook goes, the user's stay
        m->remove_forward_hook(hook);
        m->remove_child(kActivationPostProcess);
      } else {  // a FloatFunctional-like slot: back to the identity placeholder
        m->set_child(kActivationPostProcess, std::make_shared<nn::Identity>());
      }
    }
    if (remove_qconfig) m->qconfig.reset();
  }
}

}  // namespace qjit
