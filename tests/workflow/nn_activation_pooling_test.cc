// Float activations, Dropout, Flatten and 2-d pooling against scalar formulas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "tests/qlayers/expect_error.h"
#include "tests/workflow/nn_test_util.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/pooling.h"

namespace qjit::nn {
namespace {

using test::expect_close;
using test::expect_error;
using test::random_tensor;
using test::values;

template <class F>
std::vector<float> apply(const Tensor& x, F f) {
  std::vector<float> v = values(x);
  for (float& e : v) e = f(e);
  return v;
}

TEST(NnActivation, EachMatchesItsFormula) {
  const Tensor x = random_tensor({2, 3, 7}, 1, -8.f, 8.f);
  const std::vector<int64_t> s{2, 3, 7};
  expect_close(ReLU()(x), s, apply(x, [](float v) { return v > 0 ? v : 0.f; }), 0, 0);
  expect_close(ReLU6()(x), s, apply(x, [](float v) { return std::min(std::max(v, 0.f), 6.f); }), 0, 0);
  expect_close(Hardswish()(x), s, apply(x, [](float v) { return v * std::min(std::max(v + 3.f, 0.f), 6.f) / 6.f; }));
  expect_close(ELU(0.5)(x), s, apply(x, [](float v) { return v > 0 ? v : 0.5f * (std::exp(v) - 1.f); }));
  expect_close(LeakyReLU(0.2)(x), s, apply(x, [](float v) { return v >= 0 ? v : 0.2f * v; }));
  expect_close(Sigmoid()(x), s, apply(x, [](float v) { return 1.f / (1.f + std::exp(-v)); }));
  expect_close(Tanh()(x), s, apply(x, [](float v) { return std::tanh(v); }));
  expect_close(Dropout(0.3)(x), s, values(x), 0, 0);
  Dropout d;
  d.eval();
  expect_close(d(x), s, values(x), 0, 0);
}

TEST(NnActivation, ReprAndNamesArePyTorchs) {
  EXPECT_EQ(ReLU().to_string(), "ReLU()");
  EXPECT_EQ(ReLU(true).to_string(), "ReLU(inplace=True)");
  EXPECT_EQ(ELU().to_string(), "ELU(alpha=1.0)");
  EXPECT_EQ(LeakyReLU().to_string(), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(Dropout().to_string(), "Dropout(p=0.5, inplace=False)");
  EXPECT_EQ(Flatten().to_string(), "Flatten(start_dim=1, end_dim=-1)");
  EXPECT_EQ(Hardswish().qualified_name(), "nn.Hardswish");
}

TEST(NnActivation, NonFloatInputAndBadArgumentsAreErrors) {
  expect_error([] { ReLU()(zeros({2}, DType::int32)); }, {"nn.ReLU.forward", "input", "float32"});
  expect_error([] { Dropout(1.5); }, {"p", "1.5"});
  expect_error([] { Flatten(3)(zeros({2, 3})); }, {"start_dim", "3"});
}

TEST(NnFlatten, MergesTheGivenDimensions) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 2);
  EXPECT_EQ(Flatten()(x).sizes(), (std::vector<int64_t>{2, 60}));
  EXPECT_EQ(Flatten(1, 2)(x).sizes(), (std::vector<int64_t>{2, 12, 5}));
  EXPECT_EQ(Flatten(0, -2)(x).sizes(), (std::vector<int64_t>{24, 5}));
  EXPECT_EQ(values(Flatten()(x)), values(x));
  // A channels_last input is flattened in logical (NCHW) order.
  EXPECT_EQ(values(Flatten()(x.contiguous(MemoryFormat::channels_last))), values(x));
}

// max / average over windows by the definition, x [P, H, W].
std::vector<float> pool_ref(const std::vector<float>& x, int64_t P, int64_t H, int64_t W, int64_t k, int64_t s,
                            int64_t p, int64_t d, bool max, bool count_include_pad, int64_t OH, int64_t OW) {
  std::vector<float> y;
  for (int64_t pl = 0; pl < P; ++pl)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        float m = -std::numeric_limits<float>::infinity();
        double sum = 0;
        int64_t inside = 0, padded = 0;
        for (int64_t kh = 0; kh < k; ++kh)
          for (int64_t kw = 0; kw < k; ++kw) {
            const int64_t ih = oh * s - p + kh * d, iw = ow * s - p + kw * d;
            if (ih < H + p && iw < W + p) ++padded;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const float v = x[(pl * H + ih) * W + iw];
            m = std::max(m, v);
            sum += v;
            ++inside;
          }
        y.push_back(max ? m : float(sum / double(count_include_pad ? padded : inside)));
      }
  return y;
}

TEST(NnPooling, MaxPool2dMatchesTheDefinitionIncludingCeilModeAndDilation) {
  const Tensor x = random_tensor({2, 3, 7, 8}, 3);
  expect_close(MaxPool2d({2})(x), {2, 3, 3, 4}, pool_ref(values(x), 6, 7, 8, 2, 2, 0, 1, true, true, 3, 4), 0, 0);
  // ceil_mode: (7 - 2) / 2 rounded up + 1 = 4 rows, (8 - 2) / 2 + 1 = 4 columns.
  expect_close(MaxPool2d({2}, {}, {0}, {1}, false, true)(x), {2, 3, 4, 4},
               pool_ref(values(x), 6, 7, 8, 2, 2, 0, 1, true, true, 4, 4), 0, 0);
  // (7 + 2 - 2*2 - 1) / 2 + 1 = 3 and (8 + 2 - 2*2 - 1) / 2 + 1 = 3.
  expect_close(MaxPool2d({3}, {2}, {1}, {2})(x), {2, 3, 3, 3},
               pool_ref(values(x), 6, 7, 8, 3, 2, 1, 2, true, true, 3, 3), 0, 0);
  EXPECT_EQ(MaxPool2d({2}).to_string(), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
}

TEST(NnPooling, AvgPool2dCountsPaddingAsAskedAndHonoursDivisorOverride) {
  const Tensor x = random_tensor({1, 2, 5, 6}, 4);
  expect_close(AvgPool2d({3}, {2}, {1})(x), {1, 2, 3, 3},
               pool_ref(values(x), 2, 5, 6, 3, 2, 1, 1, false, true, 3, 3));
  expect_close(AvgPool2d({3}, {2}, {1}, false, false)(x), {1, 2, 3, 3},
               pool_ref(values(x), 2, 5, 6, 3, 2, 1, 1, false, false, 3, 3));
  std::vector<float> ref = pool_ref(values(x), 2, 5, 6, 2, 2, 0, 1, false, true, 2, 3);
  for (float& v : ref) v = v * 4.f / 3.f;
  expect_close(AvgPool2d({2}, {}, {0}, false, true, 3)(x), {1, 2, 2, 3}, ref);
  EXPECT_EQ(AvgPool2d({2}).to_string(), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
}

TEST(NnPooling, AdaptiveAvgPool2dUsesPyTorchsWindows) {
  const Tensor x = random_tensor({1, 2, 5, 7}, 5);
  const auto xv = values(x);
  std::vector<float> ref;
  for (int pl = 0; pl < 2; ++pl)
    for (int oh = 0; oh < 3; ++oh)
      for (int ow = 0; ow < 2; ++ow) {
        const int h0 = oh * 5 / 3, h1 = ((oh + 1) * 5 + 2) / 3, w0 = ow * 7 / 2, w1 = ((ow + 1) * 7 + 1) / 2;
        double s = 0;
        for (int h = h0; h < h1; ++h)
          for (int w = w0; w < w1; ++w) s += xv[(pl * 5 + h) * 7 + w];
        ref.push_back(float(s / ((h1 - h0) * (w1 - w0))));
      }
  expect_close(AdaptiveAvgPool2d({3, 2})(x), {1, 2, 3, 2}, ref);
  expect_close(AdaptiveAvgPool2d({3, 2})(x.view({2, 5, 7})), {2, 3, 2}, ref);
  EXPECT_EQ(AdaptiveAvgPool2d({1}).to_string(), "AdaptiveAvgPool2d(output_size=1)");
}

TEST(NnPooling, BadArgumentsAreErrors) {
  expect_error([] { MaxPool2d({2}, {}, {0}, {1}, true); }, {"return_indices"});
  expect_error([] { MaxPool2d({2})(zeros({1, 1, 1, 1})); }, {"input", "smaller than the pooling window"});
  expect_error([] { MaxPool2d({2}, {}, {2})(zeros({1, 1, 4, 4})); }, {"padding", "half"});
  expect_error([] { AvgPool2d({2}, {}, {0}, false, true, 0); }, {"divisor_override", "0"});
  expect_error([] { AdaptiveAvgPool2d({1, 2, 3}); }, {"output_size", "(1, 2, 3)"});
  expect_error([] { MaxPool2d({2})(zeros({4, 4})); }, {"input", "3-D to 4-D"});
}

}  // namespace
}  // namespace qjit::nn
