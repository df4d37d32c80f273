// qjit::nn::Module: the base of every module, float (workflow/nn), quantized (qlayers, qjit::nnq / nnqd / nniq)
// and observer wrapper alike, so that convert() can swap a float module for a quantized one without changing any
// signature, as PyTorch's nn.Module does.
//
// What a module promises:
//  - Children are held by name, in registration order, in slots. A parent reaches a child through its slot
//    (child(name) or call(name, x)) every time, never through a pointer kept aside, so fuse_modules / prepare /
//    convert can replace a child in place (set_child) and the parent's forward runs the new one.
//  - operator()(x) runs forward(x) and then the forward hooks in registration order (PyTorch's __call__); each hook
//    may replace the output. prepare() attaches observers as hooks.
//  - train() / eval() set the mode of the whole subtree; `qconfig` is an opaque annotation that this layer only
//    carries (the workflow's QConfig derives from ModuleAnnotation).
//  - deep_clone() copies the module tree; tensors (weights) are shared, because no pass modifies a tensor in place:
//    fusing or converting builds new ones.
// Modules that take or return several tensors (FloatFunctional, RNNs, EmbeddingBag) add their own typed methods;
// the one-tensor forward of such a module throws qjit::Error naming the module.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "qlayers/tensor.h"

namespace qjit::nn {

// An annotation a module carries for a layer above (the workflow's QConfig); opaque here.
struct ModuleAnnotation {
  virtual ~ModuleAnnotation() = default;
};

class Module {
 public:
  virtual ~Module() = default;

  // PyTorch's class name ("Linear", "Conv2d", "QuantizedLinear" is spelled "Linear" in qjit::nnq, with
  // qualified_name() giving "nnq.Linear"), for messages, printing and the convert mappings.
  virtual std::string type_name() const = 0;
  // Namespace-qualified name: "nn.Linear", "nnq.Linear", "nnqd.Linear", "nni.ConvReLU2d", ...
  virtual std::string qualified_name() const { return type_name(); }

  // The one-tensor forward. The default throws qjit::Error: the module takes other arguments.
  virtual Tensor forward(const Tensor& x);
  // forward(x), then the forward hooks.
  Tensor operator()(const Tensor& x);

  // A copy of this module alone (children not copied: deep_clone() handles them). Implemented by ModuleBase<T>.
  virtual std::shared_ptr<Module> clone_self() const = 0;
  // A copy of the whole subtree (hooks and annotations copied, tensors shared).
  std::shared_ptr<Module> deep_clone() const;

  // ---- children, by name, in order
  // Adds a child; the name must be new, non-empty and contain no '.'. Returns the module, typed.
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> m) {
    register_child(std::move(name), m);
    return m;
  }
  // The child in slot `name` (qjit::Error if there is none).
  Module& child(std::string_view name) const;
  std::shared_ptr<Module> child_ptr(std::string_view name) const;
  bool has_child(std::string_view name) const;
  // Replaces the module in slot `name` (which must exist).
  void set_child(std::string_view name, std::shared_ptr<Module> m);
  // Removes the slot `name` (which must exist).
  void remove_child(std::string_view name);
  // The slot reached by a dotted path from this module ("features.0.conv"); "" is this module itself.
  std::shared_ptr<Module> get_submodule(std::string_view path) const;
  // Replaces the module at a dotted path (not "").
  void set_submodule(std::string_view path, std::shared_ptr<Module> m);
  // Calls the child in slot `name` with x (forward + hooks). A qjit::Error raised inside it comes out as a
  // ModuleError naming the child's dotted path and type.
  Tensor call(std::string_view name, const Tensor& x) const;

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  std::vector<std::shared_ptr<Module>> children() const;
  // This module ("" or prefix) and every descendant, depth first in registration order, with dotted names.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules(const std::string& prefix = "");

  // ---- mode
  // Sets this module and every descendant; returns *this.
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }

  // ---- forward hooks: hook(module, input, output) returns the (possibly replaced) output.
  using ForwardHook = std::function<Tensor(Module&, const Tensor&, const Tensor&)>;
  // Returns a handle for remove_forward_hook.
  int register_forward_hook(ForwardHook hook);
  void remove_forward_hook(int handle);
  void clear_forward_hooks() { hooks_.clear(); }
  size_t forward_hook_count() const { return hooks_.size(); }
  // (handle, hook) in call order: what convert and fuse_modules carry over to the module replacing this one.
  const std::vector<std::pair<int, ForwardHook>>& forward_hooks() const { return hooks_; }
  // Runs the hooks on (x, y); modules with their own typed calls use it to honour hooks.
  Tensor run_forward_hooks(const Tensor& x, Tensor y);

  // ---- annotations for the workflow
  std::shared_ptr<const ModuleAnnotation> qconfig;

  // "Linear(in_features=4, out_features=2, bias=True)": type and arguments, as PyTorch prints a module.
  virtual std::string extra_repr() const { return ""; }
  // The tree, indented, as print(model) shows it in PyTorch.
  std::string to_string() const;

 protected:
  Module() = default;
  Module(const Module&) = default;  // copies hooks and annotations; children are re-cloned by deep_clone()
  Module& operator=(const Module&) = default;

 private:
  void register_child(std::string name, std::shared_ptr<Module> m);
  void collect(const std::string& prefix, std::vector<std::pair<std::string, std::shared_ptr<Module>>>& out,
               const std::shared_ptr<Module>& self);
  void append_repr(std::string& out, int indent) const;

  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::vector<std::pair<int, ForwardHook>> hooks_;
  int next_hook_ = 0;
  bool training_ = true;
};

// A qjit::Error raised inside a child module, with where it happened: "fc (nn.Linear): linear: input = ...".
// Each parent that runs a child through its slot (call(), Sequential) prefixes the slot name, so the message of an
// error deep in a model names the full dotted path from the module that was called ("block.0.conv").
class ModuleError : public Error {
 public:
  ModuleError(std::string path, std::string type, std::string cause);
  const std::string& path() const { return path_; }   // dotted module name, from the outermost parent
  const std::string& type() const { return type_; }   // qualified name of the module that failed
  const std::string& cause() const { return cause_; }  // the original message

 private:
  std::string path_, type_, cause_;
};

// Runs `child` (forward + hooks) as the child in slot `name` of its parent, adding the slot to any error's path.
Tensor call_child(std::string_view name, Module& child, const Tensor& x);

// Implements clone_self() for a concrete module type by its copy constructor.
template <class Derived, class Base = Module>
class ModuleBase : public Base {
 public:
  std::shared_ptr<Module> clone_self() const override {
    return std::make_shared<Derived>(static_cast<const Derived&>(*this));
  }

 protected:
  using Base::Base;
};

// A module that runs its children in order (torch.nn.Sequential); children are named "0", "1", ...
class Sequential : public ModuleBase<Sequential> {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);
  // Appends a module under the next index name.
  Sequential& push_back(std::shared_ptr<Module> m);
  // Named children (as an OrderedDict is given to nn.Sequential).
  Sequential& add(std::string name, std::shared_ptr<Module> m);
  size_t size() const { return named_children().size(); }
  std::string type_name() const override { return "Sequential"; }
  std::string qualified_name() const override { return "nn.Sequential"; }
  Tensor forward(const Tensor& x) override;
};

// torch.nn.Identity: returns its input (convert() puts it where a fused module's BN / ReLU was).
class Identity : public ModuleBase<Identity> {
 public:
  std::string type_name() const override { return "Identity"; }
  std::string qualified_name() const override { return "nn.Identity"; }
  Tensor forward(const Tensor& x) override { return x; }
};

[[noreturn]] void throw_child_type_mismatch(const Module& parent, std::string_view name, const Module& found);

// Typed access: the child in slot `name` as M, or qjit::Error naming the slot and the type found.
template <class M>
M& child_as(const Module& parent, std::string_view name) {
  Module& m = parent.child(name);
  if (auto* p = dynamic_cast<M*>(&m)) return *p;
  throw_child_type_mismatch(parent, name, m);
}

}  // namespace qjit::nn
