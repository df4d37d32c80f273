#include "kernels/conv_desc.h"

#include "base/error.h"
#include "kernels/conv_common.h"

namespace qjit {

using conv_common::dims_text;
using conv_common::kMaxSize;

void ConvDesc::validate(std::string_view fn) const {
  conv_common::check_channels(fn, spatial_dims, batch, in_channels, out_channels, groups);
  const int first = 3 - spatial_dims;  // the first dimension in use (W is always in use)
  for (size_t i = 0; i < 3; ++i) {
    if (static_cast<int>(i) < first) {
      // A dimension this convolution does not have must be neutral.
      const auto why = [&](const char* neutral) {
        return "must be at its default for a conv" + std::to_string(spatial_dims) + "d (" + neutral + ")";
      };
      check_arg(input[i] == 1, fn, ArgAt{"input", i}, input[i], [&] { return why("1"); });
      check_arg(kernel[i] == 1, fn, ArgAt{"kernel", i}, kernel[i], [&] { return why("1"); });
      check_arg(stride[i] == 1, fn, ArgAt{"stride", i}, stride[i], [&] { return why("1"); });
      check_arg(padding[i] == 0, fn, ArgAt{"padding", i}, padding[i], [&] { return why("0"); });
      check_arg(dilation[i] == 1, fn, ArgAt{"dilation", i}, dilation[i], [&] { return why("1"); });
      continue;
    }
    check_arg(input[i] > 0 && input[i] <= kMaxSize, fn, ArgAt{"input", i}, input[i], "must be in [1, 2^24]");
    check_arg(kernel[i] > 0 && kernel[i] <= kMaxSize, fn, ArgAt{"kernel", i}, kernel[i], "must be in [1, 2^24]");
    check_arg(stride[i] > 0 && stride[i] <= kMaxSize, fn, ArgAt{"stride", i}, stride[i], "must be in [1, 2^24]");
    check_arg(padding[i] >= 0 && padding[i] <= kMaxSize, fn, ArgAt{"padding", i}, padding[i], "must be in [0, 2^24]");
    check_arg(dilation[i] > 0 && dilation[i] <= kMaxSize, fn, ArgAt{"dilation", i}, dilation[i], "must be in [1, 2^24]");
    // The dilated kernel must fit the padded input, otherwise the output size is <= 0.
    const int64_t extent = dilation[i] * (kernel[i] - 1) + 1, padded = input[i] + 2 * padding[i];
    check_arg(extent <= padded, fn, ArgAt{"kernel", i}, kernel[i], [&] {
      return "the dilated kernel (extent " + std::to_string(extent) + ") is larger than the padded input (" +
             std::to_string(padded) + "): output size " + std::to_string((padded - extent) / stride[i] + 1) +
             " would be <= 0";
    });
  }
  // Products of the sizes must stay addressable (each factor is bounded, but not their product).
  conv_common::check_pixel_counts(fn, input, output(), spatial_dims);
}

std::array<int64_t, 3> ConvDesc::output() const {
  std::array<int64_t, 3> o{};
  for (size_t i = 0; i < 3; ++i)
    o[i] = (input[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i] + 1;
  return o;
}

size_t ConvDesc::output_pixels() const {
  const auto o = output();
  return static_cast<size_t>(batch) * static_cast<size_t>(o[0] * o[1] * o[2]);
}

size_t ConvDesc::input_pixels() const {
  return static_cast<size_t>(batch) * static_cast<size_t>(input[0] * input[1] * input[2]);
}

ConvWeightShape ConvDesc::weight_shape() const {
  ConvWeightShape s;
  s.out_channels = static_cast<size_t>(out_channels);
  s.in_channels = static_cast<size_t>(in_channels);
  s.groups = static_cast<size_t>(groups);
  for (size_t i = 0; i < 3; ++i) s.kernel[i] = static_cast<size_t>(kernel[i]);
  return s;
}

std::string ConvDesc::describe() const {
  return std::to_string(spatial_dims) + "d:n=" + std::to_string(batch) + ":c=" + std::to_string(in_channels) +
         ":oc=" + std::to_string(out_channels) + ":g=" + std::to_string(groups) + ":in=" + dims_text(input, spatial_dims) +
         ":k=" + dims_text(kernel, spatial_dims) + ":s=" + dims_text(stride, spatial_dims) +
         ":p=" + dims_text(padding, spatial_dims) + ":d=" + dims_text(dilation, spatial_dims);
}

}  // namespace qjit
