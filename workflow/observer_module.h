// An observer (or fake-quantize module) as a module in the tree: what prepare() inserts as a module's
// `activation_post_process` child, as PyTorch does, so that named_modules() shows it, get_observer_dict() finds it
// and convert() reads the output quantization parameters from it. forward(x) runs the observer and returns its
// output (x itself for observers, the fake-quantized tensor for fake-quantize modules).
#pragma once

#include <memory>
#include <string>

#include "qlayers/module.h"
#include "workflow/observer.h"

namespace qjit {

class ObserverModule : public nn::ModuleBase<ObserverModule> {
 public:
  explicit ObserverModule(std::unique_ptr<ObserverBase> observer);
  // Copies deep-copy the observer and its statistics (deep_clone of a prepared model keeps what it has seen).
  ObserverModule(const ObserverModule& other);
  ObserverModule& operator=(const ObserverModule&) = delete;

  std::string type_name() const override { return observer_->name(); }
  std::string qualified_name() const override { return std::string("ao.") + observer_->name(); }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& x) override { return observer_->forward(x); }

  ObserverBase& observer() { return *observer_; }
  const ObserverBase& observer() const { return *observer_; }

  // The handle of the forward hook that runs this observer on its parent's output (prepare() sets it; -1 for a
  // slot the parent calls itself, as FloatFunctional does): what remove_observers and convert take off the parent
  // while leaving the user's own hooks in place.
  int parent_hook = -1;

 private:
  std::unique_ptr<ObserverBase> observer_;
};

}  // namespace qjit
