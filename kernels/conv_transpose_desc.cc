#include "kernels/conv_transpose_desc.h"

#include "base/error.h"
#include "kernels/conv_common.h"

namespace qjit {

using conv_common::dims_text;
using conv_common::kMaxSize;

void ConvTransposeDesc::validate(std::string_view fn) const {
  conv_common::check_channels(fn, spatial_dims, batch, in_channels, out_channels, groups);
  const int first = 3 - spatial_dims;
  for (size_t i = 0; i < 3; ++i) {
    if (static_cast<int>(i) < first) {
      const auto why = [&](const char* neutral) {
        return "must be at its default for a conv_transpose" + std::to_string(spatial_dims) + "d (" + neutral + ")";
      };
      check_arg(input[i] == 1, fn, ArgAt{"input", i}, input[i], [&] { return why("1"); });
      check_arg(kernel[i] == 1, fn, ArgAt{"kernel", i}, kernel[i], [&] { return why("1"); });
      check_arg(stride[i] == 1, fn, ArgAt{"stride", i}, stride[i], [&] { return why("1"); });
      check_arg(padding[i] == 0, fn, ArgAt{"padding", i}, padding[i], [&] { return why("0"); });
      check_arg(output_padding[i] == 0, fn, ArgAt{"output_padding", i}, output_padding[i], [&] { return why("0"); });
      check_arg(dilation[i] == 1, fn, ArgAt{"dilation", i}, dilation[i], [&] { return why("1"); });
      continue;
    }
    check_arg(input[i] > 0 && input[i] <= kMaxSize, fn, ArgAt{"input", i}, input[i], "must be in [1, 2^24]");
    check_arg(kernel[i] > 0 && kernel[i] <= kMaxSize, fn, ArgAt{"kernel", i}, kernel[i], "must be in [1, 2^24]");
    check_arg(stride[i] > 0 && stride[i] <= kMaxSize, fn, ArgAt{"stride", i}, stride[i], "must be in [1, 2^24]");
    check_arg(padding[i] >= 0 && padding[i] <= kMaxSize, fn, ArgAt{"padding", i}, padding[i], "must be in [0, 2^24]");
    check_arg(dilation[i] > 0 && dilation[i] <= kMaxSize, fn, ArgAt{"dilation", i}, dilation[i], "must be in [1, 2^24]");
    check_arg(output_padding[i] >= 0, fn, ArgAt{"output_padding", i}, output_padding[i], "must be >= 0");
    // PyTorch's rule: otherwise the extra pixels would not be reachable by any input pixel's taps in a way the
    // forward convolution could have produced.
    check_arg(output_padding[i] < stride[i] || output_padding[i] < dilation[i], fn, ArgAt{"output_padding", i},
              output_padding[i], [&] {
                return "must be smaller than stride (" + std::to_string(stride[i]) + ") or dilation (" +
                       std::to_string(dilation[i]) + ")";
              });
    const int64_t out = (input[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) +
                        output_padding[i] + 1;
    check_arg(out > 0, fn, ArgAt{"padding", i}, padding[i],
              [&] { return "removes the whole output: output size " + std::to_string(out) + " would be <= 0"; });
    check_arg(out <= kMaxSize * 64, fn, ArgAt{"output", i}, out, "must be <= 2^30");
  }
  // Products of the sizes must stay addressable (each factor is bounded, but not their product).
  conv_common::check_pixel_counts(fn, input, output(), spatial_dims);
}

std::array<int64_t, 3> ConvTransposeDesc::output() const {
  std::array<int64_t, 3> o{};
  for (size_t i = 0; i < 3; ++i)
    o[i] = (input[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + output_padding[i] + 1;
  return o;
}

size_t ConvTransposeDesc::output_pixels() const {
  const auto o = output();
  return static_cast<size_t>(batch) * static_cast<size_t>(o[0] * o[1] * o[2]);
}

size_t ConvTransposeDesc::input_pixels() const {
  return static_cast<size_t>(batch) * static_cast<size_t>(input[0] * input[1] * input[2]);
}

ConvTransposeWeightShape ConvTransposeDesc::weight_shape() const {
  ConvTransposeWeightShape s;
  s.in_channels = static_cast<size_t>(in_channels);
  s.out_channels = static_cast<size_t>(out_channels);
  s.groups = static_cast<size_t>(groups);
  for (size_t i = 0; i < 3; ++i) s.kernel[i] = static_cast<size_t>(kernel[i]);
  return s;
}

std::string ConvTransposeDesc::describe() const {
  return std::to_string(spatial_dims) + "d:n=" + std::to_string(batch) + ":c=" + std::to_string(in_channels) +
         ":oc=" + std::to_string(out_channels) + ":g=" + std::to_string(groups) +
         ":in=" + dims_text(input, spatial_dims) + ":k=" + dims_text(kernel, spatial_dims) +
         ":s=" + dims_text(stride, spatial_dims) + ":p=" + dims_text(padding, spatial_dims) +
         ":op=" + dims_text(output_padding, spatial_dims) + ":d=" + dims_text(dilation, spatial_dims);
}

}  // namespace qjit
