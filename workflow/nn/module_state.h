// What a float module owns besides its children: its parameters and buffers, by PyTorch's names, so that
// workflow/state_dict.h can list and load them with dotted paths ("bn1.running_mean").
// A module that has state implements HasState next to nn::Module; the tensors stay public members of the module
// (weight, bias, running_mean, ...), local_state() only points at them.
#pragma once

#include <string>
#include <vector>

#include "qlayers/tensor.h"

namespace qjit::nn {

enum class StateKind { parameter, buffer };

struct StateEntry {
  std::string name;  // local name: "weight", "running_mean", "weight_ih_l0"
  Tensor* tensor;    // the member holding it; loading replaces the handle, it never writes into shared storage
  StateKind kind;
};

class HasState {
 public:
  virtual ~HasState() = default;
  // This module's own entries (not its children's), in PyTorch's registration order. Absent tensors (a conv
  // built with bias=false) are not listed, as PyTorch does not list a None parameter.
  virtual std::vector<StateEntry> local_state() = 0;
};

// Appends {name, &t, kind} when t is defined.
inline void add_state(std::vector<StateEntry>& out, std::string name, Tensor& t, StateKind kind) {
  if (t.defined()) out.push_back({std::move(name), &t, kind});
}

}  // namespace qjit::nn
