#include "qlayers/requant_constants.h"

#include <cmath>

namespace qjit {

RequantConstants make_requant_constants(RequantFormula formula, double x_scale, const std::vector<double>& w_scales,
                                        size_t N, const std::vector<float>& bias, double out_scale) {
  RequantConstants c;
  c.formula = formula;
  c.x_scale = x_scale;
  c.out_scale = out_scale;
  const bool per_channel = w_scales.size() > 1;
  const auto w_scale = [&](size_t n) { return w_scales[per_channel ? n : 0]; };
  c.multiplier.resize(per_channel ? N : 1);
  if (formula == RequantFormula::onednn) {
    const float src_s = 1.0f / static_cast<float>(x_scale), dst_s = 1.0f / static_cast<float>(out_scale);
    const auto sw = [&](size_t n) { return src_s * (1.0f / static_cast<float>(w_scale(n))); };
    for (size_t n = 0; n < c.multiplier.size(); ++n) c.multiplier[n] = dst_s / sw(n);
    if (!bias.empty()) {
      c.bias_f.resize(N);
      for (size_t n = 0; n < N; ++n) c.bias_f[n] = bias[n] * sw(n);
    }
  } else {
    const float xs = static_cast<float>(x_scale), inv_out = 1.0f / static_cast<float>(out_scale);
    for (size_t n = 0; n < c.multiplier.size(); ++n) c.multiplier[n] = static_cast<float>(w_scale(n)) * xs * inv_out;
    c.bias_i.assign(N, 0);
    if (!bias.empty())
      for (size_t n = 0; n < N; ++n) {
        // quantize_per_tensor(bias, x_scale * w_scale, 0, qint32): the reciprocal multiply in float, rounding half
        // to even, saturation to the int32 range.
        const float inv = 1.0f / static_cast<float>(x_scale * w_scale(n));
        const double q = std::nearbyint(static_cast<double>(bias[n] * inv));
        c.bias_i[n] = static_cast<int32_t>(std::fmin(std::fmax(q, -2147483648.0), 2147483647.0));
      }
  }
  return c;
}

OutputStage requant_output_stage(const RequantConstants& c, int32_t out_zero_point, bool relu) {
  OutputStage s = requantize_stage(OutputKind::u8, c.formula, c.multiplier.data(), c.multiplier.size() > 1,
                                   out_zero_point);
  if (c.formula == RequantFormula::onednn)
    s.bias_f = c.bias_f.empty() ? nullptr : c.bias_f.data();
  else
    s.bias_i = c.bias_i.data();
  if (relu) s.qmin = out_zero_point;
  return s;
}

std::shared_ptr<const RequantConstants> RequantCache::get(RequantFormula formula, double x_scale, double out_scale,
                                                          const std::vector<double>& w_scales, size_t N,
                                                          const std::vector<float>& bias) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (last_ && last_->formula == formula && last_->x_scale == x_scale && last_->out_scale == out_scale) return last_;
  }
  auto c = std::make_shared<const RequantConstants>(make_requant_constants(formula, x_scale, w_scales, N, bias, out_scale));
  std::lock_guard<std::mutex> lock(mutex_);
  last_ = c;
  return c;
}

}  // namespace qjit
