// The `embedding_bag` golden family (PyTorch 1.13.1) on Tensors: the functional prepack / unpack / rowwise_offsets
// ops and the nnq.Embedding / nnq.EmbeddingBag from_float paths (weight quantized with the float-qparams observer
// formula, module built from the quantized weight, forward), all bit-exact, under each engine.
// Mean / max golden cases hold PyTorch's sum (README surprise 7) and are run here with mode 0 only.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/embedding_bag.h"
#include "qlayers/embedding.h"
#include "qlayers/engine.h"
#include "qlayers/functional_embedding.h"
#include "qlayers/quantize.h"
#include "tests/support/compare.h"
#include "tests/support/golden.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::count_float_bit_differences;
using test::golden_doubles;
using test::golden_floats;
using test::golden_ints;
using test::golden_tensor;
using test::tensor_floats;
using test::tensor_ints;

std::vector<test::GoldenCase> cases_where(const std::string& name_prefix) {
  std::vector<test::GoldenCase> out;
  for (auto& c : test::load_golden_family("embedding_bag"))
    if (c.name.rfind(name_prefix, 0) == 0) out.push_back(std::move(c));
  return out;
}

TEST(EmbeddingGolden, FunctionalPrepackAndUnpackMatchPyTorch) {
  const auto cases = cases_where("prepack_");
  ASSERT_EQ(cases.size(), 3u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Tensor w = golden_tensor(c.json.at("inputs").at("weight"));
    Tensor packed, unpacked;
    if (c.name == "prepack_byte") {
      packed = embedding_bag_byte_prepack(w);
      unpacked = embedding_bag_byte_unpack(packed);
    } else if (c.name == "prepack_4bit") {
      packed = embedding_bag_4bit_prepack(w);
      unpacked = embedding_bag_4bit_unpack(packed);
    } else {
      packed = embedding_bag_2bit_prepack(w);
      unpacked = embedding_bag_2bit_unpack(packed);
    }
    const json& want = c.json.at("outputs");
    EXPECT_EQ(packed.sizes(), test::golden_shape(want.at("packed")));
    EXPECT_EQ(tensor_ints(packed), golden_ints(want.at("packed")));
    EXPECT_EQ(unpacked.sizes(), w.sizes());
    EXPECT_EQ(count_float_bit_differences(tensor_floats(unpacked), golden_floats(want.at("unpacked")), "unpacked"), 0u);
  }
}

TEST(EmbeddingGolden, FunctionalRowwiseOffsetsSumIsBitExactUnderEachEngine) {
  const auto cases = [] {
    std::vector<test::GoldenCase> all;
    for (const char* p : {"byte_", "4bit_", "2bit_"})
      for (auto& c : cases_where(p)) all.push_back(std::move(c));
    return all;
  }();
  ASSERT_EQ(cases.size(), 24u);
  int passed = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& in = c.json.at("inputs");
    const Tensor weight = golden_tensor(in.at("packed_weight"));
    const Tensor indices = golden_tensor(in.at("indices"));
    const Tensor offsets = golden_tensor(in.at("offsets"));
    const Tensor psw = in.at("per_sample_weights").is_null() ? Tensor() : golden_tensor(in.at("per_sample_weights"));
    const bool last = c.json.at("params").at("include_last_offset").get<bool>();
    for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
      EngineGuard guard(e);
      Tensor y;
      // mode 0: PyTorch computed the sum whatever the case's mode.
      if (c.name.rfind("byte_", 0) == 0)
        y = embedding_bag_byte_rowwise_offsets(weight, indices, offsets, false, 0, false, psw, {}, last);
      else if (c.name.rfind("4bit_", 0) == 0)
        y = embedding_bag_4bit_rowwise_offsets(weight, indices, offsets, false, 0, false, psw, {}, last);
      else
        y = embedding_bag_2bit_rowwise_offsets(weight, indices, offsets, false, 0, false, psw, {}, last);
      const json& want = c.json.at("engines").at(engine_name(e));
      EXPECT_EQ(y.sizes(), test::golden_shape(want));
      if (count_float_bit_differences(tensor_floats(y), golden_floats(want), engine_name(e)) == 0) ++passed;
    }
  }
  EXPECT_EQ(passed, 48);
}

// PerChannelMinMaxObserver(qscheme=per_channel_affine_float_qparams) over rows, in float32 (NUMERICS.md section 2):
// scale = (max - min) / (qmax - qmin), 1 when not > eps; zero point = -min / scale.
void float_qparams(const Tensor& w, int64_t qmax, std::vector<double>& scales, std::vector<float>& zps) {
  const std::vector<float> x = tensor_floats(w);
  const int64_t rows = w.size(0), dim = w.size(1);
  for (int64_t r = 0; r < rows; ++r) {
    float mn = x[r * dim], mx = x[r * dim];
    for (int64_t j = 1; j < dim; ++j) {
      mn = std::min(mn, x[r * dim + j]);
      mx = std::max(mx, x[r * dim + j]);
    }
    float s = (mx - mn) / static_cast<float>(qmax);
    s = s > 1.1920928955078125e-07f ? s : 1.0f;
    scales.push_back(s);
    zps.push_back(-mn / s);
  }
}

// The module's from_float: the golden qweight (dtype, qparams, integers) from the float weight, then the module
// from it; returns the module's weight() so callers can check it round-trips.
Tensor quantized_weight_from_float(const test::GoldenCase& c, DType dtype) {
  const Tensor wf = golden_tensor(c.json.at("inputs").at("weight_float"));
  std::vector<double> scales;
  std::vector<float> zps;
  float_qparams(wf, quant_max(dtype), scales, zps);
  const json& want = c.json.at("outputs").at("qweight");
  EXPECT_EQ(scales, golden_doubles(want.at("scale"))) << "observer scales";
  EXPECT_EQ(zps, golden_floats(want.at("zero_point"))) << "observer zero points";
  const Tensor q = quantize_per_channel(wf, scales, zps, 0, dtype);
  const Tensor gq = golden_tensor(want);
  EXPECT_EQ(tensor_ints(int_repr(q)), tensor_ints(int_repr(gq))) << "quantized weight";
  return gq;
}

// Runs the byte lookup over a packed table's raw rows with one bag per index.
std::vector<float> byte_lookup(const uint8_t* rows_data, size_t rows, size_t dim, const std::vector<int64_t>& idx) {
  std::vector<int64_t> off(idx.size());
  for (size_t i = 0; i < off.size(); ++i) off[i] = static_cast<int64_t>(i);
  std::vector<float> out(idx.size() * dim);
  embedding_bag(RowwiseTable{8, rows_data, rows, dim}, idx.data(), idx.size(), off.data(), off.size(), nullptr, {},
                out.data());
  return out;
}

TEST(EmbeddingGolden, EmbeddingModuleFromFloatIsBitExactForQuint8) {
  const auto cases = cases_where("module_Embedding_quint8");
  ASSERT_EQ(cases.size(), 1u);
  const auto& c = cases[0];
  const Tensor qweight = quantized_weight_from_float(c, DType::quint8);
  const auto m = nnq::Embedding::from_quantized(qweight);
  EXPECT_EQ(m->dtype(), DType::quint8);
  const Tensor back = m->weight();
  EXPECT_EQ(back.q_per_channel_scales(), qweight.q_per_channel_scales());
  EXPECT_EQ(back.q_per_channel_float_zero_points(), qweight.q_per_channel_float_zero_points());
  EXPECT_EQ(tensor_ints(int_repr(back)), tensor_ints(int_repr(qweight)));
  const Tensor indices = golden_tensor(c.json.at("inputs").at("indices"));
  for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
    EngineGuard guard(e);
    const Tensor y = (*m)(indices);
    const json& want = c.json.at("engines").at(engine_name(e));
    EXPECT_EQ(y.sizes(), test::golden_shape(want));
    EXPECT_EQ(count_float_bit_differences(tensor_floats(y), golden_floats(want), engine_name(e)), 0u);
  }
}

// PyTorch 1.13's nnq.Embedding(dtype=quint4x2) is broken: its output ([5, 4] for a [12, 16] table, values up to
// 1e16) is the *byte* lookup run over the 4-bit packed rows (4 "values", then the f16 scale / bias bytes read as
// f32). This test proves that reading bit for bit -- so the golden file holds a PyTorch bug, not a formula to
// follow -- and checks that qjit's module does the 4-bit lookup instead, equal to the 4-bit embedding bag with
// one row per bag (whose sum is proven bit-exact by the 4bit_* and module_EmbeddingBag_quint4x2 cases).
TEST(EmbeddingGolden, EmbeddingModuleQuint4x2DoesThe4BitLookupWherePyTorch113MisreadsTheTable) {
  const auto cases = cases_where("module_Embedding_quint4x2");
  ASSERT_EQ(cases.size(), 1u);
  const auto& c = cases[0];
  const Tensor qweight = quantized_weight_from_float(c, DType::quint4x2);
  const auto m = nnq::Embedding::from_quantized(qweight);
  EXPECT_EQ(m->dtype(), DType::quint4x2);
  EXPECT_EQ(tensor_ints(int_repr(m->weight())), tensor_ints(int_repr(qweight)));
  const Tensor indices = golden_tensor(c.json.at("inputs").at("indices"));
  const std::vector<int64_t> idx = golden_ints(c.json.at("inputs").at("indices"));

  const PackedEmbeddingTable& t = m->packed_table();
  const size_t row_bytes = rowwise_row_bytes(4, t.dim());
  const size_t misread_dim = row_bytes - 8;  // PyTorch's byte rows: values, f32 scale, f32 bias
  const std::vector<float> misread = byte_lookup(t.packed().data(), t.rows(), misread_dim, idx);
  for (const char* e : {"onednn", "qnnpack"}) {
    const json& want = c.json.at("engines").at(e);
    EXPECT_EQ(test::golden_shape(want), (std::vector<int64_t>{static_cast<int64_t>(idx.size()),
                                                              static_cast<int64_t>(misread_dim)}));
    EXPECT_EQ(count_float_bit_differences(misread, golden_floats(want), std::string(e) + " (PyTorch's misread)"), 0u);
  }

  const Tensor y = (*m)(indices);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{static_cast<int64_t>(idx.size()), 16}));
  const Tensor off = from_vector(std::vector<int64_t>{0, 1, 2, 3, 4}, {5});
  const Tensor bag = embedding_bag_4bit_rowwise_offsets(from_data(t.packed().data(),
                                                                  {static_cast<int64_t>(t.rows()),
                                                                   static_cast<int64_t>(row_bytes)},
                                                                  DType::uint8),
                                                        indices, off);
  EXPECT_EQ(count_float_bit_differences(tensor_floats(y), tensor_floats(bag), "4-bit lookup"), 0u);
}

TEST(EmbeddingGolden, EmbeddingBagModuleFromFloatSumIsBitExactForQuint8AndQuint4x2) {
  const auto cases = cases_where("module_EmbeddingBag_");
  ASSERT_EQ(cases.size(), 2u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const DType dtype = c.name.find("quint4x2") != std::string::npos ? DType::quint4x2 : DType::quint8;
    const auto m = nnq::EmbeddingBag::from_quantized(quantized_weight_from_float(c, dtype), "sum");
    const Tensor indices = golden_tensor(c.json.at("inputs").at("indices"));
    const Tensor offsets = golden_tensor(c.json.at("inputs").at("offsets"));
    for (QEngine e : {QEngine::onednn, QEngine::qnnpack}) {
      EngineGuard guard(e);
      const Tensor y = m->forward(indices, offsets);
      const json& want = c.json.at("engines").at(engine_name(e));
      EXPECT_EQ(y.sizes(), test::golden_shape(want));
      EXPECT_EQ(count_float_bit_differences(tensor_floats(y), golden_floats(want), engine_name(e)), 0u);
    }
  }
}

}  // namespace
}  // namespace qjit
