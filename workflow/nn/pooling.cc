#include "workflow/nn/pooling.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/error.h"
#include "qlayers/functional_pool.h"
#include "workflow/nn/float_ops.h"

namespace qjit::nn {

using detail::expand_arg;
using detail::py_bool;
using detail::py_int_or_tuple;

namespace {

struct Pool2dShape {
  Tensor x;  // contiguous, 4-D
  bool batched;
  int64_t planes, H, W, OH, OW;
  std::vector<int64_t> k, s, p, d;
};

int64_t pool_out(const char* fn, int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  check_arg(span >= 0, fn, "input", in, "smaller than the pooling window (" + std::to_string(d * (k - 1) + 1) + ")");
  int64_t out = (span + (ceil_mode ? s - 1 : 0)) / s + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;  // the last window must start inside the input or left padding
  return out;
}

Pool2dShape pool_shape(const char* fn, const Tensor& x_in, const std::vector<int64_t>& kernel,
                       const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                       const std::vector<int64_t>& dilation, bool ceil_mode) {
  Pool2dShape r;
  r.x = detail::float_input(fn, x_in, 3, 4);
  r.batched = r.x.dim() == 4;
  if (!r.batched) r.x = r.x.view({1, r.x.size(0), r.x.size(1), r.x.size(2)});
  r.k = expand_arg(fn, "kernel_size", kernel, 2);
  r.s = stride.empty() ? r.k : expand_arg(fn, "stride", stride, 2);
  r.p = expand_arg(fn, "padding", padding, 2);
  r.d = expand_arg(fn, "dilation", dilation, 2);
  for (int i = 0; i < 2; ++i) {
    check_arg(r.k[i] >= 1, fn, "kernel_size", py_int_or_tuple(kernel), "must be >= 1");
    check_arg(r.s[i] >= 1, fn, "stride", py_int_or_tuple(stride), "must be >= 1");
    check_arg(r.d[i] >= 1, fn, "dilation", py_int_or_tuple(dilation), "must be >= 1");
    check_arg(r.p[i] >= 0 && r.p[i] <= ((r.k[i] - 1) * r.d[i] + 1) / 2, fn, "padding", py_int_or_tuple(padding),
              "must be >= 0 and at most half of the effective kernel size");
  }
  r.planes = r.x.size(0) * r.x.size(1);
  r.H = r.x.size(2);
  r.W = r.x.size(3);
  r.OH = pool_out(fn, r.H, r.k[0], r.s[0], r.p[0], r.d[0], ceil_mode);
  r.OW = pool_out(fn, r.W, r.k[1], r.s[1], r.p[1], r.d[1], ceil_mode);
  return r;
}

Tensor output_like(const Pool2dShape& r) {
  return r.batched ? empty({r.x.size(0), r.x.size(1), r.OH, r.OW}) : empty({r.x.size(1), r.OH, r.OW});
}

}  // namespace

Tensor max_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, bool ceil_mode) {
  const Pool2dShape r = pool_shape("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode);
  Tensor y = output_like(r);
  const float* xp = r.x.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  for (int64_t pl = 0; pl < r.planes; ++pl)
    for (int64_t oh = 0; oh < r.OH; ++oh)
      for (int64_t ow = 0; ow < r.OW; ++ow) {
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t kh = 0; kh < r.k[0]; ++kh) {
          const int64_t ih = oh * r.s[0] - r.p[0] + kh * r.d[0];
          if (ih < 0 || ih >= r.H) continue;
          for (int64_t kw = 0; kw < r.k[1]; ++kw) {
            const int64_t iw = ow * r.s[1] - r.p[1] + kw * r.d[1];
            if (iw < 0 || iw >= r.W) continue;
            const float v = xp[(pl * r.H + ih) * r.W + iw];
            if (v > m || std::isnan(v)) m = v;  // NaN propagates, as in PyTorch
          }
        }
        yp[(pl * r.OH + oh) * r.OW + ow] = m;
      }
  return y;
}

Tensor avg_pool2d(const Tensor& x, const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  constexpr const char* fn = "avg_pool2d";
  if (divisor_override) check_arg(*divisor_override != 0, fn, "divisor_override", *divisor_override, "must not be 0");
  const Pool2dShape r = pool_shape(fn, x, kernel_size, stride, padding, {1}, ceil_mode);
  Tensor y = output_like(r);
  const float* xp = r.x.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  for (int64_t pl = 0; pl < r.planes; ++pl)
    for (int64_t oh = 0; oh < r.OH; ++oh)
      for (int64_t ow = 0; ow < r.OW; ++ow) {
        // PyTorch's window: clipped to input + padding for the pad count, then to the input for the sum.
        int64_t h0 = oh * r.s[0] - r.p[0], w0 = ow * r.s[1] - r.p[1];
        int64_t h1 = std::min(h0 + r.k[0], r.H + r.p[0]), w1 = std::min(w0 + r.k[1], r.W + r.p[1]);
        const int64_t pool_size = (h1 - h0) * (w1 - w0);
        h0 = std::max<int64_t>(h0, 0);
        w0 = std::max<int64_t>(w0, 0);
        h1 = std::min(h1, r.H);
        w1 = std::min(w1, r.W);
        float& out = yp[(pl * r.OH + oh) * r.OW + ow];
        if (h0 >= h1 || w0 >= w1) {  // a ceil_mode window entirely in the padding
          out = 0.f;
          continue;
        }
        float sum = 0.f;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) sum += xp[(pl * r.H + ih) * r.W + iw];
        const int64_t divisor = divisor_override ? *divisor_override
                                : count_include_pad ? pool_size
                                                    : (h1 - h0) * (w1 - w0);
        out = sum / static_cast<float>(divisor);
      }
  return y;
}

Tensor adaptive_avg_pool2d(const Tensor& x_in, const std::vector<int64_t>& output_size) {
  constexpr const char* fn = "adaptive_avg_pool2d";
  Tensor x = detail::float_input(fn, x_in, 3, 4);
  const bool batched = x.dim() == 4;
  if (!batched) x = x.view({1, x.size(0), x.size(1), x.size(2)});
  const std::vector<int64_t> o = expand_arg(fn, "output_size", output_size, 2);
  check_arg(o[0] >= 1 && o[1] >= 1, fn, "output_size", py_int_or_tuple(output_size), "must be >= 1");
  const int64_t planes = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  check_arg(H >= 1 && W >= 1, fn, "input", x.to_string(), "spatial sizes must be >= 1");
  Tensor y = batched ? empty({x.size(0), x.size(1), o[0], o[1]}) : empty({x.size(1), o[0], o[1]});
  const float* xp = x.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t oh = 0; oh < o[0]; ++oh) {
      const int64_t h0 = oh * H / o[0], h1 = ((oh + 1) * H + o[0] - 1) / o[0];
      for (int64_t ow = 0; ow < o[1]; ++ow) {
        const int64_t w0 = ow * W / o[1], w1 = ((ow + 1) * W + o[1] - 1) / o[1];
        float sum = 0.f;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) sum += xp[(pl * H + ih) * W + iw];
        yp[(pl * o[0] + oh) * o[1] + ow] = sum / static_cast<float>((h1 - h0) * (w1 - w0));
      }
    }
  return y;
}

MaxPool2d::MaxPool2d(const std::vector<int64_t>& k, const std::vector<int64_t>& s, const std::vector<int64_t>& p,
                     const std::vector<int64_t>& d, bool ri, bool cm)
    : kernel_size(k), stride(s.empty() ? k : s), padding(p), dilation(d), return_indices(ri), ceil_mode(cm) {
  constexpr const char* fn = "nn.MaxPool2d";
  check_arg(!ri, fn, "return_indices", "True", "is not supported");
  for (const auto& [name, v] : {std::pair{"kernel_size", &kernel_size}, {"stride", &stride}, {"padding", &padding},
                                {"dilation", &dilation}})
    expand_arg(fn, name, *v, 2);
}

Tensor MaxPool2d::forward(const Tensor& x) {
  if (x.defined() && x.is_quantized()) return qjit::max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
  return nn::max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + py_int_or_tuple(kernel_size) + ", stride=" + py_int_or_tuple(stride) +
         ", padding=" + py_int_or_tuple(padding) + ", dilation=" + py_int_or_tuple(dilation) +
         ", ceil_mode=" + py_bool(ceil_mode);
}

AvgPool2d::AvgPool2d(const std::vector<int64_t>& k, const std::vector<int64_t>& s, const std::vector<int64_t>& p,
                     bool cm, bool cip, std::optional<int64_t> div)
    : kernel_size(k), stride(s.empty() ? k : s), padding(p), ceil_mode(cm), count_include_pad(cip),
      divisor_override(div) {
  constexpr const char* fn = "nn.AvgPool2d";
  for (const auto& [name, v] : {std::pair{"kernel_size", &kernel_size}, {"stride", &stride}, {"padding", &padding}})
    expand_arg(fn, name, *v, 2);
  if (div) check_arg(*div != 0, fn, "divisor_override", *div, "must not be 0");
}

Tensor AvgPool2d::forward(const Tensor& x) {
  if (x.defined() && x.is_quantized())
    return qjit::avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  return nn::avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

// PyTorch's AvgPool2d prints only these three.
std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + py_int_or_tuple(kernel_size) + ", stride=" + py_int_or_tuple(stride) +
         ", padding=" + py_int_or_tuple(padding);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(const std::vector<int64_t>& o) : output_size(o) {
  expand_arg("nn.AdaptiveAvgPool2d", "output_size", o, 2);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  if (x.defined() && x.is_quantized()) return qjit::adaptive_avg_pool2d(x, output_size);
  return nn::adaptive_avg_pool2d(x, output_size);
}

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + py_int_or_tuple(output_size); }

}  // namespace qjit::nn
