#include "qlayers/module.h"

#include <algorithm>

#include "base/error.h"

namespace qjit::nn {

Tensor Module::forward(const Tensor&) {
  throw Error(qualified_name() + ".forward: this module does not take a single tensor; use its own methods");
}

Tensor Module::operator()(const Tensor& x) { return run_forward_hooks(x, forward(x)); }

ModuleError::ModuleError(std::string path, std::string type, std::string cause)
    : Error(path + " (" + type + "): " + cause), path_(std::move(path)), type_(std::move(type)),
      cause_(std::move(cause)) {}

Tensor call_child(std::string_view name, Module& child, const Tensor& x) {
  try {
    return child(x);
  } catch (const ModuleError& e) {
    throw ModuleError(std::string(name) + "." + e.path(), e.type(), e.cause());
  } catch (const Error& e) {
    throw ModuleError(std::string(name), child.qualified_name(), e.what());
  }
}

Tensor Module::call(std::string_view name, const Tensor& x) const { return call_child(name, *child_ptr(name), x); }

Tensor Module::run_forward_hooks(const Tensor& x, Tensor y) {
  for (auto& [handle, hook] : hooks_) y = hook(*this, x, y);
  return y;
}

std::shared_ptr<Module> Module::deep_clone() const {
  std::shared_ptr<Module> copy = clone_self();
  for (auto& [name, m] : copy->children_) m = m->deep_clone();
  return copy;
}

void Module::register_child(std::string name, std::shared_ptr<Module> m) {
  const std::string fn = qualified_name() + ".register_module";
  check_arg(!name.empty() && name.find('.') == std::string::npos, fn, "name", name,
            "must be non-empty and contain no '.'");
  check_arg(!has_child(name), fn, "name", name, "a child of this name exists already");
  check_arg(m != nullptr, fn, "module", name, "must not be null");
  children_.emplace_back(std::move(name), std::move(m));
}

bool Module::has_child(std::string_view name) const {
  return std::any_of(children_.begin(), children_.end(), [&](const auto& c) { return c.first == name; });
}

std::shared_ptr<Module> Module::child_ptr(std::string_view name) const {
  for (const auto& [n, m] : children_)
    if (n == name) return m;
  throw_bad_arg(qualified_name() + ".child", "name", std::string(name), "no child of this name");
}

Module& Module::child(std::string_view name) const { return *child_ptr(name); }

void Module::set_child(std::string_view name, std::shared_ptr<Module> m) {
  const std::string fn = qualified_name() + ".set_child";
  check_arg(m != nullptr, fn, "module", std::string(name), "must not be null");
  for (auto& [n, slot] : children_)
    if (n == name) {
      slot = std::move(m);
      return;
    }
  throw_bad_arg(fn, "name", std::string(name), "no child of this name");
}

void Module::remove_child(std::string_view name) {
  const size_t before = children_.size();
  std::erase_if(children_, [&](const auto& c) { return c.first == name; });
  if (children_.size() == before)
    throw_bad_arg(qualified_name() + ".remove_child", "name", std::string(name), "no child of this name");
}

std::shared_ptr<Module> Module::get_submodule(std::string_view path) const {
  if (path.empty()) throw_bad_arg("get_submodule", "path", std::string(path), "must not be empty");
  const size_t dot = path.find('.');
  std::shared_ptr<Module> first = child_ptr(path.substr(0, dot));
  return dot == std::string_view::npos ? first : first->get_submodule(path.substr(dot + 1));
}

void Module::set_submodule(std::string_view path, std::shared_ptr<Module> m) {
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos) return set_child(path, std::move(m));
  get_submodule(path.substr(0, dot))->set_child(path.substr(dot + 1), std::move(m));
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& c : children_) out.push_back(c.second);
  return out;
}

void Module::collect(const std::string& prefix, std::vector<std::pair<std::string, std::shared_ptr<Module>>>& out,
                     const std::shared_ptr<Module>& self) {
  out.emplace_back(prefix, self);
  for (const auto& [n, m] : children_) m->collect(prefix.empty() ? n : prefix + "." + n, out, m);
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules(const std::string& prefix) {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  // The root is returned without ownership (it may live on the stack); its children are shared.
  out.emplace_back(prefix, std::shared_ptr<Module>(std::shared_ptr<Module>{}, this));
  for (const auto& [n, m] : children_) m->collect(prefix.empty() ? n : prefix + "." + n, out, m);
  return out;
}

Module& Module::train(bool on) {
  training_ = on;
  for (auto& c : children_) c.second->train(on);
  return *this;
}

int Module::register_forward_hook(ForwardHook hook) {
  check_arg(static_cast<bool>(hook), qualified_name() + ".register_forward_hook", "hook", "empty", "must be callable");
  hooks_.emplace_back(next_hook_, std::move(hook));
  return next_hook_++;
}

void Module::remove_forward_hook(int handle) {
  std::erase_if(hooks_, [&](const auto& h) { return h.first == handle; });
}

void Module::append_repr(std::string& out, int indent) const {
  out += type_name() + "(" + extra_repr();
  if (!children_.empty()) {
    out += "\n";
    for (const auto& [n, m] : children_) {
      out += std::string(indent + 2, ' ') + "(" + n + "): ";
      m->append_repr(out, indent + 2);
      out += "\n";
    }
    out += std::string(indent, ' ');
  }
  out += ")";
}

std::string Module::to_string() const {
  std::string s;
  append_repr(s, 0);
  return s;
}

void throw_child_type_mismatch(const Module& parent, std::string_view name, const Module& found) {
  throw_bad_arg(parent.qualified_name() + ".child", std::string(name), found.qualified_name(),
                "the module in this slot is not of the type asked for");
}

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

Sequential& Sequential::push_back(std::shared_ptr<Module> m) {
  register_module(std::to_string(size()), std::move(m));
  return *this;
}

Sequential& Sequential::add(std::string name, std::shared_ptr<Module> m) {
  register_module(std::move(name), std::move(m));
  return *this;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& [n, m] : named_children()) y = call_child(n, *m, y);
  return y;
}

}  // namespace qjit::nn
