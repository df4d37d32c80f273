// The digits CSV reader (workflow/datasets/digits.h) on small files this test writes: pixel / 16 and labels as
// sklearn's load_digits reads them, gzipped or plain, and a qjit::Error naming the file and line for each kind of
// bad file; subset() picks rows by index and rejects an index outside the set.
#include "workflow/datasets/digits.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>

#include "tests/qlayers/expect_error.h"

namespace qjit {
namespace {

std::string csv_line(int first_pixel, int label, int fields = 64) {
  std::string s = std::to_string(first_pixel);
  for (int i = 1; i < fields; ++i) s.append(",").append(std::to_string(i % 17));
  return s.append(",").append(std::to_string(label)).append("\n");
}

std::string write_plain(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string write_gz(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), unsigned(text.size()));
  gzclose(f);
  return path;
}

TEST(DigitsReader, ReadsPixelsOverSixteenAndLabelsFromGzippedAndPlainFiles) {
  const std::string text = csv_line(16, 7) + csv_line(3, 0);
  for (const std::string& path : {write_gz("digits_ok.csv.gz", text), write_plain("digits_ok.csv", text)}) {
    const ImageDataset d = load_digits(path);
    ASSERT_EQ(d.images.sizes(), (std::vector<int64_t>{2, 1, 8, 8}));
    const float* p = d.images.data_ptr<float>();
    EXPECT_EQ(p[0], 1.0f);
    EXPECT_EQ(p[1], 1.0f / 16.0f);
    EXPECT_EQ(p[63], float(63 % 17) / 16.0f);
    EXPECT_EQ(p[64], 3.0f / 16.0f);
    EXPECT_EQ(d.labels.data_ptr<int64_t>()[0], 7);
    EXPECT_EQ(d.labels.data_ptr<int64_t>()[1], 0);
  }
}

TEST(DigitsReader, MissingFileIsAnErrorNamingIt) {
  EXPECT_FALSE(digits_available("/nonexistent/digits.csv.gz"));
  test::expect_error([] { load_digits("/nonexistent/digits.csv.gz"); }, {"load_digits", "/nonexistent/digits.csv.gz"});
}

TEST(DigitsReader, EmptyFileIsAnError) {
  test::expect_error([] { load_digits(write_plain("digits_empty.csv", "")); }, {"load_digits", "no images"});
}

TEST(DigitsReader, WrongFieldCountNamesTheLine) {
  const std::string path = write_plain("digits_short.csv", csv_line(0, 1) + csv_line(0, 1, 63));
  test::expect_error([&] { load_digits(path); }, {"digits_short.csv:2", "found 64 fields"});
}

TEST(DigitsReader, PixelOrLabelOutOfRangeNamesTheLine) {
  test::expect_error([] { load_digits(write_plain("digits_px.csv", csv_line(17, 1))); },
                     {"digits_px.csv:1", "0..16"});
  test::expect_error([] { load_digits(write_plain("digits_lab.csv", csv_line(0, 10))); },
                     {"digits_lab.csv:1", "0..9"});
}

TEST(DigitsReader, NonNumericFieldNamesTheLine) {
  test::expect_error([] { load_digits(write_plain("digits_nan.csv", std::string("x").append(csv_line(0, 1)))); },
                     {"digits_nan.csv:1", "integer"});
  test::expect_error([] { load_digits(write_plain("digits_frac.csv", "0.5" + csv_line(0, 1).substr(1))); },
                     {"digits_frac.csv:1", "integer"});
}

TEST(DigitsReader, SubsetTakesRowsInIndexOrderAndRejectsOutOfRange) {
  const ImageDataset d = load_digits(write_plain("digits_sub.csv", csv_line(1, 1) + csv_line(2, 2) + csv_line(3, 3)));
  const ImageDataset s = subset(d, {2, 0});
  ASSERT_EQ(s.images.size(0), 2);
  EXPECT_EQ(s.labels.data_ptr<int64_t>()[0], 3);
  EXPECT_EQ(s.labels.data_ptr<int64_t>()[1], 1);
  EXPECT_EQ(s.images.data_ptr<float>()[0], 3.0f / 16.0f);
  EXPECT_EQ(s.images.data_ptr<float>()[64], 1.0f / 16.0f);
  test::expect_error([&] { subset(d, {0, 3}); }, {"subset", "indices[1]", "3"});
  test::expect_error([&] { subset(d, {-1}); }, {"indices[0]", "-1"});
}

}  // namespace
}  // namespace qjit
