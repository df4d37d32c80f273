// The `embedding_bag` golden family (PyTorch 1.13.1) at the kernel layer: rowwise prepack / unpack byte for byte,
// and the lookup bit-exact on every path. PyTorch's FBGEMM-less build returns the sum for mode mean and max
// (README surprise 7), so those cases prove only the sum path: they are checked with mode sum, and with their own
// mode only on the bags where mean and max equal the sum (bags of zero or one row). What mean and max compute is
// tested against the reference in embedding_bag_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/embedding_bag.h"
#include "packing/embedding_rowwise.h"
#include "tests/support/compare.h"
#include "tests/support/golden.h"
#include "tests/support/isa_sweep.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::expect_float_bits_equal;
using test::golden_floats;
using test::golden_ints;
using test::golden_shape;

int bits_of_op(const std::string& op) {
  if (op.find("byte") != std::string::npos) return 8;
  if (op.find("4bit") != std::string::npos) return 4;
  if (op.find("2bit") != std::string::npos) return 2;
  ADD_FAILURE() << "unknown op " << op;
  return 8;
}

std::vector<test::GoldenCase> cases_of(const std::string& op_part) {
  std::vector<test::GoldenCase> out;
  for (auto& c : test::load_golden_family("embedding_bag"))
    if (c.json.at("op").get<std::string>().find(op_part) != std::string::npos) out.push_back(std::move(c));
  return out;
}

std::vector<uint8_t> bytes_of(const json& t) {
  std::vector<uint8_t> b;
  for (int64_t v : golden_ints(t)) b.push_back(static_cast<uint8_t>(v));
  return b;
}

TEST(EmbeddingBagGolden, PrepackMatchesPyTorchByteForByteAndUnpackBitForBit) {
  const auto cases = cases_of("_prepack");
  ASSERT_EQ(cases.size(), 3u) << "prepack_byte, prepack_4bit, prepack_2bit";
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const int bits = bits_of_op(c.json.at("op").get<std::string>());
    const json& w = c.json.at("inputs").at("weight");
    const auto shape = golden_shape(w);
    const size_t rows = shape.at(0), dim = shape.at(1);
    const std::vector<float> x = golden_floats(w);
    const std::vector<uint8_t> want = bytes_of(c.json.at("outputs").at("packed"));
    ASSERT_EQ(golden_shape(c.json.at("outputs").at("packed")).at(1), static_cast<int64_t>(rowwise_row_bytes(bits, dim)));
    std::vector<uint8_t> packed(rows * rowwise_row_bytes(bits, dim));
    rowwise_prepack(bits, x.data(), rows, dim, packed.data());
    ASSERT_EQ(packed.size(), want.size());
    size_t bad = 0;
    for (size_t i = 0; i < want.size(); ++i)
      if (packed[i] != want[i] && ++bad <= 5)
        ADD_FAILURE() << "packed byte " << i << " (row " << i / rowwise_row_bytes(bits, dim) << ", column "
                      << i % rowwise_row_bytes(bits, dim) << "): got " << int(packed[i]) << ", PyTorch " << int(want[i]);
    EXPECT_EQ(bad, 0u);
    std::vector<float> unpacked(rows * dim);
    rowwise_unpack(RowwiseTable{bits, want.data(), rows, dim}, unpacked.data());
    expect_float_bits_equal(unpacked, golden_floats(c.json.at("outputs").at("unpacked")), "unpacked");
  }
}

// Runs one golden lookup case with `mode` on path `isa`.
std::vector<float> run_case(const test::GoldenCase& c, EmbeddingBagMode mode, Isa isa, bool as_int32) {
  const json& in = c.json.at("inputs");
  const int bits = bits_of_op(c.json.at("op").get<std::string>());
  const std::vector<uint8_t> table = bytes_of(in.at("packed_weight"));
  const auto tshape = golden_shape(in.at("packed_weight"));
  const size_t rows = tshape.at(0), dim = rowwise_dim_from_row_bytes(bits, tshape.at(1));
  const std::vector<int64_t> idx = golden_ints(in.at("indices")), off = golden_ints(in.at("offsets"));
  std::vector<float> psw;
  if (!in.at("per_sample_weights").is_null()) psw = golden_floats(in.at("per_sample_weights"));
  const EmbeddingBagDesc desc{mode, c.json.at("params").at("include_last_offset").get<bool>()};
  std::vector<float> out(embedding_bag_count(off.size(), desc.include_last_offset) * dim, -1.0f);
  const RowwiseTable t{bits, table.data(), rows, dim};
  const float* w = psw.empty() ? nullptr : psw.data();
  if (as_int32) {
    const std::vector<int32_t> idx32(idx.begin(), idx.end()), off32(off.begin(), off.end());
    embedding_bag(t, idx32.data(), idx32.size(), off32.data(), off32.size(), w, desc, out.data(), Exec{isa});
  } else {
    embedding_bag(t, idx.data(), idx.size(), off.data(), off.size(), w, desc, out.data(), Exec{isa});
  }
  return out;
}

TEST(EmbeddingBagGolden, SumIsBitExactOnEveryPathWithInt64AndInt32Indices) {
  const auto cases = cases_of("_rowwise_offsets");
  ASSERT_EQ(cases.size(), 24u) << "{byte,4bit,2bit} x {sum,mean,max,sum_psw} x {, lastoff}";
  int checked = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json& engines = c.json.at("engines");
    ASSERT_TRUE(c.json.at("engines_agree").get<bool>());
    // Whatever the case's mode, PyTorch computed the sum (surprise 7): every case proves the sum path.
    testing::for_each_isa([&](Isa isa) {
      for (bool as_int32 : {false, true}) {
        const std::vector<float> got = run_case(c, EmbeddingBagMode::sum, isa, as_int32);
        for (const char* e : {"onednn", "qnnpack"})
          expect_float_bits_equal(got, golden_floats(engines.at(e)), std::string(e) + (as_int32 ? " int32" : " int64"));
      }
    });
    ++checked;
  }
  EXPECT_EQ(checked, 24);
}

TEST(EmbeddingBagGolden, MeanAndMaxEqualPyTorchOnBagsOfAtMostOneRow) {
  int bags_checked = 0;
  for (const auto& c : cases_of("_rowwise_offsets")) {
    const std::string mode_name = c.json.at("params").at("mode_name").get<std::string>();
    if (mode_name == "sum") continue;
    SCOPED_TRACE(c.name);
    const EmbeddingBagMode mode = mode_name == "mean" ? EmbeddingBagMode::mean : EmbeddingBagMode::max;
    const json& in = c.json.at("inputs");
    const std::vector<int64_t> off = golden_ints(in.at("offsets"));
    const size_t n = golden_ints(in.at("indices")).size();
    const bool last = c.json.at("params").at("include_last_offset").get<bool>();
    const std::vector<float> want = golden_floats(c.json.at("engines").at("onednn"));
    const size_t bags = embedding_bag_count(off.size(), last), dim = want.size() / bags;
    testing::for_each_isa([&](Isa isa) {
      const std::vector<float> got = run_case(c, mode, isa, false);
      for (size_t b = 0; b < bags; ++b) {
        const size_t end = b + 1 < off.size() ? off[b + 1] : n;
        if (end - off[b] > 1) continue;  // PyTorch's value is the sum here, not the documented mean / max
        expect_float_bits_equal(std::vector<float>(got.begin() + b * dim, got.begin() + (b + 1) * dim),
                                std::vector<float>(want.begin() + b * dim, want.begin() + (b + 1) * dim),
                                "bag " + std::to_string(b));
        ++bags_checked;
      }
    });
  }
  EXPECT_GT(bags_checked, 0) << "no golden bag of zero or one row: the check proved nothing";
}

}  // namespace
}  // namespace qjit
