#include "qlayers/quantized_input.h"

#include <string>

#include "base/error.h"

namespace qjit::detail {

void check_quantized_activation(std::string_view fn, const Tensor& x, std::initializer_list<int64_t> ranks) {
  check_arg(x.defined(), fn, "x", "undefined", "must be a defined tensor");
  check_arg(x.dtype() == DType::quint8 || x.dtype() == DType::qint8, fn, "x", x.to_string(),
            "must be a quantized quint8 or qint8 tensor");
  check_arg(x.qscheme() == QScheme::per_tensor_affine || x.qscheme() == QScheme::per_tensor_symmetric, fn, "x",
            x.to_string(), "must be quantized per tensor");
  bool rank_ok = false;
  std::string allowed;
  for (int64_t r : ranks) {
    rank_ok = rank_ok || x.dim() == r;
    if (!allowed.empty()) allowed += " or ";
    allowed += std::to_string(r);
  }
  check_arg(rank_ok, fn, "x", x.to_string(), "must have " + allowed + " dimensions");
}

MemoryFormat working_format(const Tensor& x) {
  if (x.dim() != 4 && x.dim() != 5) return MemoryFormat::contiguous;
  return x.suggest_memory_format();
}

}  // namespace qjit::detail
