#include "workflow/nn/functional_modules.h"

#include <algorithm>

#include "base/error.h"
#include "workflow/nn/float_ops.h"

namespace qjit::nn {

namespace {

template <class Op>
Tensor broadcast_binary(const char* fn, const Tensor& a_in, const Tensor& b_in, Op op) {
  const Tensor a = detail::float_input(fn, a_in, 0, 64);
  const Tensor b = detail::float_input(fn, b_in, 0, 64);
  const int64_t nd = std::max(a.dim(), b.dim());
  std::vector<int64_t> sizes(nd), sa(nd, 0), sb(nd, 0);
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t ia = i - (nd - a.dim()), ib = i - (nd - b.dim());
    const int64_t da = ia >= 0 ? a.size(ia) : 1, db = ib >= 0 ? b.size(ib) : 1;
    check_arg(da == db || da == 1 || db == 1, fn, "other", b.to_string(),
              "cannot be broadcast with input " + a.to_string());
    sizes[i] = da == 1 ? db : da;
    if (ia >= 0 && da != 1) sa[i] = a.stride(ia);
    if (ib >= 0 && db != 1) sb[i] = b.stride(ib);
  }
  Tensor y = empty(sizes);
  const float* pa = a.data_ptr<float>();
  const float* pb = b.data_ptr<float>();
  float* py = y.data_ptr<float>();
  const int64_t n = y.numel();
  std::vector<int64_t> idx(nd, 0);
  int64_t oa = 0, ob = 0;
  for (int64_t i = 0; i < n; ++i) {
    py[i] = op(pa[oa], pb[ob]);
    for (int64_t d = nd - 1; d >= 0; --d) {  // odometer step
      if (++idx[d] < sizes[d]) {
        oa += sa[d];
        ob += sb[d];
        break;
      }
      oa -= sa[d] * (sizes[d] - 1);
      ob -= sb[d] * (sizes[d] - 1);
      idx[d] = 0;
    }
  }
  return y;
}

}  // namespace

Tensor add(const Tensor& x, const Tensor& y) {
  return broadcast_binary("add", x, y, [](float a, float b) { return a + b; });
}

Tensor mul(const Tensor& x, const Tensor& y) {
  return broadcast_binary("mul", x, y, [](float a, float b) { return a * b; });
}

Tensor cat(const std::vector<Tensor>& xs_in, int64_t dim) {
  constexpr const char* fn = "cat";
  check_arg(!xs_in.empty(), fn, "tensors", "[]", "must not be empty");
  std::vector<Tensor> xs;
  for (size_t i = 0; i < xs_in.size(); ++i) xs.push_back(detail::float_input(fn, xs_in[i], 1, 64));
  const int64_t nd = xs[0].dim();
  check_arg(dim >= -nd && dim < nd, fn, "dim", dim, "out of range for " + xs[0].to_string());
  if (dim < 0) dim += nd;
  std::vector<int64_t> sizes = xs[0].sizes();
  sizes[dim] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    bool same = xs[i].dim() == nd;
    for (int64_t d = 0; same && d < nd; ++d) same = d == dim || xs[i].size(d) == xs[0].size(d);
    check_arg(same, fn, ArgAt{"tensors", i}, xs[i].to_string(),
              "sizes must match " + xs[0].to_string() + " except in dimension " + std::to_string(dim));
    sizes[dim] += xs[i].size(dim);
  }
  Tensor y = empty(sizes);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= sizes[d];
  for (int64_t d = dim + 1; d < nd; ++d) inner *= sizes[d];
  float* py = y.data_ptr<float>();
  const int64_t row = sizes[dim] * inner;
  int64_t at = 0;
  for (const Tensor& x : xs) {
    const int64_t chunk = x.size(dim) * inner;
    for (int64_t o = 0; o < outer; ++o) std::copy_n(x.data_ptr<float>() + o * chunk, chunk, py + o * row + at);
    at += chunk;
  }
  return y;
}

FloatFunctional::FloatFunctional() { register_module("activation_post_process", std::make_shared<Identity>()); }

Tensor FloatFunctional::add(const Tensor& x, const Tensor& y) { return call("activation_post_process", nn::add(x, y)); }

Tensor FloatFunctional::add_scalar(const Tensor& x, double y) {
  // PyTorch does not observe add_scalar's output (its qparams are derived from the input's).
  return nn::add(x, full({}, y));
}

Tensor FloatFunctional::mul(const Tensor& x, const Tensor& y) { return call("activation_post_process", nn::mul(x, y)); }

Tensor FloatFunctional::mul_scalar(const Tensor& x, double y) { return nn::mul(x, full({}, y)); }

Tensor FloatFunctional::cat(const std::vector<Tensor>& xs, int64_t dim) {
  return call("activation_post_process", nn::cat(xs, dim));
}

Tensor FloatFunctional::add_relu(const Tensor& x, const Tensor& y) {
  return call("activation_post_process",
              broadcast_binary("add_relu", x, y, [](float a, float b) { const float s = a + b; return s < 0.f ? 0.f : s; }));
}

}  // namespace qjit::nn
