#include "qlayers/expanding_array.h"

#include <string>

#include "base/error.h"
#include "qlayers/tensor.h"

namespace qjit {

std::vector<int64_t> ExpandingArray::expand(size_t dims, std::string_view fn, std::string_view arg) const {
  if (values_.size() == 1) return std::vector<int64_t>(dims, values_[0]);
  check_arg(values_.size() == dims, fn, arg, shape_str(values_),
            "must be one value or " + std::to_string(dims) + " values (one per spatial dimension)");
  return values_;
}

}  // namespace qjit
