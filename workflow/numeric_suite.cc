#include "workflow/numeric_suite.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "base/error.h"
#include "qlayers/quantize.h"

namespace qjit {
namespace {

std::vector<double> as_doubles(const Tensor& t) {
  const Tensor f = (t.is_quantized() ? dequantize(t) : t.to(DType::float32)).contiguous();
  const float* p = f.data_ptr<float>();
  return std::vector<double>(p, p + f.numel());
}

// Records each module's output by name while the model runs; removes its hooks when destroyed.
class OutputRecorder {
 public:
  explicit OutputRecorder(nn::Module& model) {
    for (auto& [name, m] : model.named_modules()) {
      const std::string key = name.empty() ? "(output)" : name;
      types_[key] = m->qualified_name();
      handles_.emplace_back(m, m->register_forward_hook([this, key](nn::Module&, const Tensor&, const Tensor& y) {
        outputs_[key] = as_doubles(y);
        return y;
      }));
    }
  }
  ~OutputRecorder() {
    for (auto& [m, h] : handles_) m->remove_forward_hook(h);
  }
  const std::map<std::string, std::vector<double>>& outputs() const { return outputs_; }
  const std::map<std::string, std::string>& types() const { return types_; }

 private:
  std::vector<std::pair<std::shared_ptr<nn::Module>, int>> handles_;
  std::map<std::string, std::vector<double>> outputs_;
  std::map<std::string, std::string> types_;
};

}  // namespace

std::vector<LayerComparison> compare_model_outputs(nn::Module& float_model, nn::Module& quantized_model,
                                                   const Tensor& x) {
  std::vector<std::string> order;
  for (auto& [name, m] : float_model.named_modules()) order.push_back(name.empty() ? "(output)" : name);
  std::map<std::string, std::vector<double>> f_out, q_out;
  std::map<std::string, std::string> f_types, q_types;
  {
    OutputRecorder rec(float_model);
    float_model(x);
    f_out = rec.outputs(), f_types = rec.types();
  }
  {
    OutputRecorder rec(quantized_model);
    quantized_model(x);
    q_out = rec.outputs(), q_types = rec.types();
  }
  std::vector<LayerComparison> rows;
  for (const std::string& name : order) {
    auto f = f_out.find(name), q = q_out.find(name);
    if (f == f_out.end() || q == q_out.end() || f->second.size() != q->second.size() || f->second.empty()) continue;
    double signal = 0, noise = 0;
    for (size_t i = 0; i < f->second.size(); ++i) {
      const double d = f->second[i] - q->second[i];
      signal += f->second[i] * f->second[i];
      noise += d * d;
    }
    LayerComparison row;
    row.name = name;
    row.float_type = f_types[name];
    row.quant_type = q_types[name];
    row.numel = static_cast<int64_t>(f->second.size());
    row.mse = noise / double(row.numel);
    row.sqnr_db = noise == 0 ? std::numeric_limits<double>::infinity() : 10 * std::log10(signal / noise);
    rows.push_back(row);
  }
  return rows;
}

std::string format_comparison(const std::vector<LayerComparison>& rows) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-14s %-22s %-22s %9s %12s\n", "layer", "float", "quantized", "SQNR dB", "MSE");
  out += line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-14s %-22s %-22s %9.2f %12.3e\n", r.name.c_str(), r.float_type.c_str(),
                  r.quant_type.c_str(), r.sqnr_db, r.mse);
    out += line;
  }
  return out;
}

}  // namespace qjit
