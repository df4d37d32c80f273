// qjit::Tensor: shapes and strides, memory formats, views and storage sharing, dtype checks, conversions,
// quantization parameters and quint4x2 packing.
#include "qlayers/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "kernels/reference/quantize_ref.h"
#include "qlayers/quantize.h"
#include "tests/qlayers/expect_error.h"

namespace qjit {
namespace {

using test::expect_error;

Tensor iota(const std::vector<int64_t>& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0.0f);
  return from_vector(v, sizes);
}

std::vector<float> values(const Tensor& t) {
  const Tensor c = t.contiguous();
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + c.numel());
}

TEST(Tensor, ShapeStridesAndNumelOfARowMajorTensor) {
  const Tensor t = empty({2, 3, 4});
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(t.strides(), (std::vector<int64_t>{12, 4, 1}));
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_EQ(t.size(-3), 2);
  EXPECT_EQ(t.dtype(), DType::float32);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_FALSE(t.is_contiguous(MemoryFormat::channels_last));
  expect_error([&] { t.size(3); }, {"Tensor::size", "dim", "3"});
  expect_error([&] { t.size(-4); }, {"Tensor::size", "dim", "-4"});
  EXPECT_EQ(empty({}).numel(), 1);  // a scalar
  EXPECT_EQ(empty({3, 0}).numel(), 0);
}

TEST(Tensor, StorageIs64ByteAlignedAndSized) {
  for (DType d : {DType::float32, DType::int64, DType::uint8, DType::float16}) {
    const Tensor t = empty({3, 7}, d);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data_ptr()) % 64, 0u) << dtype_name(d);
    EXPECT_EQ(t.storage()->nbytes(), 21 * element_size(d)) << dtype_name(d);
  }
  EXPECT_EQ(storage_nbytes({3, 5}, DType::quint4x2), 9u);  // ceil(5 / 2) bytes per row
  EXPECT_EQ(storage_nbytes({4, 6}, DType::quint4x2), 12u);
}

TEST(Tensor, ChannelsLastStridesFor4DAnd5D) {
  const Tensor a = empty({2, 3, 4, 5}, DType::float32, MemoryFormat::channels_last);
  EXPECT_EQ(a.strides(), (std::vector<int64_t>{60, 1, 15, 3}));
  EXPECT_TRUE(a.is_contiguous(MemoryFormat::channels_last));
  EXPECT_FALSE(a.is_contiguous());
  EXPECT_EQ(a.suggest_memory_format(), MemoryFormat::channels_last);
  const Tensor b = empty({2, 3, 4, 5, 6}, DType::float32, MemoryFormat::channels_last);
  EXPECT_EQ(b.strides(), (std::vector<int64_t>{360, 1, 90, 18, 3}));
  EXPECT_EQ(b.suggest_memory_format(), MemoryFormat::channels_last);
  // one channel: an NCHW tensor is dense in both formats and NCHW wins, as in PyTorch
  const Tensor one_channel = empty({2, 1, 4, 5});
  EXPECT_TRUE(one_channel.is_contiguous(MemoryFormat::channels_last));
  EXPECT_EQ(one_channel.suggest_memory_format(), MemoryFormat::contiguous);
  expect_error([] { empty({2, 3, 4}, DType::float32, MemoryFormat::channels_last); },
               {"empty", "memory_format", "channels_last", "3-D"});
}

TEST(Tensor, ChannelsLastContiguousRoundTrip4D) {
  const Tensor x = iota({2, 3, 4, 5});
  const Tensor nhwc = x.contiguous(MemoryFormat::channels_last);
  EXPECT_FALSE(nhwc.shares_storage_with(x));
  const float* p = nhwc.data_ptr<float>();
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t h = 0; h < 4; ++h)
        for (int64_t w = 0; w < 5; ++w)
          ASSERT_EQ(p[((n * 4 + h) * 5 + w) * 3 + c], static_cast<float>(((n * 3 + c) * 4 + h) * 5 + w));
  const Tensor back = nhwc.contiguous();
  EXPECT_TRUE(back.is_contiguous());
  EXPECT_EQ(values(back), values(x));
}

TEST(Tensor, ChannelsLastContiguousRoundTrip5D) {
  const Tensor x = iota({2, 3, 2, 4, 5});
  const Tensor ndhwc = x.contiguous(MemoryFormat::channels_last);
  const float* p = ndhwc.data_ptr<float>();
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t d = 0; d < 2; ++d)
        for (int64_t h = 0; h < 4; ++h)
          for (int64_t w = 0; w < 5; ++w)
            ASSERT_EQ(p[(((n * 2 + d) * 4 + h) * 5 + w) * 3 + c],
                      static_cast<float>((((n * 3 + c) * 2 + d) * 4 + h) * 5 + w));
  EXPECT_EQ(values(ndhwc.contiguous()), values(x));
}

TEST(Tensor, ContiguousReturnsTheSameStorageWhenAlreadyDense) {
  const Tensor x = iota({2, 3, 4, 5});
  EXPECT_TRUE(x.contiguous().shares_storage_with(x));
  const Tensor nhwc = x.contiguous(MemoryFormat::channels_last);
  EXPECT_TRUE(nhwc.contiguous(MemoryFormat::channels_last).shares_storage_with(nhwc));
}

TEST(Tensor, ViewsShareStorage) {
  Tensor x = iota({2, 6});
  Tensor v = x.view({3, 4});
  EXPECT_TRUE(v.shares_storage_with(x));
  v.data_ptr<float>()[5] = -1.0f;
  EXPECT_EQ(x.data_ptr<float>()[5], -1.0f);
  EXPECT_EQ(x.view({-1, 3}).sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(x.reshape({12}).sizes(), (std::vector<int64_t>{12}));

  const Tensor t = x.permute({1, 0});
  EXPECT_TRUE(t.shares_storage_with(x));
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{6, 2}));
  EXPECT_EQ(t.strides(), (std::vector<int64_t>{1, 6}));
  EXPECT_FALSE(t.is_contiguous());
  expect_error([&] { t.view({12}); }, {"Tensor::view", "contiguous"});
  const Tensor r = t.reshape({12});  // a transposed tensor flattens through a copy
  EXPECT_FALSE(r.shares_storage_with(x));
  EXPECT_EQ(r.data_ptr<float>()[1], x.data_ptr<float>()[6]);
  expect_error([&] { x.view({5, -1}); }, {"Tensor::view", "sizes", "[5, -1]"});
  expect_error([&] { x.permute({0, 0}); }, {"Tensor::permute", "dims", "[0, 0]"});
}

TEST(Tensor, PermuteToNhwcIsChannelsLastLike) {
  const Tensor x = iota({2, 4, 5, 3}).permute({0, 3, 1, 2});  // NHWC data seen as NCHW
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_TRUE(x.is_contiguous(MemoryFormat::channels_last));
  EXPECT_EQ(x.suggest_memory_format(), MemoryFormat::channels_last);
}

TEST(Tensor, CloneIsIndependentAndKeepsTheMemoryFormat) {
  Tensor x = iota({2, 3, 4, 5}).contiguous(MemoryFormat::channels_last);
  Tensor y = x.clone();
  EXPECT_FALSE(y.shares_storage_with(x));
  EXPECT_TRUE(y.is_contiguous(MemoryFormat::channels_last));
  y.data_ptr<float>()[0] = 100.0f;
  EXPECT_EQ(x.data_ptr<float>()[0], 0.0f);
  EXPECT_EQ(values(x.clone()), values(x));
}

TEST(Tensor, DataPtrChecksTheDType) {
  const Tensor u = zeros({4}, DType::uint8);
  EXPECT_NE(u.data_ptr<uint8_t>(), nullptr);
  expect_error([&] { u.data_ptr<float>(); }, {"data_ptr", "float", "uint8"});
  expect_error([&] { u.data_ptr<int8_t>(); }, {"data_ptr", "int8_t", "uint8"});
  const Tensor q = quantize_per_tensor(from_vector({1.0f, 2.0f}), 0.5, 3, DType::qint32);
  EXPECT_NE(q.data_ptr<int32_t>(), nullptr);  // quantized dtypes are their integer storage
  expect_error([&] { q.data_ptr<float>(); }, {"data_ptr", "float", "qint32"});
  expect_error([] { Tensor().dim(); }, {"undefined"});
}

TEST(Tensor, Float16RoundTripIsExactOnHalfValuesAndRoundsToNearestEven) {
  const std::vector<float> v = {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f,
                                1.0f / 3.0f, 65520.0f, 1e-8f, 2049.0f};
  const Tensor h = from_vector(v).to(DType::float16);
  EXPECT_EQ(h.dtype(), DType::float16);
  EXPECT_EQ(h.storage()->nbytes(), v.size() * 2);
  const uint16_t* bits = h.data_ptr<uint16_t>();
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(bits[i], ref::f32_to_f16_val(v[i])) << v[i];
  const std::vector<float> back = values(h.to(DType::float32));
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(std::memcmp(&back[i], &v[i], 4), 0) << v[i];  // representable: exact
  EXPECT_EQ(back[7], ref::f16_to_f32_val(ref::f32_to_f16_val(1.0f / 3.0f)));
  EXPECT_TRUE(std::isinf(back[8]));  // rounds up past 65504
  EXPECT_EQ(back[9], 0.0f);
  EXPECT_EQ(back[10], 2048.0f);  // tie to even
}

TEST(Tensor, ToIntegerTruncatesAndRejectsOutOfRange) {
  const Tensor x = from_vector({1.7f, -1.7f, 255.9f, -0.5f});
  EXPECT_EQ(values(x.to(DType::int32).to(DType::float32)), (std::vector<float>{1, -1, 255, 0}));
  const Tensor i64 = x.to(DType::int64);
  EXPECT_EQ(i64.data_ptr<int64_t>()[2], 255);
  expect_error([] { from_vector({3e9f}).to(DType::int32); }, {"Tensor::to", "element", "3e+09", "int32"});
  expect_error([] { from_vector({NAN}).to(DType::int64); }, {"Tensor::to", "nan"});
  expect_error([] { from_vector(std::vector<int64_t>{300}, {1}).to(DType::uint8); }, {"Tensor::to", "300", "uint8"});
  EXPECT_EQ(from_vector(std::vector<int8_t>{-5}, {1}).to(DType::float16).to(DType::float32).data_ptr<float>()[0],
            -5.0f);
  const Tensor same = x.to(DType::float32);
  EXPECT_TRUE(same.shares_storage_with(x));
}

TEST(Tensor, FactoriesFillAndCopy) {
  EXPECT_EQ(values(zeros({2, 2})), (std::vector<float>(4, 0.0f)));
  EXPECT_EQ(values(full({3}, 2.5)), (std::vector<float>(3, 2.5f)));
  EXPECT_EQ(full({2}, -7.0, DType::int8).data_ptr<int8_t>()[1], -7);
  EXPECT_EQ(full({2}, 1.0, DType::float16).data_ptr<uint16_t>()[0], 0x3c00);
  expect_error([] { full({2}, 300.0, DType::uint8); }, {"full", "300"});
  const int32_t raw[3] = {1, -2, 3};
  const Tensor t = from_data(raw, {3}, DType::int32);
  EXPECT_EQ(t.data_ptr<int32_t>()[1], -2);
  expect_error([] { from_vector(std::vector<float>{1, 2, 3}, {2, 2}); }, {"from_vector", "v.size()", "3"});
  expect_error([] { empty({2, -1}); }, {"empty", "sizes", "[2, -1]"});
  expect_error([] { empty({2}, DType::quint8); }, {"empty", "dtype", "quint8"});
}

TEST(Tensor, FromStorageRejectsAViewPastTheEnd) {
  auto storage = std::make_shared<Storage>(16);
  EXPECT_EQ(Tensor::from_storage(storage, 0, {2, 2}, {2, 1}, DType::float32).numel(), 4);
  expect_error([&] { Tensor::from_storage(storage, 1, {2, 2}, {2, 1}, DType::float32); },
               {"from_storage", "storage.nbytes()", "16"});
}

TEST(Tensor, PerTensorAccessorsAndMismatchErrors) {
  const Tensor q = quantize_per_tensor(from_vector({1.0f, -1.0f}), 0.25, 10, DType::quint8);
  EXPECT_EQ(q.qscheme(), QScheme::per_tensor_affine);
  EXPECT_EQ(q_scale(q), 0.25);
  EXPECT_EQ(q_zero_point(q), 10);
  expect_error([&] { q.q_per_channel_scales(); }, {"q_per_channel_scales", "qscheme", "per_tensor_affine"});
  expect_error([&] { q_per_channel_axis(q); }, {"q_per_channel_axis", "per_tensor_affine"});
  const Tensor f = from_vector({1.0f});
  expect_error([&] { f.q_scale(); }, {"q_scale", "dtype", "float32"});
  expect_error([&] { qscheme(f); }, {"qscheme", "float32"});
}

TEST(Tensor, PerChannelAccessorsAndMismatchErrors) {
  const Tensor q = quantize_per_channel(iota({2, 3}), {0.5, 0.25, 1.0}, std::vector<int64_t>{1, 2, 3}, 1,
                                        DType::qint8);
  EXPECT_EQ(qscheme(q), QScheme::per_channel_affine);
  EXPECT_EQ(q_per_channel_scales(q), (std::vector<double>{0.5, 0.25, 1.0}));
  EXPECT_EQ(q_per_channel_zero_points(q), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(q_per_channel_axis(q), 1);
  expect_error([&] { q.q_scale(); }, {"q_scale", "qscheme", "per_channel_affine"});
  expect_error([&] { q_zero_point(q); }, {"q_zero_point", "per_channel_affine"});
  expect_error([&] { q.q_per_channel_float_zero_points(); }, {"q_per_channel_float_zero_points", "integer"});
  const Tensor fq = quantize_per_channel(iota({2, 3}), {0.5, 0.25}, std::vector<float>{1.5f, 2.0f}, 0, DType::quint8);
  EXPECT_EQ(fq.qscheme(), QScheme::per_channel_affine_float_qparams);
  EXPECT_EQ(fq.q_per_channel_float_zero_points(), (std::vector<float>{1.5f, 2.0f}));
  expect_error([&] { fq.q_per_channel_zero_points(); },
               {"q_per_channel_zero_points", "per_channel_affine_float_qparams"});
}

TEST(Tensor, PerChannelAxisMovesWithPermuteAndViewKeepsIt) {
  const Tensor q = quantize_per_channel(iota({2, 3, 4}), {0.5, 0.25, 1.0}, std::vector<int64_t>{0, 0, 0}, 1,
                                        DType::qint8);
  const Tensor p = q.permute({2, 0, 1});
  EXPECT_TRUE(p.shares_storage_with(q));
  EXPECT_EQ(p.q_per_channel_axis(), 2);
  EXPECT_EQ(q.q_per_channel_axis(), 1);  // the original is untouched
  EXPECT_EQ(values(dequantize(p).permute({1, 2, 0})), values(dequantize(q)));
  EXPECT_EQ(q.view({2, 3, 2, 2}).q_per_channel_axis(), 1);
  expect_error([&] { q.view({6, 4}); }, {"Tensor::view", "axis 1"});
}

TEST(Tensor, Quint4x2PacksTwoValuesPerByteAlongTheLastDimension) {
  // 3 rows of 5 values: ceil(5 / 2) = 3 bytes per row, the even column in the low nibble.
  const std::vector<float> x = {0, 1, 2, 3, 4, 15, 14, 13, 12, 11, 20, -3, 7.5f, 8.5f, 9};
  const Tensor q =
      quantize_per_channel(from_vector(x, {3, 5}), {1.0, 1.0, 1.0}, std::vector<float>{0, 0, 0}, 0, DType::quint4x2);
  EXPECT_EQ(q.storage()->nbytes(), 9u);
  const Tensor packed = int_repr(q);
  EXPECT_EQ(packed.sizes(), (std::vector<int64_t>{3, 3}));
  const std::vector<uint8_t> want = {0x10, 0x32, 0x04, 0xEF, 0xCD, 0x0B, 0x0F, 0x88, 0x09};  // 20 -> 15, -3 -> 0
  EXPECT_EQ(std::vector<uint8_t>(packed.data_ptr<uint8_t>(), packed.data_ptr<uint8_t>() + 9), want);
  const std::vector<float> back = values(dequantize(q));
  const std::vector<float> expected = {0, 1, 2, 3, 4, 15, 14, 13, 12, 11, 15, 0, 8, 8, 9};  // 7.5, 8.5 -> 8 (even)
  EXPECT_EQ(back, expected);
  // the same values rebuilt from unpacked integers pack to the same bytes
  const std::vector<uint8_t> ints = {0, 1, 2, 3, 4, 15, 14, 13, 12, 11, 15, 0, 8, 8, 9};
  const Tensor rebuilt = make_per_channel_quantized_tensor(from_vector(ints, {3, 5}), {1.0, 1.0, 1.0},
                                                           std::vector<float>{0, 0, 0}, 0, DType::quint4x2);
  EXPECT_EQ(std::memcmp(rebuilt.data_ptr(), q.data_ptr(), 9), 0);
  expect_error([&] { make_per_channel_quantized_tensor(from_vector(std::vector<uint8_t>{16}, {1, 1}), {1.0},
                                                       std::vector<float>{0}, 0, DType::quint4x2); },
               {"make_per_channel_quantized_tensor", "16", "[0, 15]"});
}

TEST(Tensor, Quint4x2StaysRowMajor) {
  const Tensor q = quantize_per_channel(iota({2, 4}), {1.0, 1.0}, std::vector<float>{0, 0}, 0, DType::quint4x2);
  expect_error([&] { q.permute({1, 0}); }, {"permute", "quint4x2"});
  EXPECT_EQ(q.view({2, 1, 4}).sizes(), (std::vector<int64_t>{2, 1, 4}));
  expect_error([&] { q.view({2, 2, 2}); }, {"view", "quint4x2", "last dimension"});
  EXPECT_EQ(values(dequantize(q.clone())), values(dequantize(q)));
}

}  // namespace
}  // namespace qjit
