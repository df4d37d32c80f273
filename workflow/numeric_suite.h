// Numeric comparison of a float model and its quantized copy (torch.ao.ns._numeric_suite's compare_model_outputs /
// compare_weights, in spirit): both models run on the same input, the output of every module that has the same
// dotted name in both (the swapped layers: conv1, fc, ...) is recorded through a forward hook, and each pair is
// reported as SQNR and MSE of the quantized output (dequantized) against the float one. The models are left as they
// were (the hooks are removed after the run).
#pragma once

#include <string>
#include <vector>

#include "qlayers/module.h"

namespace qjit {

struct LayerComparison {
  std::string name;         // dotted module name
  std::string float_type;   // qualified names, e.g. "nni.ConvReLU2d" / "nniq.ConvReLU2d"
  std::string quant_type;
  double sqnr_db = 0;       // 10 * log10(sum f^2 / sum (f - q)^2); +inf when equal
  double mse = 0;           // mean (f - q)^2
  int64_t numel = 0;
};

// One entry per module name present in both models whose outputs have the same number of elements, in the order
// of the float model's named_modules(); the root ("") included as "(output)".
std::vector<LayerComparison> compare_model_outputs(nn::Module& float_model, nn::Module& quantized_model,
                                                   const Tensor& x);

// A table, one line per layer: name, types, SQNR (dB), MSE.
std::string format_comparison(const std::vector<LayerComparison>& rows);

}  // namespace qjit
