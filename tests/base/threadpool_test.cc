// The default pool and caller partitions.
#include "base/threadpool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "base/error.h"

namespace qjit {
namespace {

TEST(ThreadPool, PartitionRangesTileTheWholeRangeAlignedToBlocks) {
  for (size_t n : {0, 1, 63, 64, 65, 1000, 4097})
    for (int count : {1, 2, 3, 8})
      for (size_t align : {1, 16, 64}) {
        size_t next = 0;
        for (int id = 0; id < count; ++id) {
          const auto [b, e] = partition_range(n, Partition{id, count}, align);
          EXPECT_EQ(b, next) << "n=" << n << " count=" << count << " align=" << align;
          EXPECT_LE(b, e);
          if (e != n) EXPECT_EQ(e % align, 0u);
          next = e;
        }
        EXPECT_EQ(next, n);
      }
}

TEST(ThreadPool, ParallelRunCallsEveryShareOnceAndUsesSeveralThreads) {
  set_num_threads(2);
  EXPECT_EQ(get_num_threads(), 2);
  std::mutex m;
  std::multiset<int> ids;
  std::set<std::thread::id> threads;
  parallel_run(6, [&](Partition p) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::lock_guard<std::mutex> lock(m);
    EXPECT_EQ(p.thread_count, 6);
    ids.insert(p.thread_id);
    threads.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids, (std::multiset<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(threads.size(), 2u);
  set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST(ThreadPool, NestedRegionRunsSeriallyInsteadOfDeadlocking) {
  set_num_threads(2);
  std::atomic<int> inner{0};
  parallel_run(2, [&](Partition) { parallel_run(3, [&](Partition) { ++inner; }); });
  EXPECT_EQ(inner.load(), 6);
}

TEST(ThreadPool, ExceptionInAShareReachesTheCaller) {
  EXPECT_THROW(parallel_run(2, [](Partition p) {
                 if (p.thread_id == 1) throw Error("boom");
               }),
               Error);
}

TEST(ThreadPool, BadArgumentsThrow) {
  EXPECT_THROW(set_num_threads(0), Error);
  EXPECT_THROW(partition_range(10, Partition{2, 2}), Error);
  EXPECT_THROW(partition_range(10, Partition{0, 0}), Error);
}

}  // namespace
}  // namespace qjit
