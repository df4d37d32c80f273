#include "jit/depthwise_desc.h"

#include "base/error.h"
#include "jit/isa_has_avx2.h"

namespace qjit {

#if defined(__x86_64__)
namespace x86 {
std::unique_ptr<JitCode> generate_depthwise_avx2(const DepthwiseDesc& d);
}  // namespace x86
#endif

std::string DepthwiseDesc::name() const {
  return "qjit_depthwise_u8s8_32c_t" + std::to_string(taps) + (c_tail ? "_ctail" + std::to_string(c_tail) : "") +
         "_f" + std::to_string(flush_pairs) +
         (out == QType::s32 ? std::string("_s32")
                            : std::string(out == QType::u8 ? "_u8" : "_s8") +
                                  (formula == RequantFormula::onednn ? "_onednn" : "_qnnpack") +
                                  (per_channel ? "_pc" : "") + (has_bias ? "_bias" : "")) +
         "_" + isa_name(isa);
}

std::unique_ptr<JitCode> DepthwiseDesc::generate() const {
#if defined(__x86_64__)
  if (isa_has_avx2(isa))
    return x86::generate_depthwise_avx2(*this);
#endif
  throw_bad_arg("depthwise", "isa", isa_name(isa), "has no depthwise generator");
}

}  // namespace qjit
