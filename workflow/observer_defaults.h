// The named observer configurations of observer.py (PyTorch 1.13.1), as factories, with PyTorch's arguments
// exactly (quant_min / quant_max given where PyTorch gives them: that makes them "custom" ranges).
#pragma once

#include "workflow/histogram_observer.h"
#include "workflow/minmax_observer.h"
#include "workflow/observer.h"

namespace qjit {

ObserverFactory default_observer();                  // MinMaxObserver(quant_min=0, quant_max=127)
ObserverFactory default_placeholder_observer();      // PlaceholderObserver (float32)
ObserverFactory default_debug_observer();            // RecordingObserver
ObserverFactory default_weight_observer();           // MinMaxObserver(qint8, per_tensor_symmetric)
ObserverFactory weight_observer_range_neg_127_to_127();  // ... quant range [-127, 127], eps 2^-12
ObserverFactory default_histogram_observer();        // HistogramObserver(quant_min=0, quant_max=127)
ObserverFactory default_per_channel_weight_observer();   // PerChannelMinMaxObserver(qint8, per_channel_symmetric)
ObserverFactory per_channel_weight_observer_range_neg_127_to_127();  // ... [-127, 127], eps 2^-12
ObserverFactory default_dynamic_quant_observer();    // PlaceholderObserver(quint8, compute_dtype quint8)
ObserverFactory default_float_qparams_observer();    // PerChannelMinMax quint8 per_channel_affine_float_qparams, axis 0
ObserverFactory default_float_qparams_observer_4bit();  // the same for quint4x2
ObserverFactory default_fixed_qparams_range_neg1to1_observer();  // FixedQParams 2/256, 128 (tanh)
ObserverFactory default_fixed_qparams_range_0to1_observer();     // FixedQParams 1/256, 0 (sigmoid, softmax)

}  // namespace qjit
