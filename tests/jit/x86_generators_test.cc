// Every x86 microkernel generator emits code for every variant a call can ask for, on every ISA family, whatever
// CPU runs the test: generating needs no AVX-512 (only running it does), so encoding errors in the paths this
// machine cannot execute (e.g. a VEX-only instruction on xmm16-31) are caught here rather than on a user's CPU.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"

#include "jit/depthwise_desc.h"
#include "jit/eltwise_desc.h"
#include "jit/gemm_f16_desc.h"
#include "jit/gemm_desc.h"
#include "jit/groupwise_desc.h"
#include "packing/gemm_layout.h"

namespace qjit {
namespace {

// Generates desc's code; an exception (Xbyak's encoding errors included) is a failure naming the variant.
template <class Desc>
bool expect_generates(const Desc& d) {
  try {
    EXPECT_GT(d.generate()->size(), 0u) << d.name();
    return true;
  } catch (const std::exception& e) {
    ADD_FAILURE() << d.name() << ": " << e.what();
    return false;
  }
}

struct OutVariant {
  OutputKind out;
  RequantFormula formula;
  bool per_channel, has_bias, has_b_zp, has_row_scale, has_post_bias;
};

TEST(X86Generators, EveryGemmMicrokernelVariantGeneratesOnEveryIsaFamily) {
  const OutVariant outs[] = {
      {OutputKind::s32, RequantFormula::onednn, false, false, false, false, false},
      {OutputKind::s32, RequantFormula::onednn, false, false, true, false, false},
      {OutputKind::u8, RequantFormula::onednn, true, true, false, false, false},
      {OutputKind::u8, RequantFormula::qnnpack, false, false, true, false, false},
      {OutputKind::s8, RequantFormula::qnnpack, true, true, false, false, false},
      {OutputKind::s8, RequantFormula::onednn, false, true, true, false, false},
      {OutputKind::f32, RequantFormula::onednn, true, true, false, true, true},
      {OutputKind::f32, RequantFormula::qnnpack, false, false, true, false, true},
  };
  size_t generated = 0;
  for (Isa isa : {Isa::avx2, Isa::avx2_vnni, Isa::avx512, Isa::avx512_vnni})
    for (bool pairs_fit : {true, false})
      for (size_t N : {size_t{4}, size_t{1024}}) {  // a one-vector panel and a full-width one
        const GemmLayout layout = gemm_layout(isa, pairs_fit, N);
        // How the s16x2 kernels get A: widened in the broadcast, pre-widened by the driver, or (AVX2, one panel)
        // widened 8 bytes at a time, whose K tail is K % 8.
        enum class AMode { bytes, widened, octets };
        for (AMode a_mode : {AMode::bytes, AMode::widened, AMode::octets}) {
          if (a_mode != AMode::bytes && layout.dot != DotKind::madd16) continue;
          if (a_mode == AMode::octets && isa != Isa::avx2) continue;
          const bool a_widened = a_mode == AMode::widened, a_octets = a_mode == AMode::octets;
          for (int rows = 1; rows <= layout.mr; ++rows)
            for (int k_tail = 0; k_tail < (a_widened ? 1 : a_octets ? 8 : layout.k_group); ++k_tail)
              for (int n_valid : {0, 1, 3, layout.nr / 2 + 1, layout.nr - 1})
                for (const OutVariant& o : outs) {
                  GemmUkernelDesc d;
                  d.layout = layout;
                  d.mr = static_cast<uint8_t>(rows);
                  d.k_tail = static_cast<uint8_t>(k_tail);
                  d.a_widened = a_widened;
                  d.a_octets = a_octets;
                  d.n_valid = static_cast<uint8_t>(n_valid);
                  d.out = o.out;
                  d.formula = o.formula;
                  d.per_channel = o.per_channel;
                  d.has_bias = o.has_bias;
                  d.has_b_zp = o.has_b_zp;
                  d.has_row_scale = o.has_row_scale;
                  d.has_post_bias = o.has_post_bias;
                  generated += expect_generates(d);
                }
        }
      }
  EXPECT_GT(generated, 1000u);
}

TEST(X86Generators, EveryDepthwiseAndGroupwiseVariantGenerates) {
  for (int taps : {1, 2, 9, 25, 49, 255})
    for (int c_tail : {0, 1, 17, 31})
      for (QType out : {QType::s32, QType::u8, QType::s8})
        for (bool per_channel : {false, true}) {
          DepthwiseDesc d;
          d.taps = static_cast<uint8_t>(taps);
          d.c_tail = static_cast<uint8_t>(c_tail);
          d.out = out;
          d.per_channel = per_channel;
          d.has_bias = per_channel;
          expect_generates(d);
        }
  for (int cg : {2, 4, 8, 16})
    for (int taps : {1, 9, GroupwiseDesc::kMaxTaps})
      for (int c_tail : {0, 2, 15})
        for (GroupwiseOut out : {GroupwiseOut::s32, GroupwiseOut::u8, GroupwiseOut::s8}) {
          GroupwiseDesc d;
          d.group_channels = static_cast<uint8_t>(cg);
          d.taps = static_cast<uint8_t>(taps);
          d.c_tail = static_cast<uint8_t>(c_tail % cg == 0 ? c_tail : 0);
          d.out = out;
          d.qnnpack = out != GroupwiseOut::s32 && taps == 9;
          expect_generates(d);
        }
}

TEST(X86Generators, EveryElementwiseAndF16GemmVariantGeneratesOnEveryIsaFamily) {
  size_t generated = 0;
  for (Isa isa : {Isa::avx2, Isa::avx2_vnni, Isa::avx512, Isa::avx512_vnni}) {
    for (EltwiseOp op : {EltwiseOp::quantize, EltwiseOp::dequantize, EltwiseOp::requantize, EltwiseOp::minmax,
                         EltwiseOp::f32_to_f16, EltwiseOp::f16_to_f32})
      for (QType q : {QType::u8, QType::s8})
        for (bool per_channel : {false, true})
          for (ZeroPointKind zp : {ZeroPointKind::integer, ZeroPointKind::floating})
            for (RequantFormula formula : {RequantFormula::onednn, RequantFormula::qnnpack}) {
              EltwiseDesc d;
              d.isa = isa;
              d.op = op;
              d.qtype = q;
              d.per_channel = per_channel;
              d.zp_kind = zp;
              d.has_bias = op == EltwiseOp::requantize && per_channel;
              d.formula = formula;
              try {
                EXPECT_GT(d.generate()->size(), 0u) << d.name();
                ++generated;
              } catch (const Error&) {
                // Combinations the element-wise family does not offer are refused with a qjit::Error by design;
                // an encoding failure would be an Xbyak::Error or std::exception and is caught below.
              } catch (const std::exception& e) {
                ADD_FAILURE() << d.name() << ": " << e.what();
              }
            }
    for (int rows = 1; rows <= 6; ++rows)
      for (bool full_n : {true, false})
        for (bool bias : {false, true}) {
          GemmF16Desc d;
          d.isa = isa;
          d.mr = static_cast<uint8_t>(rows);
          d.full_n = full_n;
          d.has_bias = bias;
          generated += expect_generates(d);
        }
  }
  EXPECT_GT(generated, 200u);
}

}  // namespace
}  // namespace qjit
