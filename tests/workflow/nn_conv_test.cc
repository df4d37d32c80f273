// Float Linear / Conv{1,2,3}d / ConvTranspose{1,2,3}d against direct scalar loops.
#include <gtest/gtest.h>

#include <array>

#include "tests/qlayers/expect_error.h"
#include "tests/workflow/nn_test_util.h"
#include "workflow/nn/conv.h"
#include "workflow/nn/linear.h"

namespace qjit::nn {
namespace {

using test::expect_close;
using test::expect_error;
using test::random_tensor;
using test::values;

TEST(NnLinear, MatchesScalarDotProductsOverTheLastDimension) {
  Linear m(5, 3);
  m.weight = random_tensor({3, 5}, 1);
  m.bias = random_tensor({3}, 2);
  const Tensor x = random_tensor({2, 4, 5}, 3);
  const auto w = values(m.weight), b = values(m.bias), xv = values(x);
  std::vector<float> ref;
  for (int r = 0; r < 8; ++r)
    for (int o = 0; o < 3; ++o) {
      double s = b[o];
      for (int i = 0; i < 5; ++i) s += double(xv[r * 5 + i]) * w[o * 5 + i];
      ref.push_back(float(s));
    }
  expect_close(m(x), {2, 4, 3}, ref);
}

TEST(NnLinear, WithoutBiasHasNoBiasAndPrintsIt) {
  Linear m(2, 2, false);
  EXPECT_FALSE(m.bias.defined());
  m.weight = from_vector({1.f, 2.f, 3.f, 4.f}, {2, 2});
  expect_close(m(from_vector({1.f, 1.f}, {1, 2})), {1, 2}, {3.f, 7.f});
  EXPECT_EQ(m.to_string(), "Linear(in_features=2, out_features=2, bias=False)");
  EXPECT_EQ(m.qualified_name(), "nn.Linear");
}

TEST(NnLinear, BadInputIsAnErrorNamingIt) {
  Linear m(4, 2);
  expect_error([&] { m(zeros({3, 5})); }, {"input", "[3, 5]", "in_features"});
  expect_error([&] { m(zeros({3, 4}, DType::int32)); }, {"input", "float32"});
  expect_error([&] { m(Tensor()); }, {"input", "undefined"});
  expect_error([] { Linear(0, 2); }, {"in_features", "0"});
  m.weight = zeros({2, 3});
  expect_error([&] { m(zeros({1, 4})); }, {"input"});
}

// The convolution by its definition, in the (D, H, W) slots: x [N, C, D, H, W], w [OC, C/g, KD, KH, KW].
std::vector<float> conv_ref(const std::vector<float>& x, std::array<int64_t, 5> xs, const std::vector<float>& w,
                            std::array<int64_t, 5> ws, const std::vector<float>& b, std::array<int64_t, 3> s,
                            std::array<int64_t, 3> p, std::array<int64_t, 3> d, int64_t g,
                            std::array<int64_t, 3>& out) {
  const int64_t N = xs[0], C = xs[1], OC = ws[0], Cg = ws[1], OCg = OC / g;
  for (int i = 0; i < 3; ++i) out[i] = (xs[2 + i] + 2 * p[i] - d[i] * (ws[2 + i] - 1) - 1) / s[i] + 1;
  std::vector<float> y;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < OC; ++oc)
      for (int64_t od = 0; od < out[0]; ++od)
        for (int64_t oh = 0; oh < out[1]; ++oh)
          for (int64_t ow = 0; ow < out[2]; ++ow) {
            double acc = b.empty() ? 0.0 : b[oc];
            for (int64_t ci = 0; ci < Cg; ++ci)
              for (int64_t kd = 0; kd < ws[2]; ++kd)
                for (int64_t kh = 0; kh < ws[3]; ++kh)
                  for (int64_t kw = 0; kw < ws[4]; ++kw) {
                    const int64_t id = od * s[0] - p[0] + kd * d[0], ih = oh * s[1] - p[1] + kh * d[1],
                                  iw = ow * s[2] - p[2] + kw * d[2];
                    if (id < 0 || id >= xs[2] || ih < 0 || ih >= xs[3] || iw < 0 || iw >= xs[4]) continue;
                    const int64_t c = (oc / OCg) * Cg + ci;
                    acc += double(x[(((n * C + c) * xs[2] + id) * xs[3] + ih) * xs[4] + iw]) *
                           w[(((oc * Cg + ci) * ws[2] + kd) * ws[3] + kh) * ws[4] + kw];
                  }
            y.push_back(float(acc));
          }
  return y;
}

// The transposed convolution by its definition (scatter): w [C, OC/g, KD, KH, KW].
std::vector<float> conv_transpose_ref(const std::vector<float>& x, std::array<int64_t, 5> xs,
                                      const std::vector<float>& w, std::array<int64_t, 5> ws,
                                      const std::vector<float>& b, int64_t g, std::array<int64_t, 3> s,
                                      std::array<int64_t, 3> p, std::array<int64_t, 3> op, std::array<int64_t, 3> d,
                                      std::array<int64_t, 3>& out) {
  const int64_t N = xs[0], C = xs[1], Cg = C / g, OCg = ws[1], OC = OCg * g;
  for (int i = 0; i < 3; ++i) out[i] = (xs[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (ws[2 + i] - 1) + op[i] + 1;
  const int64_t plane = out[0] * out[1] * out[2];
  std::vector<double> y(size_t(N * OC * plane));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < OC; ++oc)
      for (int64_t i = 0; i < plane; ++i) y[size_t((n * OC + oc) * plane + i)] = b.empty() ? 0.0 : b[oc];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t id = 0; id < xs[2]; ++id)
        for (int64_t ih = 0; ih < xs[3]; ++ih)
          for (int64_t iw = 0; iw < xs[4]; ++iw)
            for (int64_t oci = 0; oci < OCg; ++oci)
              for (int64_t kd = 0; kd < ws[2]; ++kd)
                for (int64_t kh = 0; kh < ws[3]; ++kh)
                  for (int64_t kw = 0; kw < ws[4]; ++kw) {
                    const int64_t od = id * s[0] - p[0] + kd * d[0], oh = ih * s[1] - p[1] + kh * d[1],
                                  ow = iw * s[2] - p[2] + kw * d[2];
                    if (od < 0 || od >= out[0] || oh < 0 || oh >= out[1] || ow < 0 || ow >= out[2]) continue;
                    const int64_t oc = (c / Cg) * OCg + oci;
                    y[size_t(((n * OC + oc) * out[0] + od) * out[1] * out[2] + oh * out[2] + ow)] +=
                        double(x[(((n * C + c) * xs[2] + id) * xs[3] + ih) * xs[4] + iw]) *
                        w[(((c * OCg + oci) * ws[2] + kd) * ws[3] + kh) * ws[4] + kw];
                  }
  return std::vector<float>(y.begin(), y.end());
}

// Pads a per-dimension vector of a Dims-d convolution into the (D, H, W) slots.
template <int Dims>
std::array<int64_t, 3> slots(const std::vector<int64_t>& v, int64_t fill) {
  std::array<int64_t, 3> a{fill, fill, fill};
  for (int i = 0; i < Dims; ++i) a[3 - Dims + i] = v[i];
  return a;
}

template <int Dims>
std::array<int64_t, 5> shape5(const std::vector<int64_t>& s) {
  std::array<int64_t, 5> a{s[0], s[1], 1, 1, 1};
  for (int i = 0; i < Dims; ++i) a[5 - Dims + i] = s[2 + i];
  return a;
}

struct ConvCase {
  int64_t in, out, groups;
  std::vector<int64_t> input_spatial, kernel, stride, padding, dilation;
  bool bias;
};

template <int Dims>
void check_conv(const ConvCase& c, unsigned seed) {
  SCOPED_TRACE("conv" + std::to_string(Dims) + "d in=" + std::to_string(c.in) + " out=" + std::to_string(c.out) +
               " groups=" + std::to_string(c.groups));
  ConvNd<Dims> m(c.in, c.out, c.kernel, c.stride, c.padding, c.dilation, c.groups, c.bias);
  m.weight = random_tensor(m.weight.sizes(), seed);
  if (c.bias) m.bias = random_tensor({c.out}, seed + 1);
  std::vector<int64_t> xs{2, c.in};
  xs.insert(xs.end(), c.input_spatial.begin(), c.input_spatial.end());
  const Tensor x = random_tensor(xs, seed + 2);
  std::array<int64_t, 3> out{};
  const auto ref = conv_ref(values(x), shape5<Dims>(xs), values(m.weight), shape5<Dims>(m.weight.sizes()),
                            c.bias ? values(m.bias) : std::vector<float>{}, slots<Dims>(m.stride, 1),
                            slots<Dims>(m.padding, 0), slots<Dims>(m.dilation, 1), c.groups, out);
  std::vector<int64_t> ys{2, c.out};
  for (int i = 0; i < Dims; ++i) ys.push_back(out[3 - Dims + i]);
  expect_close(m(x), ys, ref);
}

TEST(NnConv, Conv1dMatchesTheDefinitionWithStridePaddingDilationGroups) {
  check_conv<1>({4, 6, 2, {11}, {3}, {2}, {1}, {2}, true}, 10);
  check_conv<1>({3, 5, 1, {7}, {1}, {1}, {0}, {1}, false}, 11);  // 1x1: the direct GEMM path
  check_conv<1>({4, 4, 4, {9}, {5}, {1}, {2}, {1}, true}, 12);   // depthwise
}

TEST(NnConv, Conv2dMatchesTheDefinitionWithStridePaddingDilationGroups) {
  check_conv<2>({1, 16, 1, {8, 8}, {3}, {1}, {1}, {1}, false}, 20);
  check_conv<2>({4, 6, 2, {9, 10}, {3, 2}, {2, 1}, {1, 0}, {2, 1}, true}, 21);
  check_conv<2>({6, 6, 3, {7, 7}, {3}, {3}, {2}, {2}, true}, 22);
  check_conv<2>({5, 3, 1, {4, 6}, {1}, {1}, {0}, {1}, true}, 23);  // 1x1
  check_conv<2>({3, 7, 1, {5, 5}, {1}, {2}, {0}, {1}, true}, 24);  // 1x1 with stride: im2col path
}

TEST(NnConv, Conv3dMatchesTheDefinitionWithStridePaddingDilationGroups) {
  check_conv<3>({2, 4, 2, {5, 6, 4}, {3, 2, 2}, {1, 2, 1}, {1, 0, 1}, {1, 1, 2}, true}, 30);
  check_conv<3>({3, 2, 1, {4, 4, 4}, {2}, {2}, {0}, {1}, false}, 31);
}

struct ConvTCase {
  int64_t in, out, groups;
  std::vector<int64_t> input_spatial, kernel, stride, padding, output_padding, dilation;
  bool bias;
};

template <int Dims>
void check_conv_transpose(const ConvTCase& c, unsigned seed) {
  SCOPED_TRACE("conv_transpose" + std::to_string(Dims) + "d");
  ConvTransposeNd<Dims> m(c.in, c.out, c.kernel, c.stride, c.padding, c.output_padding, c.groups, c.bias, c.dilation);
  m.weight = random_tensor(m.weight.sizes(), seed);
  if (c.bias) m.bias = random_tensor({c.out}, seed + 1);
  std::vector<int64_t> xs{2, c.in};
  xs.insert(xs.end(), c.input_spatial.begin(), c.input_spatial.end());
  const Tensor x = random_tensor(xs, seed + 2);
  std::array<int64_t, 3> out{};
  const auto ref = conv_transpose_ref(values(x), shape5<Dims>(xs), values(m.weight), shape5<Dims>(m.weight.sizes()),
                                      c.bias ? values(m.bias) : std::vector<float>{}, c.groups,
                                      slots<Dims>(m.stride, 1), slots<Dims>(m.padding, 0),
                                      slots<Dims>(m.output_padding, 0), slots<Dims>(m.dilation, 1), out);
  std::vector<int64_t> ys{2, c.out};
  for (int i = 0; i < Dims; ++i) ys.push_back(out[3 - Dims + i]);
  expect_close(m(x), ys, ref);
}

TEST(NnConvTranspose, MatchesTheScatterDefinitionIn1d2d3d) {
  check_conv_transpose<1>({4, 6, 2, {5}, {3}, {2}, {1}, {1}, {1}, true}, 40);
  check_conv_transpose<2>({4, 6, 2, {4, 5}, {3, 2}, {2, 1}, {1, 0}, {1, 0}, {1, 2}, true}, 41);
  check_conv_transpose<2>({3, 2, 1, {3, 3}, {2}, {2}, {0}, {0}, {1}, false}, 42);
  check_conv_transpose<3>({2, 4, 1, {3, 2, 3}, {2, 3, 2}, {2, 1, 2}, {0, 1, 0}, {1, 0, 0}, {1, 1, 1}, true}, 43);
}

TEST(NnConv, ChannelsLastAndUnbatchedInputsGiveTheSameResult) {
  Conv2d m(3, 4, {3}, {1}, {1});
  m.weight = random_tensor(m.weight.sizes(), 50);
  m.bias = random_tensor({4}, 51);
  const Tensor x = random_tensor({1, 3, 5, 6}, 52);
  const auto expected = values(m(x));
  expect_close(m(x.contiguous(MemoryFormat::channels_last)), {1, 4, 5, 6}, expected, 0, 0);
  expect_close(m(x.view({3, 5, 6})), {4, 5, 6}, expected, 0, 0);
}

TEST(NnConv, ExtraReprIsPyTorchs) {
  EXPECT_EQ(Conv2d(1, 16, {3}, {1}, {1}, {1}, 1, false).to_string(),
            "Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)");
  EXPECT_EQ(Conv1d(4, 8, {3}, {2}, {0}, {2}, 2).to_string(),
            "Conv1d(4, 8, kernel_size=(3,), stride=(2,), dilation=(2,), groups=2)");
  EXPECT_EQ(ConvTranspose2d(4, 2, {3}, {2}, {1}, {1}).to_string(),
            "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))");
  EXPECT_EQ(Conv3d(1, 1, {1}).qualified_name(), "nn.Conv3d");
  EXPECT_EQ(ConvTranspose1d(1, 1, {1}).type_name(), "ConvTranspose1d");
}

TEST(NnConv, BadArgumentsAndInputsAreErrorsNamingThem) {
  expect_error([] { Conv2d(3, 4, {3}, {1}, {0}, {1}, 2); }, {"in_channels", "3", "groups"});
  expect_error([] { Conv2d(4, 4, {3, 3, 3}); }, {"kernel_size", "(3, 3, 3)"});
  expect_error([] { Conv2d(4, 4, {3}, {0}); }, {"stride", "(0, 0)"});
  expect_error([] { Conv2d(4, 4, {3}, {1}, {-1}); }, {"padding"});
  expect_error([] { Conv2d(4, 4, {3}, {1}, {0}, {1}, 1, true, "reflect"); }, {"padding_mode", "reflect"});
  expect_error([] { ConvTranspose2d(4, 4, {3}, {1}, {0}, {1}); }, {"output_padding", "(1, 1)"});
  Conv2d m(3, 4, {3});
  expect_error([&] { m(zeros({1, 2, 5, 5})); }, {"input", "[1, 2, 5, 5]", "channels"});
  expect_error([&] { m(zeros({1, 3, 2, 5})); }, {"input", "smaller than the dilated kernel"});
  expect_error([&] { m(zeros({3, 5})); }, {"input", "3-D to 4-D"});
  expect_error([&] { m(zeros({1, 3, 5, 5}, DType::int64)); }, {"input", "float32"});
  m.bias = zeros({3});
  expect_error([&] { m(zeros({1, 3, 5, 5})); }, {"bias", "[4]"});
}

}  // namespace
}  // namespace qjit::nn
