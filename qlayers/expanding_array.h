// An int-or-tuple argument as PyTorch's modules take them (kernel_size=3 or kernel_size=(3, 2)); LibTorch calls
// the type ExpandingArray. A single value stands for every spatial dimension; a list must have one per dimension.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace qjit {

class ExpandingArray {
 public:
  ExpandingArray(int64_t v) : values_{v} {}  // NOLINT: implicit, as PyTorch's int arguments
  ExpandingArray(std::initializer_list<int64_t> v) : values_(v) {}
  ExpandingArray(std::vector<int64_t> v) : values_(std::move(v)) {}  // NOLINT

  // The values for `dims` dimensions; qjit::Error naming fn and arg when the list has another length.
  std::vector<int64_t> expand(size_t dims, std::string_view fn, std::string_view arg) const;

 private:
  std::vector<int64_t> values_;
};

}  // namespace qjit
