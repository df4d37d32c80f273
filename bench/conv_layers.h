// The convolution layer list of the benchmarks (bench/data/conv_layers.txt, a copy of
// ../shared/bench/conv_layers.txt): one layer a line, "name ic oc h w kh kw stride pad groups", batch 1, square
// kernel / stride / padding, '#' starts a comment. groups == ic == oc (> 1) is a depthwise layer.
//
// Promises: every layer returned is a valid qjit::ConvDesc (validated when read), names are unique; a malformed
// line is a std::runtime_error naming the source and the line number. Header-only, with no oneDNN, so that the
// test binary can check the list the benchmark reads.
#pragma once

#include <cstdint>
#include <fstream>
#include <istream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.h"
#include "kernels/conv_desc.h"

namespace qjit_bench {

struct ConvLayer {
  std::string name;
  int64_t in_channels = 0, out_channels = 0, height = 0, width = 0, kernel_h = 0, kernel_w = 0;
  int64_t stride = 1, padding = 0, groups = 1;

  bool depthwise() const { return groups > 1 && groups == in_channels && groups == out_channels; }
  bool groupwise() const { return groups > 1 && !depthwise(); }

  qjit::ConvDesc desc() const {
    qjit::ConvDesc d;
    d.spatial_dims = 2;
    d.batch = 1;
    d.in_channels = in_channels;
    d.out_channels = out_channels;
    d.groups = groups;
    d.input = {1, height, width};
    d.kernel = {1, kernel_h, kernel_w};
    d.stride = {1, stride, stride};
    d.padding = {0, padding, padding};
    return d;
  }

  // 2 * OH * OW * OC * kh * kw * C/G: the multiply-adds of the layer, twice (as GOPS count them).
  double ops() const {
    const auto o = desc().output();
    return 2.0 * static_cast<double>(o[1] * o[2]) * static_cast<double>(out_channels) *
           static_cast<double>(kernel_h * kernel_w) * static_cast<double>(in_channels / groups);
  }
};

inline std::vector<ConvLayer> parse_conv_layers(std::istream& in, const std::string& source) {
  std::vector<ConvLayer> layers;
  std::set<std::string> names;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const auto fail = [&](const std::string& why) {
      throw std::runtime_error(source + ":" + std::to_string(line_no) + ": " + why);
    };
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream ss(line);
    ConvLayer l;
    if (!(ss >> l.name)) continue;  // blank or comment
    if (!(ss >> l.in_channels >> l.out_channels >> l.height >> l.width >> l.kernel_h >> l.kernel_w >> l.stride >>
          l.padding >> l.groups))
      fail("expected: name ic oc h w kh kw stride pad groups (integers after the name)");
    if (std::string extra; ss >> extra) fail("unexpected text after the ten fields: '" + extra + "'");
    try {
      l.desc().validate("conv_layers");
    } catch (const qjit::Error& e) {
      fail(std::string("layer ") + l.name + ": " + e.what());
    }
    if (!names.insert(l.name).second) fail("layer " + l.name + " appears twice");
    layers.push_back(std::move(l));
  }
  return layers;
}

inline std::vector<ConvLayer> load_conv_layers(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the layer list " + path);
  return parse_conv_layers(in, path);
}

}  // namespace qjit_bench
