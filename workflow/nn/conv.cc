#include "workflow/nn/conv.h"

#include <algorithm>

#include "base/error.h"
#include "kernels/im2col_f32.h"
#include "kernels/sgemm.h"
#include "workflow/nn/float_ops.h"

namespace qjit::nn {

using detail::expand_arg;
using detail::py_tuple;

ConvBase::ConvBase(int dims, bool is_transposed, int64_t in, int64_t out, const std::vector<int64_t>& k,
                   const std::vector<int64_t>& s, const std::vector<int64_t>& p, const std::vector<int64_t>& op,
                   const std::vector<int64_t>& d, int64_t g, bool has_bias, const std::string& mode,
                   const std::string& fn)
    : in_channels(in),
      out_channels(out),
      kernel_size(expand_arg(fn, "kernel_size", k, dims)),
      stride(expand_arg(fn, "stride", s, dims)),
      padding(expand_arg(fn, "padding", p, dims)),
      dilation(expand_arg(fn, "dilation", d, dims)),
      output_padding(expand_arg(fn, "output_padding", op, dims)),
      transposed(is_transposed),
      groups(g),
      padding_mode(mode) {
  check_arg(g >= 1, fn, "groups", g, "must be >= 1");
  check_arg(in >= 1 && in % g == 0, fn, "in_channels", in, "must be >= 1 and divisible by groups");
  check_arg(out >= 1 && out % g == 0, fn, "out_channels", out, "must be >= 1 and divisible by groups");
  for (int i = 0; i < dims; ++i) {
    check_arg(kernel_size[i] >= 1, fn, "kernel_size", py_tuple(kernel_size), "must be >= 1");
    check_arg(stride[i] >= 1, fn, "stride", py_tuple(stride), "must be >= 1");
    check_arg(padding[i] >= 0, fn, "padding", py_tuple(padding), "must be >= 0");
    check_arg(dilation[i] >= 1, fn, "dilation", py_tuple(dilation), "must be >= 1");
    check_arg(output_padding[i] >= 0 && (output_padding[i] < stride[i] || output_padding[i] < dilation[i]), fn,
              "output_padding", py_tuple(output_padding), "must be >= 0 and smaller than either stride or dilation");
  }
  check_arg(mode == "zeros", fn, "padding_mode", mode, "only 'zeros' is supported");
  std::vector<int64_t> wshape = transposed ? std::vector<int64_t>{in, out / g} : std::vector<int64_t>{out, in / g};
  wshape.insert(wshape.end(), kernel_size.begin(), kernel_size.end());
  weight = zeros(wshape);
  if (has_bias) bias = zeros({out});
}

std::string ConvBase::extra_repr() const {
  const auto all = [](const std::vector<int64_t>& v, int64_t x) {
    return std::all_of(v.begin(), v.end(), [&](int64_t e) { return e == x; });
  };
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + py_tuple(kernel_size) + ", stride=" + py_tuple(stride);
  if (!all(padding, 0)) s += ", padding=" + py_tuple(padding);
  if (!all(dilation, 1)) s += ", dilation=" + py_tuple(dilation);
  if (!all(output_padding, 0)) s += ", output_padding=" + py_tuple(output_padding);
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=False";
  if (padding_mode != "zeros") s += ", padding_mode=" + padding_mode;
  return s;
}

std::vector<StateEntry> ConvBase::local_state() {
  std::vector<StateEntry> s;
  add_state(s, "weight", weight, StateKind::parameter);
  add_state(s, "bias", bias, StateKind::parameter);
  return s;
}

Tensor ConvBase::run(const Tensor& x) const {
  return transposed ? conv_transpose_nd(x, weight, bias, stride, padding, output_padding, dilation, groups)
                    : conv_nd(x, weight, bias, stride, padding, dilation, groups);
}

namespace {

// The common part of both directions: input checks, batching, geometry slots.
struct ConvCall {
  Tensor x;  // contiguous, batched
  bool batched;
  int dims;
  int64_t N, C;
  Im2colGeometry g;  // channels filled by the caller
  int64_t kernel_elems;
};

ConvCall prepare(const char* fn, const Tensor& x_in, const Tensor& weight, const std::vector<int64_t>& stride,
                 const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  check_arg(weight.defined() && weight.dim() >= 3 && weight.dim() <= 5, fn, "weight",
            weight.defined() ? weight.to_string() : "undefined", "must be a 3-D to 5-D tensor");
  check_arg(weight.dtype() == DType::float32, fn, "weight", weight.to_string(), "must be float32");
  const int dims = static_cast<int>(weight.dim()) - 2;
  ConvCall c;
  c.dims = dims;
  Tensor x = detail::float_input(fn, x_in, dims + 1, dims + 2);
  c.batched = x.dim() == dims + 2;
  if (!c.batched) {
    std::vector<int64_t> s = x.sizes();
    s.insert(s.begin(), 1);
    x = x.view(s);
  }
  c.x = x;
  c.N = x.size(0);
  c.C = x.size(1);
  check_arg(groups >= 1, fn, "groups", groups, "must be >= 1");
  for (const auto* v : {&stride, &padding, &dilation})
    check_arg(v->size() == size_t(dims), fn, "stride/padding/dilation", py_tuple(*v),
              "must hold one value per spatial dimension (" + std::to_string(dims) + ")");
  c.kernel_elems = 1;
  for (int i = 0; i < dims; ++i) {
    const size_t slot = 3 - dims + i;
    c.g.kernel[slot] = weight.size(2 + i);
    c.g.stride[slot] = stride[i];
    c.g.padding[slot] = padding[i];
    c.g.dilation[slot] = dilation[i];
    c.kernel_elems *= weight.size(2 + i);
    check_arg(stride[i] >= 1, fn, "stride", py_tuple(stride), "must be >= 1");
    check_arg(padding[i] >= 0, fn, "padding", py_tuple(padding), "must be >= 0");
    check_arg(dilation[i] >= 1, fn, "dilation", py_tuple(dilation), "must be >= 1");
  }
  return c;
}

std::vector<int64_t> spatial_sizes(const std::array<int64_t, 3>& a, int dims) {
  return std::vector<int64_t>(a.end() - dims, a.end());
}

void fill_bias(float* y, const Tensor& bias, int64_t first_channel, int64_t channels, int64_t plane) {
  const float* b = bias.defined() ? bias.data_ptr<float>() : nullptr;
  for (int64_t c = 0; c < channels; ++c) std::fill(y + c * plane, y + (c + 1) * plane, b ? b[first_channel + c] : 0.f);
}

}  // namespace

Tensor conv_nd(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in, const std::vector<int64_t>& stride,
               const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  constexpr const char* fn = "conv";
  ConvCall c = prepare(fn, x_in, weight_in, stride, padding, dilation, groups);
  const Tensor weight = weight_in.contiguous();
  const int64_t OC = weight.size(0), Cg = weight.size(1), OCg = OC / groups;
  check_arg(OC % groups == 0, fn, "weight", weight.to_string(), "out_channels must be divisible by groups");
  check_arg(c.C == Cg * groups, fn, "input", c.x.to_string(),
            "channels must equal weight.size(1) * groups (" + std::to_string(Cg * groups) + ")");
  const Tensor bias = bias_in.defined() ? bias_in.contiguous() : bias_in;
  if (bias.defined()) detail::check_param(fn, "bias", bias, {OC});
  c.g.channels = Cg;
  for (int i = 0; i < c.dims; ++i) {
    const size_t slot = 3 - c.dims + i;
    c.g.image[slot] = c.x.size(2 + i);
    const int64_t span = c.g.dilation[slot] * (c.g.kernel[slot] - 1) + 1;
    const int64_t padded = c.g.image[slot] + 2 * c.g.padding[slot];
    check_arg(padded >= span, fn, "input", c.x.to_string(),
              "padded input (" + std::to_string(padded) + ") smaller than the dilated kernel (" + std::to_string(span) +
                  ") in spatial dimension " + std::to_string(i));
    c.g.grid[slot] = (padded - span) / c.g.stride[slot] + 1;
  }
  std::vector<int64_t> out_sizes{c.N, OC};
  for (int64_t s : spatial_sizes(c.g.grid, c.dims)) out_sizes.push_back(s);
  Tensor y = empty(out_sizes);
  const int64_t P = c.g.col_cols(), K = c.g.col_rows();
  const int64_t in_plane = c.g.image[0] * c.g.image[1] * c.g.image[2];
  const bool direct = c.kernel_elems == 1 && c.g.stride == std::array<int64_t, 3>{1, 1, 1} &&
                      c.g.padding == std::array<int64_t, 3>{0, 0, 0};
  std::vector<float> col(direct ? 0 : size_t(K * P));
  const float* xp = c.x.data_ptr<float>();
  const float* wp = weight.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t grp = 0; grp < groups; ++grp) {
      const float* image = xp + (n * c.C + grp * Cg) * in_plane;
      if (!direct) im2col_f32(image, c.g, col.data());
      float* out = yp + (n * OC + grp * OCg) * P;
      fill_bias(out, bias, grp * OCg, OCg, P);
      sgemm(false, false, size_t(OCg), size_t(P), size_t(K), 1.f, wp + grp * OCg * K, size_t(K),
            direct ? image : col.data(), size_t(P), 1.f, out, size_t(P));
    }
  if (!c.batched) {
    std::vector<int64_t> s = y.sizes();
    s.erase(s.begin());
    y = y.view(s);
  }
  return y;
}

Tensor conv_transpose_nd(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in,
                         const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                         const std::vector<int64_t>& output_padding, const std::vector<int64_t>& dilation,
                         int64_t groups) {
  constexpr const char* fn = "conv_transpose";
  ConvCall c = prepare(fn, x_in, weight_in, stride, padding, dilation, groups);
  check_arg(output_padding.size() == size_t(c.dims), fn, "output_padding", py_tuple(output_padding),
            "must hold one value per spatial dimension");
  const Tensor weight = weight_in.contiguous();
  const int64_t Cw = weight.size(0), OCg = weight.size(1), OC = OCg * groups;
  check_arg(Cw % groups == 0, fn, "weight", weight.to_string(), "in_channels must be divisible by groups");
  check_arg(c.C == Cw, fn, "input", c.x.to_string(), "channels must equal weight.size(0) (" + std::to_string(Cw) + ")");
  const int64_t Cg = Cw / groups;
  const Tensor bias = bias_in.defined() ? bias_in.contiguous() : bias_in;
  if (bias.defined()) detail::check_param(fn, "bias", bias, {OC});
  c.g.channels = OCg;
  for (int i = 0; i < c.dims; ++i) {
    const size_t slot = 3 - c.dims + i;
    const int64_t op = output_padding[i];
    check_arg(op >= 0 && (op < stride[i] || op < dilation[i]), fn, "output_padding", py_tuple(output_padding),
              "must be >= 0 and smaller than either stride or dilation");
    c.g.grid[slot] = c.x.size(2 + i);
    const int64_t out = (c.g.grid[slot] - 1) * c.g.stride[slot] - 2 * c.g.padding[slot] +
                        c.g.dilation[slot] * (c.g.kernel[slot] - 1) + op + 1;
    check_arg(out >= 1, fn, "input", c.x.to_string(),
              "output size " + std::to_string(out) + " in spatial dimension " + std::to_string(i) + " is not positive");
    c.g.image[slot] = out;
  }
  std::vector<int64_t> out_sizes{c.N, OC};
  for (int64_t s : spatial_sizes(c.g.image, c.dims)) out_sizes.push_back(s);
  Tensor y = empty(out_sizes);
  const int64_t P = c.g.col_cols(), K = c.g.col_rows();  // K = OCg * kernel elements
  const int64_t out_plane = c.g.image[0] * c.g.image[1] * c.g.image[2];
  std::vector<float> col(size_t(K * P));
  const float* xp = c.x.data_ptr<float>();
  const float* wp = weight.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t grp = 0; grp < groups; ++grp) {
      // col [OCg * kernel, P] = W_g^T x_g, W_g being [Cg, OCg * kernel].
      sgemm(true, false, size_t(K), size_t(P), size_t(Cg), 1.f, wp + grp * Cg * K, size_t(K),
            xp + (n * c.C + grp * Cg) * P, size_t(P), 0.f, col.data(), size_t(P));
      float* out = yp + (n * OC + grp * OCg) * out_plane;
      fill_bias(out, bias, grp * OCg, OCg, out_plane);
      col2im_add_f32(col.data(), c.g, out);
    }
  if (!c.batched) {
    std::vector<int64_t> s = y.sizes();
    s.erase(s.begin());
    y = y.view(s);
  }
  return y;
}

}  // namespace qjit::nn
