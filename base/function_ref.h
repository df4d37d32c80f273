// A non-owning reference to a callable, for parameters that are only called during the call that receives them
// (parallel regions). Unlike std::function it never allocates: kernels hand their per-call lambdas to the thread
// pool on every call, and "no allocation after the first call of a shape" is one of the GEMM's promises.
// The referenced callable must outlive the FunctionRef (a lambda passed as an argument does: it lives until the
// end of the full expression).
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace qjit {

template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef> &&
                                              std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor): converts like std::function does
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace qjit
