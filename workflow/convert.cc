#include "workflow/convert.h"

#include <algorithm>

#include "base/error.h"
#include "qlayers/quantize.h"
#include "workflow/observer_module.h"
#include "workflow/prepare.h"

namespace qjit {

ModuleMapping& ModuleMapping::set(std::string float_type, ModuleConverter converter) {
  check_arg(static_cast<bool>(converter), "ModuleMapping.set", "converter", float_type, "must be callable");
  map_[std::move(float_type)] = std::move(converter);
  return *this;
}

const ModuleConverter* ModuleMapping::find(const nn::Module& m) const {
  auto it = map_.find(m.qualified_name());
  return it == map_.end() ? nullptr : &it->second;
}

std::vector<std::string> ModuleMapping::types() const {
  std::vector<std::string> out;
  for (const auto& e : map_) out.push_back(e.first);
  return out;
}

Tensor quantize_weight(const Tensor& w, const QConfig& qconfig) {
  std::unique_ptr<ObserverBase> obs = qconfig.weight()();
  obs->forward(w);
  const ObserverQParams qp = obs->calculate_qparams();
  const DType dtype = obs->dtype();
  check_arg(is_quantized(dtype), "quantize_weight", "weight observer dtype", dtype_name(dtype),
            "must be a quantized dtype (float16 weights are converted by the float16 path)");
  Tensor q;
  if (is_per_channel(obs->qscheme())) {
    std::vector<double> scales(qp.scales.begin(), qp.scales.end());
    const int64_t axis = obs->ch_axis() < 0 ? obs->ch_axis() + w.dim() : obs->ch_axis();
    q = qp.has_float_zero_points() ? quantize_per_channel(w, scales, qp.float_zero_points, axis, dtype)
                                   : quantize_per_channel(w, scales, qp.zero_points, axis, dtype);
  } else {
    q = quantize_per_tensor(w, qp.scale(), qp.zero_point(), dtype);
  }
  // _clamp_weights: the observer's range may be narrower than the dtype's ([-127, 127] for XNNPACK).
  if (dtype != DType::quint4x2 && (obs->quant_min() > quant_min(dtype) || obs->quant_max() < quant_max(dtype))) {
    q = q.contiguous();  // q is this function's own tensor: clamping it in place is safe
    const int64_t lo = obs->quant_min(), hi = obs->quant_max();
    if (dtype == DType::qint8) {
      int8_t* p = q.data_ptr<int8_t>();
      for (int64_t i = 0; i < q.numel(); ++i) p[i] = static_cast<int8_t>(std::clamp<int64_t>(p[i], lo, hi));
    } else if (dtype == DType::quint8) {
      uint8_t* p = q.data_ptr<uint8_t>();
      for (int64_t i = 0; i < q.numel(); ++i) p[i] = static_cast<uint8_t>(std::clamp<int64_t>(p[i], lo, hi));
    }
  }
  return q;
}

namespace {
std::shared_ptr<nn::Module> swap(const std::shared_ptr<nn::Module>& module, const std::string& name,
                                 const ModuleMapping& mapping, bool dynamic) {
  const ModuleConverter* conv = mapping.find(*module);
  auto q = std::dynamic_pointer_cast<const QConfig>(module->qconfig);
  if (!conv || !q) return module;
  const ObserverBase* act = nullptr;
  if (!dynamic && !q->is_dynamic() && !q->is_float16()) act = &activation_observer(*module, name);
  std::shared_ptr<nn::Module> out = (*conv)(ConvertContext{name, *module, *q, act});
  check_arg(out != nullptr, "convert", "module", name, "the converter returned nothing");
  // As PyTorch's swap_module: the float module's forward hooks, except the one running its observer, stay on the
  // quantized module (they now see its quantized output).
  const int observer_hook =
      has_observer(*module) ? static_cast<const ObserverModule&>(module->child(kActivationPostProcess)).parent_hook : -1;
  for (const auto& [handle, hook] : module->forward_hooks())
    if (handle != observer_hook) out->register_forward_hook(hook);
  return out;
}

void convert_children(nn::Module& m, const std::string& prefix, const ModuleMapping& mapping, bool dynamic) {
  // Copy the slot list first: swapping replaces entries.
  const auto children = m.named_children();
  for (const auto& [n, child] : children) {
    if (n == kActivationPostProcess) continue;
    const std::string name = prefix.empty() ? n : prefix + "." + n;
    std::shared_ptr<nn::Module> swapped = swap(child, name, mapping, dynamic);
    if (swapped != child) {
      m.set_child(n, swapped);
    } else {
      convert_children(*child, name, mapping, dynamic);
    }
  }
}
}  // namespace

std::shared_ptr<nn::Module> swap_module(const std::shared_ptr<nn::Module>& module, const std::string& name,
                                        const ModuleMapping& mapping) {
  return swap(module, name, mapping, false);
}

std::shared_ptr<nn::Module> convert(std::shared_ptr<nn::Module> model, const ModuleMapping& mapping, bool inplace,
                                    bool remove_qconfig) {
  check_arg(model != nullptr, "convert", "model", "null", "must not be null");
  if (!inplace) model = model->deep_clone();
  convert_children(*model, "", mapping, false);
  remove_observers(*model, remove_qconfig);
  return model;
}

std::shared_ptr<nn::Module> quantize(std::shared_ptr<nn::Module> model,
                                     const std::function<void(nn::Module&)>& run_fn, bool inplace,
                                     const ModuleMapping& mapping) {
  check_arg(static_cast<bool>(run_fn), "quantize", "run_fn", "empty", "must be callable");
  // The mapping's own types are observed too, so that a user's entry for a custom leaf finds its observer.
  std::set<std::string> allow_list = get_default_qconfig_propagation_list();
  for (std::string& t : mapping.types()) allow_list.insert(std::move(t));
  std::shared_ptr<nn::Module> prepared = prepare(std::move(model), inplace, allow_list);
  prepared->eval();
  run_fn(*prepared);
  return convert(prepared, mapping, /*inplace=*/true);
}

namespace {
QConfigPtr default_dynamic_for(DType dtype) {
  switch (dtype) {
    case DType::qint8: return default_dynamic_qconfig();
    case DType::float16: return float16_dynamic_qconfig();
    case DType::quint8: return float_qparams_weight_only_qconfig();
    case DType::quint4x2: return float_qparams_weight_only_qconfig_4bit();
    default: throw_bad_arg("quantize_dynamic", "dtype", dtype_name(dtype), "must be qint8, float16, quint8 or quint4x2");
  }
}

std::set<std::string> default_dynamic_types(DType dtype) {
  switch (dtype) {
    case DType::qint8:
    case DType::float16:
      return {"nn.Linear", "nn.LSTM", "nn.GRU", "nn.LSTMCell", "nn.RNNCell", "nn.GRUCell"};
    case DType::quint8: return {"nn.EmbeddingBag", "nn.Embedding"};
    case DType::quint4x2: return {"nn.EmbeddingBag"};
    default: return {};
  }
}
}  // namespace

std::shared_ptr<nn::Module> quantize_dynamic(std::shared_ptr<nn::Module> model,
                                             const std::set<std::string>& qconfig_spec, DType dtype, bool inplace) {
  const QConfigPtr q = default_dynamic_for(dtype);
  QConfigMapping mapping;
  for (const std::string& t : qconfig_spec.empty() ? default_dynamic_types(dtype) : qconfig_spec)
    mapping.set_object_type(t, q);
  return quantize_dynamic(std::move(model), mapping, inplace);
}

std::shared_ptr<nn::Module> quantize_dynamic(std::shared_ptr<nn::Module> model, const QConfigMapping& qconfig_spec,
                                             bool inplace) {
  check_arg(model != nullptr, "quantize_dynamic", "model", "null", "must not be null");
  if (!inplace) model = model->deep_clone();
  propagate_qconfig_(*model, qconfig_spec);
  convert_children(*model, "", get_default_dynamic_quant_module_mappings(), true);
  for (auto& [n, m] : model->named_modules()) m->qconfig.reset();
  return model;
}

}  // namespace qjit
