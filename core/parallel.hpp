#pragma once
#include <cstddef>
#include <functional>

namespace pb {

// Runs fn(begin, end) over [0, n) split into contiguous chunks on a persistent pool of worker threads (created
// once; threads = hardware concurrency unless set_thread_count was called). Blocks until all chunks are done.
// Exceptions thrown by fn are rethrown on the caller's thread.
void parallel_for(size_t n, const std::function<void(size_t, size_t)>& fn, size_t min_chunk = 1);

int thread_count();
void set_thread_count(int n);  // 0 = hardware concurrency; takes effect for later calls
// Starts the workers now rather than at the first parallel_for; std::runtime_error when they cannot be started
// (the ones that did start are stopped first).
void start_thread_pool();

}  // namespace pb
