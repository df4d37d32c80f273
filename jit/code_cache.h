// A thread-safe code cache keyed by a kernel descriptor. Each descriptor is generated once per process:
// generation runs outside the lock, and threads that ask for a descriptor being generated wait for that one copy.
// A hit costs a probe of a small thread-local memo (no lock, no allocation) and, on a memo miss, a locked hash
// lookup. Code is never freed, so the returned pointer stays valid for the life of the process.
//
// Desc requirements: a value type with operator==, `size_t hash() const`, and
// `std::unique_ptr<JitCode> generate() const` (throws on failure).
#pragma once

#include <array>
#include <cstddef>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "jit/jit_code.h"

namespace qjit {

template <class Desc>
class CodeCache {
 public:
  static CodeCache& instance() {
    static CodeCache* cache = new CodeCache();  // never destroyed: code may run during static destruction
    return *cache;
  }

  const JitCode& get(const Desc& desc) {
    thread_local std::array<Memo, kMemo> memo{};
    thread_local size_t next = 0;
    for (const Memo& m : memo)
      if (m.code && m.desc == desc) return *m.code;
    const JitCode* code = lookup_or_generate(desc);
    memo[next] = Memo{desc, code};
    next = (next + 1) % kMemo;
    return *code;
  }

  // Number of distinct kernels generated so far (tests check that new shapes generate nothing new).
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return map_.size();
  }

 private:
  static constexpr size_t kMemo = 8;
  struct Memo {
    Desc desc{};
    const JitCode* code = nullptr;
  };
  struct Hash {
    size_t operator()(const Desc& d) const { return d.hash(); }
  };
  using Future = std::shared_future<const JitCode*>;

  const JitCode* lookup_or_generate(const Desc& desc) {
    // The promise (whose shared state is an allocation) exists only when this call generates: a hit in the map,
    // as after a memo eviction, allocates nothing.
    std::optional<std::promise<const JitCode*>> generating;
    Future pending;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = map_.find(desc);
      if (it != map_.end()) {
        pending = it->second;
      } else {
        generating.emplace();
        map_.emplace(desc, generating->get_future().share());
      }
    }
    if (!generating) return pending.get();  // generated, or another thread generates it: wait outside the lock
    std::promise<const JitCode*>& promise = *generating;
    try {
      std::unique_ptr<JitCode> code = desc.generate();
      const JitCode* raw = code.get();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        owned_.push_back(std::move(code));
      }
      promise.set_value(raw);
      return raw;
    } catch (...) {
      promise.set_exception(std::current_exception());
      std::lock_guard<std::mutex> lock(mutex_);
      map_.erase(desc);  // a later call tries again instead of inheriting the failure
      throw;
    }
  }

  std::mutex mutex_;
  std::unordered_map<Desc, Future, Hash> map_;
  std::vector<std::unique_ptr<JitCode>> owned_;
};

}  // namespace qjit
