#include "qlayers/functional_pool.h"

#include <string>
#include <string_view>

#include "base/error.h"
#include "kernels/pool.h"
#include "qlayers/quantized_input.h"

namespace qjit {
namespace {

// A window argument expanded to one value per spatial dimension (PyTorch's _pair / _triple).
std::vector<int64_t> expand(std::string_view fn, std::string_view arg, const std::vector<int64_t>& v, size_t dims,
                            const std::vector<int64_t>& fallback) {
  if (v.empty()) return fallback;
  check_arg(v.size() == 1 || v.size() == dims, fn, arg, shape_str(v),
            "must hold 1 or " + std::to_string(dims) + " values");
  return v.size() == 1 ? std::vector<int64_t>(dims, v[0]) : v;
}

void check_all(std::string_view fn, std::string_view arg, const std::vector<int64_t>& v, int64_t min,
               std::string_view requirement) {
  for (int64_t e : v) check_arg(e >= min, fn, arg, shape_str(v), requirement);
}

struct Window {
  std::vector<int64_t> kernel, stride, padding, dilation;
};

Window window_args(std::string_view fn, size_t dims, const std::vector<int64_t>& kernel_size,
                   const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                   const std::vector<int64_t>& dilation) {
  check_arg(!kernel_size.empty(), fn, "kernel_size", shape_str(kernel_size), "must not be empty");
  Window w;
  w.kernel = expand(fn, "kernel_size", kernel_size, dims, {});
  w.stride = expand(fn, "stride", stride, dims, w.kernel);
  w.padding = expand(fn, "padding", padding, dims, std::vector<int64_t>(dims, 0));
  w.dilation = expand(fn, "dilation", dilation, dims, std::vector<int64_t>(dims, 1));
  check_all(fn, "kernel_size", w.kernel, 1, "must be > 0");
  check_all(fn, "stride", w.stride, 1, "must be > 0");
  check_all(fn, "dilation", w.dilation, 1, "must be > 0");
  check_all(fn, "padding", w.padding, 0, "must be >= 0");
  for (size_t i = 0; i < dims; ++i)
    check_arg(w.padding[i] <= w.kernel[i] / 2, fn, "padding", shape_str(w.padding),
              "must be at most half of kernel_size " + shape_str(w.kernel));
  return w;
}

// The pooled tensor viewed by the kernels: a channels_last input is [N][spatial][C]; a contiguous one is N*C
// images of one channel, which is the same NHWC kernel with C = 1.
struct Layout {
  Tensor x;  // dense in `format`
  MemoryFormat format;
  PoolDesc desc;
  std::vector<int64_t> out_sizes;  // the output's logical sizes, filled by the caller's spatial sizes
  size_t spatial_begin;            // index of the first spatial dimension in sizes()
};

Layout layout_of(const Tensor& x, size_t dims) {
  Layout l;
  const auto& s = x.sizes();
  const bool batched = s.size() == dims + 2;
  l.format = batched ? detail::working_format(x) : MemoryFormat::contiguous;  // [C, D, H, W] is not NHWC
  l.x = x.contiguous(l.format);
  l.spatial_begin = batched ? 2 : 1;
  const int64_t n = batched ? s[0] : 1, c = s[l.spatial_begin - 1];
  if (l.format == MemoryFormat::channels_last) {
    l.desc.batch = n;
    l.desc.channels = c;
  } else {
    l.desc.batch = n * c;
    l.desc.channels = 1;
  }
  for (size_t i = 0; i < dims; ++i) l.desc.in[3 - dims + i] = s[l.spatial_begin + i];
  l.out_sizes = s;
  return l;
}

Tensor empty_output(const Tensor& x, const Layout& l) {
  return empty_affine_quantized(l.out_sizes, x.q_scale(), x.q_zero_point(), x.dtype(), l.format);
}

void set_output_size(std::string_view fn, Layout& l, size_t dims, size_t i, int64_t out) {
  check_arg(out >= 1, fn, "output size", out,
            "must be >= 1: the kernel is larger than the padded input " + shape_str(l.out_sizes));
  l.desc.out[3 - dims + i] = out;
}

void fill_window(Layout& l, size_t dims, const Window& w) {
  for (size_t i = 0; i < dims; ++i) {
    const size_t k = 3 - dims + i;
    l.desc.kernel[k] = w.kernel[i];
    l.desc.stride[k] = w.stride[i];
    l.desc.pad[k] = w.padding[i];
    l.desc.dilation[k] = w.dilation[i];
  }
}

Tensor max_pool(std::string_view fn, const Tensor& x, size_t dims, const Window& w, bool ceil_mode) {
  Layout l = layout_of(x, dims);
  fill_window(l, dims, w);
  std::vector<int64_t> out_spatial(dims);
  for (size_t i = 0; i < dims; ++i) {
    const int64_t o = pooling_output_size(l.desc.in[3 - dims + i], w.kernel[i], w.padding[i], w.stride[i],
                                          w.dilation[i], ceil_mode);
    set_output_size(fn, l, dims, i, o);
    out_spatial[i] = o;
  }
  for (size_t i = 0; i < dims; ++i) l.out_sizes[l.spatial_begin + i] = out_spatial[i];
  Tensor y = empty_output(x, l);
  if (y.numel() > 0) max_pool_nhwc(l.desc, qtype_of(x.dtype()), l.x.data_ptr(), y.data_ptr());
  return y;
}

Tensor avg_pool(std::string_view fn, const Tensor& x, size_t dims, const std::vector<int64_t>& kernel_size,
                const std::vector<int64_t>& stride, const std::vector<int64_t>& padding, bool ceil_mode,
                bool count_include_pad, std::optional<int64_t> divisor_override) {
  detail::check_quantized_activation(fn, x, {static_cast<int64_t>(dims) + 1, static_cast<int64_t>(dims) + 2});
  const Window w = window_args(fn, dims, kernel_size, stride, padding, {1});
  if (divisor_override) check_arg(*divisor_override != 0, fn, "divisor_override", *divisor_override, "must not be 0");
  Layout l = layout_of(x, dims);
  fill_window(l, dims, w);
  for (size_t i = 0; i < dims; ++i) {
    const int64_t o = pooling_output_size(l.desc.in[3 - dims + i], w.kernel[i], w.padding[i], w.stride[i], 1,
                                          ceil_mode);
    set_output_size(fn, l, dims, i, o);
  }
  for (size_t i = 0; i < dims; ++i) l.out_sizes[l.spatial_begin + i] = l.desc.out[3 - dims + i];
  Tensor y = empty_output(x, l);
  AvgPoolParams p;
  p.count_include_pad = count_include_pad;
  p.divisor_override = divisor_override.value_or(0);
  p.scale_ratio = 1.0;  // the output keeps the input's parameters
  p.in_zero_point = static_cast<int32_t>(x.q_zero_point());
  p.out_zero_point = p.in_zero_point;
  if (y.numel() > 0) avg_pool_nhwc(l.desc, p, qtype_of(x.dtype()), l.x.data_ptr(), y.data_ptr());
  return y;
}

Tensor adaptive_avg_pool(std::string_view fn, const Tensor& x, size_t dims, const std::vector<int64_t>& output_size) {
  detail::check_quantized_activation(fn, x, {static_cast<int64_t>(dims) + 1, static_cast<int64_t>(dims) + 2});
  check_arg(!output_size.empty(), fn, "output_size", shape_str(output_size), "must not be empty");
  const std::vector<int64_t> out = expand(fn, "output_size", output_size, dims, {});
  check_all(fn, "output_size", out, 1, "must be >= 1");
  Layout l = layout_of(x, dims);
  for (size_t i = 0; i < dims; ++i) {
    l.desc.out[3 - dims + i] = out[i];
    l.out_sizes[l.spatial_begin + i] = out[i];
  }
  Tensor y = empty_output(x, l);
  if (y.numel() > 0) adaptive_avg_pool_nhwc(l.desc, qtype_of(x.dtype()), l.x.data_ptr(), y.data_ptr());
  return y;
}

}  // namespace

Tensor max_pool1d(const Tensor& x, int64_t kernel_size, std::optional<int64_t> stride, int64_t padding,
                  int64_t dilation, bool ceil_mode) {
  constexpr std::string_view fn = "max_pool1d";
  detail::check_quantized_activation(fn, x, {2, 3});
  const Window w = window_args(fn, 1, {kernel_size}, stride ? std::vector<int64_t>{*stride} : std::vector<int64_t>{},
                               {padding}, {dilation});
  return max_pool(fn, x, 1, w, ceil_mode);
}

Tensor max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, bool ceil_mode) {
  constexpr std::string_view fn = "max_pool2d";
  detail::check_quantized_activation(fn, x, {3, 4});
  return max_pool(fn, x, 2, window_args(fn, 2, kernel_size, stride, padding, dilation), ceil_mode);
}

Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return avg_pool("avg_pool2d", x, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

Tensor avg_pool3d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return avg_pool("avg_pool3d", x, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

Tensor adaptive_avg_pool2d(const Tensor& x, const std::vector<int64_t>& output_size) {
  return adaptive_avg_pool("adaptive_avg_pool2d", x, 2, output_size);
}

Tensor adaptive_avg_pool3d(const Tensor& x, const std::vector<int64_t>& output_size) {
  return adaptive_avg_pool("adaptive_avg_pool3d", x, 3, output_size);
}

}  // namespace qjit
