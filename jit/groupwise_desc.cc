#include "jit/groupwise_desc.h"

#include "base/error.h"
#include "jit/isa_has_avx2.h"

namespace qjit {

#if defined(__x86_64__)
namespace x86 {
std::unique_ptr<JitCode> generate_groupwise_avx2(const GroupwiseDesc& d);
}  // namespace x86
#endif

std::string GroupwiseDesc::name() const {
  return "qjit_groupwise_u8s8_cg" + std::to_string(group_channels) + "_t" + std::to_string(taps) +
         (c_tail ? "_ctail" + std::to_string(c_tail) : "") +
         (out == GroupwiseOut::s32 ? "_s32" : out == GroupwiseOut::u8 ? "_u8" : "_s8") +
         (out != GroupwiseOut::s32 ? (qnnpack ? "_qnnpack" : "_onednn") : "") + "_" + isa_name(isa);
}

std::unique_ptr<JitCode> GroupwiseDesc::generate() const {
#if defined(__x86_64__)
  if (isa_has_avx2(isa))
    return x86::generate_groupwise_avx2(*this);
#endif
  throw_bad_arg("groupwise", "isa", isa_name(isa), "has no groupwise generator");
}

}  // namespace qjit
