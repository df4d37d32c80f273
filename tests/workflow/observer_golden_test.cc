// The `observer` golden family (PyTorch 1.13.1, 282 cases): MinMax, MovingAverageMinMax, PerChannelMinMax,
// MovingAveragePerChannelMinMax and Histogram observers over 1-3 update steps. After every step the running
// min/max, the float32 scale and the zero point must match bit for bit; histogram cases also match the result of
// _non_linear_param_search and (last step) all 2048 bins. Cases with "error" must throw qjit::Error when built.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "tests/support/compare.h"
#include "tests/support/golden.h"
#include "workflow/histogram_observer.h"
#include "workflow/minmax_observer.h"

namespace qjit {
namespace {

using nlohmann::json;
using test::expect_float_bits_equal;
using test::expect_ints_equal;
using test::golden_dtype;
using test::golden_floats;
using test::golden_ints;
using test::golden_tensor;

QScheme parse_qscheme(const std::string& s) {
  if (s == "per_tensor_affine") return QScheme::per_tensor_affine;
  if (s == "per_tensor_symmetric") return QScheme::per_tensor_symmetric;
  if (s == "per_channel_affine") return QScheme::per_channel_affine;
  if (s == "per_channel_symmetric") return QScheme::per_channel_symmetric;
  if (s == "per_channel_affine_float_qparams") return QScheme::per_channel_affine_float_qparams;
  throw Error("unknown qscheme " + s);
}

// The golden kwargs record no quant_min / quant_max: the `special_*` cases that pass a custom range (their
// description says which) are listed here with the range as given, before reduce_range halves it.
std::optional<std::pair<int64_t, int64_t>> custom_range(const std::string& name) {
  static const std::map<std::string, std::pair<int64_t, int64_t>> ranges = {
      {"special_default_histogram_observer_q0_127", {0, 127}},
      {"special_default_observer_q0_127", {0, 127}},
      {"special_minmax_qint8_custom_rr", {-128, 127}},
      {"special_minmax_quint8_custom_rr", {0, 255}},
      {"special_minmax_quint8_sym_custom_0_200", {0, 200}},
      {"special_weight_observer_range_neg_127_to_127", {-127, 127}},
  };
  auto it = ranges.find(name);
  if (it == ranges.end()) return std::nullopt;
  return it->second;
}

// Options common to every observer, from a case's kwargs.
template <class O>
O options_of(const test::GoldenCase& c) {
  const json& kw = c.json.at("kwargs");
  O o;
  o.dtype = golden_dtype(kw.at("dtype").get<std::string>());
  o.qscheme = parse_qscheme(kw.at("qscheme").get<std::string>());
  o.reduce_range = kw.value("reduce_range", false);
  if (kw.contains("eps")) o.eps = static_cast<float>(kw.at("eps").get<double>());
  if (auto r = custom_range(c.name)) {
    o.quant_min = r->first;
    o.quant_max = r->second;
  }
  return o;
}

std::unique_ptr<ObserverBase> make_observer(const test::GoldenCase& c) {
  const std::string type = c.json.at("observer").get<std::string>();
  const json& kw = c.json.at("kwargs");
  if (type == "MinMaxObserver") return std::make_unique<MinMaxObserver>(options_of<MinMaxObserver::Options>(c));
  if (type == "MovingAverageMinMaxObserver") {
    auto o = options_of<MovingAverageMinMaxObserver::Options>(c);
    o.averaging_constant = kw.at("averaging_constant").get<double>();
    return std::make_unique<MovingAverageMinMaxObserver>(o);
  }
  if (type == "PerChannelMinMaxObserver") {
    auto o = options_of<PerChannelMinMaxObserver::Options>(c);
    o.ch_axis = kw.at("ch_axis").get<int64_t>();
    return std::make_unique<PerChannelMinMaxObserver>(o);
  }
  if (type == "MovingAveragePerChannelMinMaxObserver") {
    auto o = options_of<MovingAveragePerChannelMinMaxObserver::Options>(c);
    o.ch_axis = kw.at("ch_axis").get<int64_t>();
    o.averaging_constant = kw.at("averaging_constant").get<double>();
    return std::make_unique<MovingAveragePerChannelMinMaxObserver>(o);
  }
  if (type == "HistogramObserver") {
    auto o = options_of<HistogramObserver::Options>(c);
    if (kw.contains("bins") && !kw.at("bins").is_null()) o.bins = kw.at("bins").get<int64_t>();
    if (kw.contains("upsample_rate") && !kw.at("upsample_rate").is_null())
      o.upsample_rate = kw.at("upsample_rate").get<int64_t>();
    return std::make_unique<HistogramObserver>(o);
  }
  throw Error("unknown observer " + type);
}

std::vector<float> running(const ObserverBase& obs, bool min) {
  if (auto* p = dynamic_cast<const PerChannelMinMaxObserver*>(&obs)) return min ? p->min_val() : p->max_val();
  if (auto* p = dynamic_cast<const MinMaxObserver*>(&obs)) return {min ? p->min_val() : p->max_val()};
  if (auto* p = dynamic_cast<const HistogramObserver*>(&obs)) return {min ? p->min_val() : p->max_val()};
  throw Error("no running min/max");
}

// What each case checked, summed over the family and printed at the end.
struct Tally {
  std::map<std::string, std::pair<int, int>> rows;  // check -> (passed, total)
  void add(const std::string& k, bool ok) {
    auto& r = rows[k];
    r.first += ok;
    r.second += 1;
  }
  std::string str() const {
    std::ostringstream os;
    for (const auto& [k, r] : rows) os << "  " << std::left << std::setw(58) << k << r.first << "/" << r.second << "\n";
    return os.str();
  }
};

// Runs one case: builds the observer (or expects the constructor to throw), then every step.
void run_case(const test::GoldenCase& c, Tally& t) {
  SCOPED_TRACE(c.name);
  const std::string type = c.json.at("observer").get<std::string>();
  if (c.json.contains("error")) {
    bool threw = false;
    try {
      make_observer(c);
    } catch (const Error&) {
      threw = true;
    }
    EXPECT_TRUE(threw) << "PyTorch raised: " << c.json.at("error").get<std::string>();
    t.add(type + " constructor error", threw);
    return;
  }
  std::unique_ptr<ObserverBase> obs = make_observer(c);
  EXPECT_EQ(obs->quant_min(), c.json.at("quant_min").get<int64_t>());
  EXPECT_EQ(obs->quant_max(), c.json.at("quant_max").get<int64_t>());
  const json& steps = c.json.at("inputs").at("steps");
  const json& after = c.json.at("outputs").at("after_step");
  ASSERT_EQ(steps.size(), after.size());
  auto* hist = dynamic_cast<HistogramObserver*>(obs.get());
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string step = "step " + std::to_string(i);
    const Tensor x = golden_tensor(steps[i]);
    const Tensor y = obs->forward(x);
    EXPECT_TRUE(y.shares_storage_with(x)) << "forward must return its input";
    const json& st = after[i];
    t.add(type + " running min/max",
          expect_float_bits_equal(running(*obs, true), golden_floats(st.at("min_val")), step + " min_val") &
              expect_float_bits_equal(running(*obs, false), golden_floats(st.at("max_val")), step + " max_val"));
    const ObserverQParams q = obs->calculate_qparams();
    bool ok = expect_float_bits_equal(q.scales, golden_floats(st.at("scale")), step + " scale");
    if (st.at("zero_point").at("dtype") == "f32")
      ok &=
          expect_float_bits_equal(q.float_zero_points, golden_floats(st.at("zero_point")), step + " float zero_point");
    else
      ok &= expect_ints_equal(q.zero_points, golden_ints(st.at("zero_point")), step + " zero_point");
    t.add(type + " scale + zero point", ok);
    if (hist && st.contains("search_min")) {
      const auto [a, b] = hist->non_linear_param_search();
      t.add(type + " search min/max", expect_float_bits_equal({a, b},
                                                              {static_cast<float>(st.at("search_min").get<double>()),
                                                               static_cast<float>(st.at("search_max").get<double>())},
                                                              step + " search (min, max)"));
    }
    if (hist && st.contains("histogram"))
      t.add(type + " final histogram bins",
            expect_float_bits_equal(hist->histogram(), golden_floats(st.at("histogram")), step + " histogram"));
  }
}

TEST(ObserverGolden, EveryOneOf282CasesBitExact) {
  const auto cases = test::load_golden_family("observer");
  ASSERT_EQ(cases.size(), 282u) << "a missing or extra file in " << test::golden_dir() << "/observer";
  Tally t;
  std::map<std::string, int> per_type;
  int errors = 0;
  for (const auto& c : cases) {
    ++per_type[c.json.at("observer").get<std::string>()];
    errors += c.json.contains("error");
    run_case(c, t);
  }
  EXPECT_EQ(per_type["MinMaxObserver"] + per_type["MovingAverageMinMaxObserver"] +
                per_type["PerChannelMinMaxObserver"] + per_type["MovingAveragePerChannelMinMaxObserver"] +
                per_type["HistogramObserver"],
            282)
      << "an observer type the test does not know";
  EXPECT_EQ(per_type["HistogramObserver"], 50);
  EXPECT_EQ(errors, 26);
  for (const auto& [k, r] : t.rows) EXPECT_EQ(r.first, r.second) << k;
  std::cout << "observer golden checks (passed/total):\n" << t.str();
}

}  // namespace
}  // namespace qjit
