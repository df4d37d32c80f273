#include "kernels/im2col_f32.h"

#include "base/error.h"

namespace qjit {

void Im2colGeometry::validate(std::string_view fn) const {
  check_arg(channels >= 1, fn, "channels", channels, "must be >= 1");
  for (size_t i = 0; i < 3; ++i) {
    check_arg(image[i] >= 1, fn, ArgAt{"image", i}, image[i], "must be >= 1");
    check_arg(grid[i] >= 1, fn, ArgAt{"grid", i}, grid[i], "must be >= 1");
    check_arg(kernel[i] >= 1, fn, ArgAt{"kernel", i}, kernel[i], "must be >= 1");
    check_arg(stride[i] >= 1, fn, ArgAt{"stride", i}, stride[i], "must be >= 1");
    check_arg(padding[i] >= 0, fn, ArgAt{"padding", i}, padding[i], "must be >= 0");
    check_arg(dilation[i] >= 1, fn, ArgAt{"dilation", i}, dilation[i], "must be >= 1");
  }
}

namespace {

// Calls f(row, col_index, image_index or -1 for padding) for every element of the column matrix, in its order.
template <class F>
void for_each_tap(const Im2colGeometry& g, F&& f) {
  const auto [ID, IH, IW] = g.image;
  const auto [OD, OH, OW] = g.grid;
  int64_t row = 0;
  for (int64_t c = 0; c < g.channels; ++c)
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw, ++row) {
          int64_t col = 0;
          for (int64_t od = 0; od < OD; ++od) {
            const int64_t id = od * g.stride[0] - g.padding[0] + kd * g.dilation[0];
            for (int64_t oh = 0; oh < OH; ++oh) {
              const int64_t ih = oh * g.stride[1] - g.padding[1] + kh * g.dilation[1];
              const bool row_inside = id >= 0 && id < ID && ih >= 0 && ih < IH;
              const int64_t base = ((c * ID + id) * IH + ih) * IW;
              for (int64_t ow = 0; ow < OW; ++ow, ++col) {
                const int64_t iw = ow * g.stride[2] - g.padding[2] + kw * g.dilation[2];
                f(row, col, row_inside && iw >= 0 && iw < IW ? base + iw : int64_t{-1});
              }
            }
          }
        }
}

}  // namespace

void im2col_f32(const float* image, const Im2colGeometry& g, float* col) {
  g.validate("im2col_f32");
  check_not_null("im2col_f32", "image", image);
  check_not_null("im2col_f32", "col", col);
  const int64_t cols = g.col_cols();
  for_each_tap(g, [&](int64_t r, int64_t c, int64_t i) { col[r * cols + c] = i < 0 ? 0.f : image[i]; });
}

void col2im_add_f32(const float* col, const Im2colGeometry& g, float* image) {
  g.validate("col2im_add_f32");
  check_not_null("col2im_add_f32", "col", col);
  check_not_null("col2im_add_f32", "image", image);
  const int64_t cols = g.col_cols();
  for_each_tap(g, [&](int64_t r, int64_t c, int64_t i) {
    if (i >= 0) image[i] += col[r * cols + c];
  });
}

}  // namespace qjit
