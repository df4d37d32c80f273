// Reads a state dict from a JSON model file: the golden accuracy models (tests/data/golden/accuracy/*.json) and
// any file in the same tensor format (tests/data/golden/README.md): an object mapping names to
// {"dtype": "f32" | "f64" | "i64" | "i32" | "u8" | "i8", "shape": [...], "data": [...]} ("dtype" may be absent: f32).
// The file may hold the map at its top level or under a "state_dict" key. f32 values are parsed as doubles and
// cast to float (the files store the double equal to each float, so the bits are exact); f64 becomes float32.
#pragma once

#include <string>

#include "workflow/state_dict.h"

namespace qjit {

// Throws qjit::Error naming the path (unreadable file, bad JSON) or the key (bad tensor object).
StateDict read_state_dict_json(const std::string& path);

}  // namespace qjit
