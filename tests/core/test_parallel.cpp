#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "core/parallel.hpp"

using namespace pb;

TEST(Parallel, CoversEveryIndexExactlyOnce) {
  for (size_t n : {size_t(1), size_t(7), size_t(1000), size_t(12345)}) {
    std::vector<std::atomic<int>> hits(n);
    for (int rep = 0; rep < 20; ++rep)
      parallel_for(n, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 20);
  }
}

TEST(Parallel, PropagatesExceptionsAndStaysUsable) {
  EXPECT_THROW(parallel_for(100, [](size_t b, size_t) {
                 if (b == 0) throw std::runtime_error("boom");
               }),
               std::runtime_error);
  std::atomic<size_t> sum{0};
  parallel_for(100, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 4950u);
}

TEST(Parallel, NestedCallsRunInline) {
  std::atomic<int> count{0};
  parallel_for(8, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i)
      parallel_for(10, [&](size_t b2, size_t e2) { count += int(e2 - b2); });
  });
  EXPECT_EQ(count.load(), 80);
}
