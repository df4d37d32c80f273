#include "qlayers/pool_modules.h"

#include <utility>

#include "base/error.h"
#include "qlayers/functional_pool.h"

namespace qjit::nnq {
namespace {

// PyTorch prints an int argument as given: one value, or a tuple "(2, 3)".
std::string py_ints(const std::vector<int64_t>& v) {
  if (v.size() == 1) return std::to_string(v[0]);
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + ")";
}

const char* py_bool(bool b) { return b ? "True" : "False"; }

void check_window(std::string_view fn, std::string_view arg, const std::vector<int64_t>& v, bool may_be_empty) {
  check_arg((may_be_empty && v.empty()) || v.size() == 1 || v.size() == 2, fn, arg, shape_str(v),
            "must hold 1 or 2 values");
}

}  // namespace

MaxPool2d::MaxPool2d(std::vector<int64_t> kernel_size_, std::vector<int64_t> stride_, std::vector<int64_t> padding_,
                     std::vector<int64_t> dilation_, bool ceil_mode_)
    : kernel_size(std::move(kernel_size_)),
      stride(std::move(stride_)),
      padding(std::move(padding_)),
      dilation(std::move(dilation_)),
      ceil_mode(ceil_mode_) {
  check_window("nnq.MaxPool2d", "kernel_size", kernel_size, false);
  check_window("nnq.MaxPool2d", "stride", stride, true);
  check_window("nnq.MaxPool2d", "padding", padding, false);
  check_window("nnq.MaxPool2d", "dilation", dilation, false);
  if (stride.empty()) stride = kernel_size;
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + py_ints(kernel_size) + ", stride=" + py_ints(stride) + ", padding=" + py_ints(padding) +
         ", dilation=" + py_ints(dilation) + ", ceil_mode=" + py_bool(ceil_mode);
}

Tensor MaxPool2d::forward(const Tensor& x) { return max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode); }

AvgPool2d::AvgPool2d(std::vector<int64_t> kernel_size_, std::vector<int64_t> stride_, std::vector<int64_t> padding_,
                     bool ceil_mode_, bool count_include_pad_, std::optional<int64_t> divisor_override_)
    : kernel_size(std::move(kernel_size_)),
      stride(std::move(stride_)),
      padding(std::move(padding_)),
      ceil_mode(ceil_mode_),
      count_include_pad(count_include_pad_),
      divisor_override(divisor_override_) {
  check_window("nnq.AvgPool2d", "kernel_size", kernel_size, false);
  check_window("nnq.AvgPool2d", "stride", stride, true);
  check_window("nnq.AvgPool2d", "padding", padding, false);
  if (divisor_override) check_arg(*divisor_override != 0, "nnq.AvgPool2d", "divisor_override", 0, "must not be 0");
  if (stride.empty()) stride = kernel_size;
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + py_ints(kernel_size) + ", stride=" + py_ints(stride) + ", padding=" + py_ints(padding);
}

Tensor AvgPool2d::forward(const Tensor& x) {
  return avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(std::vector<int64_t> output_size_) : output_size(std::move(output_size_)) {
  check_window("nnq.AdaptiveAvgPool2d", "output_size", output_size, false);
  for (int64_t o : output_size) check_arg(o >= 1, "nnq.AdaptiveAvgPool2d", "output_size", o, "must be >= 1");
}

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + py_ints(output_size); }

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { return adaptive_avg_pool2d(x, output_size); }

}  // namespace qjit::nnq
