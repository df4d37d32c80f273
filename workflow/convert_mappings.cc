// The default module mappings of quantization_mappings.py (NUMERICS.md section 5): for each float module type, how
// convert() builds its quantized replacement (PyTorch's from_float of the target class, written here because the
// quantized layer never sees observers).
#include <memory>

#include "base/error.h"
#include "qlayers/activation.h"
#include "qlayers/conv.h"
#include "qlayers/conv_transpose.h"
#include "qlayers/dynamic_linear.h"
#include "qlayers/dynamic_rnn.h"
#include "qlayers/dynamic_rnn_cell.h"
#include "qlayers/embedding.h"
#include "qlayers/linear.h"
#include "qlayers/norm_modules.h"
#include "qlayers/qfunctional.h"
#include "qlayers/quant_stubs.h"
#include "workflow/convert.h"
#include "workflow/nn/activation.h"
#include "workflow/nn/batchnorm.h"
#include "workflow/nn/conv.h"
#include "workflow/nn/embedding.h"
#include "workflow/nn/functional_modules.h"
#include "workflow/nn/fused.h"
#include "workflow/nn/linear.h"
#include "workflow/nn/normalization.h"
#include "workflow/nn/rnn.h"
#include "workflow/nn/stubs.h"

namespace qjit {
namespace {

struct OutQParams {
  double scale;
  int64_t zero_point;
};

OutQParams output_qparams(const ConvertContext& c) {
  check_arg(c.activation_observer != nullptr, "convert", "module", c.name, "has no activation observer");
  const ObserverQParams qp = c.activation_observer->calculate_qparams();
  return {qp.scale(), qp.zero_point()};
}

template <class T>
T& as(const ConvertContext& c) {
  if (auto* p = dynamic_cast<T*>(&c.module)) return *p;
  throw_bad_arg("convert", c.name, c.module.qualified_name(), "is not of the type its mapping entry expects");
}

// nn.Linear / nni.LinearReLU (child "0") -> nnq.Linear / nniq.LinearReLU.
template <class Q>
std::shared_ptr<nn::Module> linear(const ConvertContext& c, const nn::Linear& lin) {
  const OutQParams o = output_qparams(c);
  return Q::from_quantized(quantize_weight(lin.weight, c.qconfig), lin.bias, o.scale, o.zero_point);
}

template <class Q>
std::shared_ptr<nn::Module> conv(const ConvertContext& c, const nn::ConvBase& cv) {
  const OutQParams o = output_qparams(c);
  return Q::from_quantized(quantize_weight(cv.weight, c.qconfig), cv.bias, o.scale, o.zero_point, cv.stride,
                           cv.padding, cv.dilation, cv.groups, cv.padding_mode);
}

template <class Q>
std::shared_ptr<nn::Module> conv_transpose(const ConvertContext& c, const nn::ConvBase& cv) {
  const OutQParams o = output_qparams(c);
  // A ConvTranspose weight is [in, out/groups, k...]: per-channel scales belong to the output channels, axis 1,
  // while the qconfig's per-channel observer reads axis 0 (PyTorch observes axis 0 here and then fails in its
  // prepack). Observe and quantize the weight with its first two axes swapped, then swap them back.
  Tensor qweight;
  if (c.qconfig.weight_per_channel()) {
    std::vector<int64_t> swap01(static_cast<size_t>(cv.weight.dim()));
    for (size_t i = 0; i < swap01.size(); ++i) swap01[i] = static_cast<int64_t>(i);
    std::swap(swap01[0], swap01[1]);
    qweight = quantize_weight(cv.weight.permute(swap01).contiguous(), c.qconfig).permute(swap01);
  } else {
    qweight = quantize_weight(cv.weight, c.qconfig);
  }
  return Q::from_quantized(qweight, cv.bias, o.scale, o.zero_point, cv.stride, cv.padding, cv.output_padding, cv.groups, cv.dilation);
}

template <class Q, int Dims>
std::shared_ptr<nn::Module> batchnorm(const ConvertContext& c, const nn::BatchNormNd<Dims>& bn) {
  const OutQParams o = output_qparams(c);
  return Q::from_params(bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.eps, o.scale, o.zero_point);
}

template <class F>
const F& part(const ConvertContext& c, const char* slot) {
  const nn::Module& m = c.module.child(slot);
  if (auto* p = dynamic_cast<const F*>(&m)) return *p;
  throw_bad_arg("convert", c.name + "." + slot, m.qualified_name(), "unexpected part in a fused module");
}

std::vector<nnqd::RNNLayerWeights> rnn_weights(const ConvertContext& c, const nn::RNNBase& r) {
  std::vector<nnqd::RNNLayerWeights> out;
  for (size_t i = 0; i < r.weight_ih.size(); ++i)
    out.push_back({quantize_weight(r.weight_ih[i], c.qconfig), quantize_weight(r.weight_hh[i], c.qconfig),
                   r.bias_ih.empty() ? Tensor() : r.bias_ih[i], r.bias_hh.empty() ? Tensor() : r.bias_hh[i]});
  return out;
}

void require_int8_dynamic(const ConvertContext& c) {
  check_arg(!c.qconfig.is_float16(), "quantize_dynamic", c.name, c.module.qualified_name(),
            "float16 weights are supported for Linear only");
}

// Embeddings keep float outputs: only the weight is quantized (float_qparams_weight_only_qconfig).
std::shared_ptr<nn::Module> embedding(const ConvertContext& c) {
  return nnq::Embedding::from_quantized(quantize_weight(as<nn::Embedding>(c).weight, c.qconfig));
}

std::shared_ptr<nn::Module> embedding_bag(const ConvertContext& c) {
  const auto& f = as<nn::EmbeddingBag>(c);
  return nnq::EmbeddingBag::from_quantized(quantize_weight(f.weight, c.qconfig), f.mode, f.include_last_offset);
}

template <class Q>
std::shared_ptr<nn::Module> instance_norm(const ConvertContext& c) {
  const auto& f = as<nn::InstanceNormBase>(c);
  const OutQParams o = output_qparams(c);
  return std::make_shared<Q>(f.num_features, f.weight, f.bias, o.scale, o.zero_point, f.eps, f.momentum.value_or(0.1),
                             f.affine, f.track_running_stats);
}

}  // namespace

ModuleMapping get_default_static_quant_module_mappings() {
  ModuleMapping m;
  m.set("nn.QuantStub", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    const OutQParams o = output_qparams(c);
    return std::make_shared<nnq::Quantize>(o.scale, o.zero_point, c.activation_observer->dtype());
  });
  m.set("nn.DeQuantStub", [](const ConvertContext&) -> std::shared_ptr<nn::Module> {
    return std::make_shared<nnq::DeQuantize>();
  });
  m.set("nn.Linear", [](const ConvertContext& c) { return linear<nnq::Linear>(c, as<nn::Linear>(c)); });
  m.set("nni.LinearReLU", [](const ConvertContext& c) { return linear<nniq::LinearReLU>(c, part<nn::Linear>(c, "0")); });
  m.set("nn.Conv1d", [](const ConvertContext& c) { return conv<nnq::Conv1d>(c, as<nn::ConvBase>(c)); });
  m.set("nn.Conv2d", [](const ConvertContext& c) { return conv<nnq::Conv2d>(c, as<nn::ConvBase>(c)); });
  m.set("nn.Conv3d", [](const ConvertContext& c) { return conv<nnq::Conv3d>(c, as<nn::ConvBase>(c)); });
  m.set("nni.ConvReLU1d", [](const ConvertContext& c) { return conv<nniq::ConvReLU1d>(c, part<nn::ConvBase>(c, "0")); });
  m.set("nni.ConvReLU2d", [](const ConvertContext& c) { return conv<nniq::ConvReLU2d>(c, part<nn::ConvBase>(c, "0")); });
  m.set("nni.ConvReLU3d", [](const ConvertContext& c) { return conv<nniq::ConvReLU3d>(c, part<nn::ConvBase>(c, "0")); });
  m.set("nn.ConvTranspose1d",
        [](const ConvertContext& c) { return conv_transpose<nnq::ConvTranspose1d>(c, as<nn::ConvBase>(c)); });
  m.set("nn.ConvTranspose2d",
        [](const ConvertContext& c) { return conv_transpose<nnq::ConvTranspose2d>(c, as<nn::ConvBase>(c)); });
  m.set("nn.ConvTranspose3d",
        [](const ConvertContext& c) { return conv_transpose<nnq::ConvTranspose3d>(c, as<nn::ConvBase>(c)); });
  m.set("nn.BatchNorm2d",
        [](const ConvertContext& c) { return batchnorm<nnq::BatchNorm2d>(c, as<nn::BatchNorm2d>(c)); });
  m.set("nn.BatchNorm3d",
        [](const ConvertContext& c) { return batchnorm<nnq::BatchNorm3d>(c, as<nn::BatchNorm3d>(c)); });
  m.set("nni.BNReLU2d",
        [](const ConvertContext& c) { return batchnorm<nniq::BNReLU2d>(c, part<nn::BatchNorm2d>(c, "0")); });
  m.set("nni.BNReLU3d",
        [](const ConvertContext& c) { return batchnorm<nniq::BNReLU3d>(c, part<nn::BatchNorm3d>(c, "0")); });
  m.set("nn.LayerNorm", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    const auto& f = as<nn::LayerNorm>(c);
    const OutQParams o = output_qparams(c);
    return std::make_shared<nnq::LayerNorm>(f.normalized_shape, f.weight, f.bias, o.scale, o.zero_point, f.eps,
                                            f.elementwise_affine);
  });
  m.set("nn.GroupNorm", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    const auto& f = as<nn::GroupNorm>(c);
    const OutQParams o = output_qparams(c);
    return std::make_shared<nnq::GroupNorm>(f.num_groups, f.num_channels, f.weight, f.bias, o.scale, o.zero_point,
                                            f.eps, f.affine);
  });
  m.set("nn.InstanceNorm1d", instance_norm<nnq::InstanceNorm1d>);
  m.set("nn.InstanceNorm2d", instance_norm<nnq::InstanceNorm2d>);
  m.set("nn.InstanceNorm3d", instance_norm<nnq::InstanceNorm3d>);
  m.set("nn.Embedding", embedding);
  m.set("nn.EmbeddingBag", embedding_bag);
  m.set("nn.ReLU6", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    return std::make_shared<nnq::ReLU6>(as<nn::ReLU6>(c).inplace);
  });
  m.set("nn.Hardswish", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    const OutQParams o = output_qparams(c);
    return std::make_shared<nnq::Hardswish>(o.scale, o.zero_point);
  });
  m.set("nn.ELU", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    const OutQParams o = output_qparams(c);
    return std::make_shared<nnq::ELU>(o.scale, o.zero_point, as<nn::ELU>(c).alpha);
  });
  m.set("nn.LeakyReLU", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    const OutQParams o = output_qparams(c);
    return std::make_shared<nnq::LeakyReLU>(o.scale, o.zero_point, as<nn::LeakyReLU>(c).negative_slope);
  });
  m.set("nn.FloatFunctional", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    const OutQParams o = output_qparams(c);
    return nnq::QFunctional::from_qparams(o.scale, o.zero_point);
  });
  return m;
}

ModuleMapping get_default_dynamic_quant_module_mappings() {
  ModuleMapping m;
  m.set("nn.Linear", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    const auto& lin = as<nn::Linear>(c);
    if (c.qconfig.is_float16()) return nnqd::Linear::from_float_weight_fp16(lin.weight, lin.bias);
    return nnqd::Linear::from_quantized(quantize_weight(lin.weight, c.qconfig), lin.bias);
  });
  m.set("nn.LSTM", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    require_int8_dynamic(c);
    const auto& r = as<nn::LSTM>(c);
    return nnqd::LSTM::from_quantized(r.input_size, r.hidden_size, r.num_layers, r.bias, r.batch_first, r.dropout,
                                      r.bidirectional, rnn_weights(c, r));
  });
  m.set("nn.GRU", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    require_int8_dynamic(c);
    const auto& r = as<nn::GRU>(c);
    return nnqd::GRU::from_quantized(r.input_size, r.hidden_size, r.num_layers, r.bias, r.batch_first, r.dropout,
                                     r.bidirectional, rnn_weights(c, r));
  });
  m.set("nn.RNNCell", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    require_int8_dynamic(c);
    const auto& r = as<nn::RNNCell>(c);
    return nnqd::RNNCell::from_quantized(quantize_weight(r.weight_ih, c.qconfig),
                                         quantize_weight(r.weight_hh, c.qconfig), r.bias_ih, r.bias_hh,
                                         r.nonlinearity);
  });
  m.set("nn.LSTMCell", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    require_int8_dynamic(c);
    const auto& r = as<nn::LSTMCell>(c);
    return nnqd::LSTMCell::from_quantized(quantize_weight(r.weight_ih, c.qconfig),
                                          quantize_weight(r.weight_hh, c.qconfig), r.bias_ih, r.bias_hh);
  });
  m.set("nn.GRUCell", [](const ConvertContext& c) -> std::shared_ptr<nn::Module> {
    require_int8_dynamic(c);
    const auto& r = as<nn::GRUCell>(c);
    return nnqd::GRUCell::from_quantized(quantize_weight(r.weight_ih, c.qconfig),
                                         quantize_weight(r.weight_hh, c.qconfig), r.bias_ih, r.bias_hh);
  });
  m.set("nn.Embedding", embedding);
  m.set("nn.EmbeddingBag", embedding_bag);
  return m;
}

}  // namespace qjit
