// qjit::Error and the argument checks every public function uses.
// Promise: a message always names the function, the argument and the offending value, e.g.
//   "quantize_per_tensor: scale = -0.5: must be finite and > 0".
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace qjit {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class T>
std::string format_value(const T& v) {
  std::ostringstream os;
  if constexpr (std::is_floating_point_v<T>) os.precision(9);
  if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>)
    os << static_cast<int>(v);
  else
    os << v;
  return os.str();
}
}  // namespace detail

// Throws "fn: arg = value: requirement".
template <class T>
[[noreturn]] void throw_bad_arg(std::string_view fn, std::string_view arg, const T& value, std::string_view requirement) {
  std::string msg;
  msg.append(fn).append(": ").append(arg).append(" = ").append(detail::format_value(value)).append(": ").append(requirement);
  throw Error(msg);
}

template <class T>
inline void check_arg(bool ok, std::string_view fn, std::string_view arg, const T& value, std::string_view requirement) {
  if (!ok) throw_bad_arg(fn, arg, value, requirement);
}

// The requirement built only when the check fails, for messages that quote other numbers: checks on a kernel's
// per-call path must not allocate (e.g. [&] { return "must be a multiple of groups (" + std::to_string(g) + ")"; }).
template <class T, class Why, class = std::enable_if_t<std::is_invocable_r_v<std::string, Why&>>>
inline void check_arg(bool ok, std::string_view fn, std::string_view arg, const T& value, Why&& requirement) {
  if (!ok) throw_bad_arg(fn, arg, value, requirement());
}

// Element `index` of the array argument `name`, e.g. scales[3]. Checks take it instead of a built string so that
// validating an array on a hot path allocates nothing unless a check fails.
struct ArgAt {
  std::string_view name;
  size_t index;
};
std::string arg_name(ArgAt a);

template <class T>
inline void check_arg(bool ok, std::string_view fn, ArgAt arg, const T& value, std::string_view requirement) {
  if (!ok) throw_bad_arg(fn, arg_name(arg), value, requirement);
}
template <class T, class Why, class = std::enable_if_t<std::is_invocable_r_v<std::string, Why&>>>
inline void check_arg(bool ok, std::string_view fn, ArgAt arg, const T& value, Why&& requirement) {
  if (!ok) throw_bad_arg(fn, arg_name(arg), value, requirement());
}

// A quantization scale must be a finite number > 0 (NaN, inf, 0 and negatives are rejected).
void check_scale(std::string_view fn, std::string_view arg, double scale);
void check_scale(std::string_view fn, ArgAt arg, double scale);
// A zero point must lie in the quantized range of its dtype.
void check_zero_point(std::string_view fn, std::string_view arg, int64_t zp, int64_t qmin, int64_t qmax);
void check_zero_point(std::string_view fn, ArgAt arg, int64_t zp, int64_t qmin, int64_t qmax);
// size >= minimum, with both numbers in the message ("lda = 7: must be >= K (8)").
void check_at_least(std::string_view fn, std::string_view arg, size_t value, std::string_view min_name, size_t minimum);
// Every v[i] is finite and > 0 (multipliers, scales): a branch-free scan, so it costs little on hot paths; on
// failure the first bad element is named, e.g. "gemm: out.multiplier[3] = nan: must be finite and > 0".
void check_positive_finite(std::string_view fn, std::string_view name, const float* v, size_t n);
void check_not_null(std::string_view fn, std::string_view arg, const void* p);

}  // namespace qjit
