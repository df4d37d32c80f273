// default_eval_fn (torch.ao.quantization.default_eval_fn, PyTorch 1.13.1): the calibration function quantize() is
// usually given: runs the model over every input of a calibration set and discards the outputs, so that the
// observers prepare() attached record their ranges.
//
// PyTorch iterates `for data, target in calib_data: model(data)`; both forms are offered: a list of inputs, or a
// list of (input, target) pairs whose targets are ignored. The inputs run in list order (a HistogramObserver's
// result depends on it). An error inside the model names the failing module and the index of the batch.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "qlayers/module.h"

namespace qjit {

void default_eval_fn(nn::Module& model, const std::vector<Tensor>& calib_data);
void default_eval_fn(nn::Module& model, const std::vector<std::pair<Tensor, Tensor>>& calib_data);

// The same as a run_fn for quantize(model, run_fn): captures the data by value.
std::function<void(nn::Module&)> default_eval_fn(std::vector<Tensor> calib_data);

}  // namespace qjit
