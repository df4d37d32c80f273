// A fluent tester for the quantized convolution, in the spirit of XNNPACK's ConvolutionOperatorTester and of
// tests/kernels/gemm_tester.h: set a geometry, zero points, weight range, output stage and threading, then test()
// packs the weights for one ISA, runs qjit::conv and checks every output bit-exactly against ref::conv_u8s8
// (a direct convolution that shares nothing with the im2col + GEMM path), with guard bytes around y.
//
// Geometry: input(w) / input(h, w) / input(d, h, w) also choose conv1d / 2d / 3d. kernel / stride / padding /
// dilation take one value (every dimension in use) or one per dimension in use, resolved when the test runs, so
// the calls can come in any order.
//
// BasicConvTester<Op> is the tester of any convolution-shaped operator: the transposed convolution's
// (tests/kernels/conv_transpose_tester.h) is the same class over another Op.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "base/threadpool.h"
#include "kernels/conv.h"
#include "kernels/reference/conv_ref.h"
#include "tests/kernels/quant_kernel_tester.h"
#include "tests/support/buffers.h"

namespace qjit::testing {

// Op names the operator's types (Desc, Algorithm, Packed) and functions (algorithm, algorithm_name, reference,
// run); Op::has_output_padding says whether its Desc has output_padding.
template <class Op>
class BasicConvTester : public QuantKernelOptions<BasicConvTester<Op>> {
 public:
  using Desc = typename Op::Desc;
  using Algorithm = typename Op::Algorithm;
  // How the operator is called: on this thread, on the default pool, or as the shares of a caller's partition
  // (run concurrently on the default pool, each share calling it with its Exec::partition).
  enum class Threads { one, pool, partition };

  BasicConvTester& batch(int64_t v) { batch_ = v; return *this; }
  BasicConvTester& channels(int64_t in, int64_t out) { c_ = in; oc_ = out; return *this; }
  BasicConvTester& groups(int64_t v) { groups_ = v; return *this; }
  BasicConvTester& input(int64_t w) { input_ = {w}; return *this; }
  BasicConvTester& input(int64_t h, int64_t w) { input_ = {h, w}; return *this; }
  BasicConvTester& input(int64_t d, int64_t h, int64_t w) { input_ = {d, h, w}; return *this; }
  BasicConvTester& kernel(std::initializer_list<int64_t> v) { kernel_ = v; return *this; }
  BasicConvTester& kernel(int64_t v) { kernel_ = {v}; return *this; }
  BasicConvTester& stride(std::initializer_list<int64_t> v) { stride_ = v; return *this; }
  BasicConvTester& stride(int64_t v) { stride_ = {v}; return *this; }
  BasicConvTester& padding(std::initializer_list<int64_t> v) { padding_ = v; return *this; }
  BasicConvTester& padding(int64_t v) { padding_ = {v}; return *this; }
  BasicConvTester& output_padding(std::initializer_list<int64_t> v) requires Op::has_output_padding {
    output_padding_ = v;
    return *this;
  }
  BasicConvTester& output_padding(int64_t v) requires Op::has_output_padding { output_padding_ = {v}; return *this; }
  BasicConvTester& dilation(std::initializer_list<int64_t> v) { dilation_ = v; return *this; }
  BasicConvTester& dilation(int64_t v) { dilation_ = {v}; return *this; }

  BasicConvTester& x_zero_point(int32_t v) { this->x_zp_ = v; return *this; }
  // Weight zero points: 0 (symmetric) or non-zero, differing per output channel when per_channel.
  BasicConvTester& w_zero_point(bool v) { this->w_zp_ = v; return *this; }
  BasicConvTester& threads(Threads v, int shares = 3) { threads_ = v; shares_ = shares; return *this; }

  // The descriptor test() runs (not validated).
  Desc desc() const {
    Desc d;
    const int dims = static_cast<int>(input_.size());
    d.spatial_dims = dims;
    d.batch = batch_;
    d.in_channels = c_;
    d.out_channels = oc_;
    d.groups = groups_;
    const auto fill = [dims](std::array<int64_t, 3>& dst, const std::vector<int64_t>& v) {
      for (int i = 0; i < dims; ++i) dst[3 - dims + i] = v.size() == 1 ? v[0] : v.at(i);
    };
    fill(d.input, input_);
    fill(d.kernel, kernel_);
    fill(d.stride, stride_);
    fill(d.padding, padding_);
    if constexpr (Op::has_output_padding) fill(d.output_padding, output_padding_);
    fill(d.dilation, dilation_);
    return d;
  }

  std::string describe() const {
    const char* th = threads_ == Threads::one ? "one" : threads_ == Threads::pool ? "pool" : "partition";
    return desc().describe() + this->describe_options("w_zp", "x_zp") + " threads=" + th +
           " isa=" + isa_name(this->isa_);
  }

  // Runs the check; returns the algorithm the operator chose, so that a test can assert which path it covered.
  Algorithm test() const {
    SCOPED_TRACE(describe());
    const Desc d = desc();
    const Algorithm algo = Op::algorithm(d);
    const auto ws = d.weight_shape();
    const Isa isa = this->isa_;
    const int32_t x_zp = this->x_zp_;
    const size_t C = static_cast<size_t>(c_), OC = static_cast<size_t>(oc_), M = d.output_pixels();
    std::mt19937 rng(this->seed_ ^ static_cast<uint32_t>(M * 7919 + OC * 131 + ws.K()));

    const std::vector<uint8_t> x = random_activations(rng, d.input_pixels() * C);
    const RandomWeights w(rng, ws.elements(), OC, this->w_lo_, this->w_hi_, this->per_channel_, this->w_zp_);
    const typename Op::Packed packed(ws, w.values.data(), w.qparams, nullptr, isa);

    // Multipliers scaled by 1/sqrt(K) so that requantized outputs spread over the range instead of saturating.
    const float k_norm = 1.0f / std::sqrt(static_cast<float>(ws.K()));
    const RandomOutputStage stage(rng, this->stage_options(), OC, M, 0.003f, 6e-6f, k_norm, 117);
    const OutputStage& s = stage.stage();

    const size_t out_size = output_kind_size(this->out_), bytes = M * OC * out_size;
    std::vector<unsigned char> want(bytes);
    Op::reference(d, x.data(), x_zp, w.values.data(), w.reference_zero_points(), want.data(), s);
    GuardedBuffer<unsigned char> got(bytes, 0);
    for (size_t i = 0; i < bytes; ++i) got.set(i, 0x5A);  // every output must be written
    switch (threads_) {
      case Threads::one: Op::run(d, x.data(), x_zp, packed, got.data(), s, Exec{isa, nullptr, 1}); break;
      case Threads::pool: Op::run(d, x.data(), x_zp, packed, got.data(), s, Exec{isa, nullptr, 0}); break;
      case Threads::partition:
        parallel_run(shares_, [&](Partition p) { Op::run(d, x.data(), x_zp, packed, got.data(), s, Exec{isa, &p}); });
        break;
    }
    if (!expect_outputs_equal(got, want, M, OC, OC, out_size, "output pixel", "channel",
                              std::string(" (algorithm ") + Op::algorithm_name(algo) + ")"))
      return algo;
    EXPECT_TRUE(got.guards_intact()) << "wrote outside y";
    ++checked_;
    return algo;
  }

  // How many test() calls of this kind of tester compared every output (so a sweep can prove it ran).
  static size_t checked() { return checked_; }

 private:
  inline static size_t checked_ = 0;
  int64_t batch_ = 1, c_ = 1, oc_ = 1, groups_ = 1;
  std::vector<int64_t> input_{1, 1}, kernel_{1}, stride_{1}, padding_{0}, output_padding_{0}, dilation_{1};
  Threads threads_ = Threads::one;
  int shares_ = 3;
};

// qjit::conv against ref::conv_u8s8.
struct ConvOp {
  using Desc = ConvDesc;
  using Algorithm = ConvAlgorithm;
  using Packed = PackedConvWeights;
  static constexpr bool has_output_padding = false;
  static Algorithm algorithm(const Desc& d) { return conv_algorithm(d); }
  static const char* algorithm_name(Algorithm a) { return conv_algorithm_name(a); }
  static void reference(const Desc& d, const uint8_t* x, int32_t x_zp, const int8_t* w, const int32_t* w_zp, void* y,
                        const OutputStage& s) {
    ref::conv_u8s8(d, x, x_zp, w, w_zp, y, s);
  }
  static void run(const Desc& d, const uint8_t* x, int32_t x_zp, const Packed& w, void* y, const OutputStage& s,
                  const Exec& e) {
    conv(d, x, x_zp, w, y, s, e);
  }
};

using ConvTester = BasicConvTester<ConvOp>;

// qjit::conv_using with one algorithm forced, against the same reference: covers a path conv() would not choose
// for the shape (e.g. grouped_im2col for a depthwise or groupwise layer).
template <ConvAlgorithm A>
struct ConvUsingOp : ConvOp {
  static Algorithm algorithm(const Desc&) { return A; }
  static void run(const Desc& d, const uint8_t* x, int32_t x_zp, const Packed& w, void* y, const OutputStage& s,
                  const Exec& e) {
    conv_using(A, d, x, x_zp, w, y, s, e);
  }
};

}  // namespace qjit::testing
