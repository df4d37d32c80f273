// The layer list bench_conv reads (bench/conv_layers.h over bench/data/conv_layers.txt): the repository's copy
// parses into the 35 layers of issue 4 with the algorithms the benchmark's targets talk about, and malformed lines
// are errors naming the line rather than layers with garbage sizes.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>

#include "bench/conv_layers.h"
#include "kernels/conv.h"

namespace {

using qjit_bench::ConvLayer;
using qjit_bench::parse_conv_layers;

std::string parse_error(const std::string& text) {
  std::istringstream in(text);
  try {
    parse_conv_layers(in, "list.txt");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BenchConvLayers, RepositoryListHasTheLayersOfIssue4WithTheirAlgorithms) {
  const auto layers = qjit_bench::load_conv_layers(QJIT_BENCH_DATA_DIR "/conv_layers.txt");
  ASSERT_EQ(layers.size(), 35u);
  int depthwise = 0, groupwise = 0, pointwise = 0, im2col = 0;
  for (const ConvLayer& l : layers) {
    const qjit::ConvAlgorithm a = qjit::conv_algorithm(l.desc());
    if (l.depthwise()) {
      ++depthwise;
      EXPECT_EQ(a, qjit::ConvAlgorithm::depthwise) << l.name;
    } else if (l.groupwise()) {
      ++groupwise;  // its algorithm is about to change (a groupwise kernel is being written): not pinned here
    } else if (l.kernel_h == 1 && l.stride == 1) {
      ++pointwise;
      EXPECT_EQ(a, qjit::ConvAlgorithm::gemm_1x1) << l.name;
    } else {
      ++im2col;
      EXPECT_EQ(a, qjit::ConvAlgorithm::im2col) << l.name;
    }
  }
  EXPECT_EQ(depthwise, 8);
  EXPECT_EQ(groupwise, 1);
  EXPECT_EQ(pointwise, 19);  // 9 of ResNet-50, 10 of MobileNet-V2
  EXPECT_EQ(im2col, 7);
  // 7x7 stride 2 pad 3 on 224x224: 112x112 outputs, 64 channels, 7*7*3 taps.
  EXPECT_EQ(layers.front().name, "r50_conv1_7x7s2");
  EXPECT_DOUBLE_EQ(layers.front().ops(), 2.0 * 112 * 112 * 64 * 7 * 7 * 3);
  // Groupwise: 32 groups of 4 input channels.
  const ConvLayer& g = layers[16];
  EXPECT_EQ(g.name, "gconv3x3_g32_128_56");
  EXPECT_DOUBLE_EQ(g.ops(), 2.0 * 56 * 56 * 128 * 9 * 4);
}

TEST(BenchConvLayers, SkipsCommentsAndBlankLines) {
  std::istringstream in("# header\n\n  \nconv_a 8 16 10 12 3 3 2 1 2  # trailing comment\n");
  const auto layers = parse_conv_layers(in, "list.txt");
  ASSERT_EQ(layers.size(), 1u);
  const qjit::ConvDesc d = layers[0].desc();
  EXPECT_EQ(d.in_channels, 8);
  EXPECT_EQ(d.out_channels, 16);
  EXPECT_EQ(d.groups, 2);
  EXPECT_EQ(d.input[1], 10);
  EXPECT_EQ(d.input[2], 12);
  EXPECT_EQ(d.output()[1], 5);
  EXPECT_EQ(d.output()[2], 6);
}

TEST(BenchConvLayers, MalformedLinesAreErrorsNamingTheLine) {
  EXPECT_EQ(parse_error("a 8 8 4 4 1 1 1 0 1\nb 8 8 4 4 1 1 1 0\n"),
            "list.txt:2: expected: name ic oc h w kh kw stride pad groups (integers after the name)");
  EXPECT_EQ(parse_error("a 8 8 4 x 1 1 1 0 1\n"),
            "list.txt:1: expected: name ic oc h w kh kw stride pad groups (integers after the name)");
  EXPECT_EQ(parse_error("a 8 8 4 4 1 1 1 0 1 7\n"), "list.txt:1: unexpected text after the ten fields: '7'");
  EXPECT_NE(parse_error("a 6 8 4 4 1 1 1 0 4\n").find("list.txt:1: layer a: conv_layers: in_channels = 6"),
            std::string::npos);
  EXPECT_NE(parse_error("a 8 8 4 4 1 1 0 0 1\n").find("list.txt:1: layer a: conv_layers: stride[1] = 0"),
            std::string::npos);
  EXPECT_EQ(parse_error("a 8 8 4 4 1 1 1 0 1\na 8 8 4 4 1 1 1 0 1\n"), "list.txt:2: layer a appears twice");
}

TEST(BenchConvLayers, MissingFileIsAnError) {
  EXPECT_THROW(qjit_bench::load_conv_layers("/nonexistent/conv_layers.txt"), std::runtime_error);
}

}  // namespace
