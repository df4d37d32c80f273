#include "qlayers/functional_linear_dynamic.h"

#include "base/error.h"
#include "qlayers/engine.h"

namespace qjit {
namespace {

// x as M dense rows of K floats, and the output [..., N].
Tensor run_linear(std::string_view fn, const Tensor& x, const DynamicLinearPackedParams& packed, bool reduce_range) {
  check_arg(x.defined(), fn, "input", "undefined", "must be a defined tensor");
  check_arg(x.dtype() == DType::float32, fn, "input.dtype", dtype_name(x.dtype()), "must be float32");
  check_arg(x.dim() >= 1, fn, "input.dim", x.dim(), "must be >= 1");
  check_arg(x.size(-1) == packed.in_features(), fn, "input.shape", shape_str(x.sizes()),
            "last dimension must be in_features = " + std::to_string(packed.in_features()));
  const Tensor xc = x.contiguous();
  std::vector<int64_t> out_sizes = x.sizes();
  out_sizes.back() = packed.out_features();
  Tensor y = empty(out_sizes);
  const size_t M = static_cast<size_t>(x.numel() / packed.in_features());
  // Per thread, kept between calls: after the first call with a shape a forward allocates only its output.
  thread_local DynamicLinearScratch scratch;
  packed.run(xc.data_ptr<float>(), M, y.data_ptr<float>(), static_cast<size_t>(packed.out_features()), reduce_range,
             requant_formula(), scratch);
  return y;
}

}  // namespace

DynamicLinearPackedParams linear_dynamic_prepack(const Tensor& qweight, const Tensor& bias) {
  return DynamicLinearPackedParams::from_qweight(qweight, bias, "linear_dynamic_prepack");
}

DynamicLinearPackedParams linear_prepack_fp16(const Tensor& weight, const Tensor& bias) {
  return DynamicLinearPackedParams::from_float_fp16(weight, bias, "linear_prepack_fp16");
}

Tensor quantized_linear_dynamic(const Tensor& x, const DynamicLinearPackedParams& packed, bool reduce_range) {
  constexpr std::string_view fn = "quantized_linear_dynamic";
  check_arg(packed.dtype() == DType::qint8, fn, "packed.dtype", dtype_name(packed.dtype()),
            "must be qint8 (use linear_dynamic_fp16 for float16 weights)");
  return run_linear(fn, x, packed, reduce_range);
}

Tensor linear_dynamic_fp16(const Tensor& x, const DynamicLinearPackedParams& packed) {
  constexpr std::string_view fn = "linear_dynamic_fp16";
  check_arg(packed.dtype() == DType::float16, fn, "packed.dtype", dtype_name(packed.dtype()),
            "must be float16 (use quantized_linear_dynamic for qint8 weights)");
  return run_linear(fn, x, packed, false);
}

}  // namespace qjit
