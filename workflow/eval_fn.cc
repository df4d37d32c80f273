#include "workflow/eval_fn.h"

#include <string>

#include "base/error.h"

namespace qjit {
namespace {
void run_batch(nn::Module& model, const Tensor& x, size_t index) {
  check_arg(x.defined(), "default_eval_fn", "calib_data[" + std::to_string(index) + "]", "undefined",
            "must be a defined tensor");
  try {
    model(x);
  } catch (const Error& e) {
    // The module's message says what is wrong; the batch index says which input of the set it was.
    throw Error("default_eval_fn: calib_data[" + std::to_string(index) + "] = " + x.to_string() + ": " + e.what());
  }
}
}  // namespace

void default_eval_fn(nn::Module& model, const std::vector<Tensor>& calib_data) {
  for (size_t i = 0; i < calib_data.size(); ++i) run_batch(model, calib_data[i], i);
}

void default_eval_fn(nn::Module& model, const std::vector<std::pair<Tensor, Tensor>>& calib_data) {
  for (size_t i = 0; i < calib_data.size(); ++i) run_batch(model, calib_data[i].first, i);
}

std::function<void(nn::Module&)> default_eval_fn(std::vector<Tensor> calib_data) {
  return [data = std::move(calib_data)](nn::Module& model) { default_eval_fn(model, data); };
}

}  // namespace qjit
