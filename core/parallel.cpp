#include "core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace pb {
namespace {

// Each parallel_for publishes one Run; a worker that wakes late holds a finished Run whose counter is past
// its end, so it can never touch a later call's body.
struct Run {
  const std::function<void(size_t)>* body = nullptr;
  size_t chunks = 0;
  std::atomic<size_t> next{0};
  size_t done = 0;  // guarded by Pool::m_
  std::exception_ptr error;
};

class Pool {
 public:
  // If a thread cannot be started (a thread or memory limit), the ones already running are stopped and joined
  // before the error leaves: a destructor never runs for a half-built pool, and they would wait forever.
  explicit Pool(int n) {
    try {
      for (int i = 0; i < n - 1; ++i) workers_.emplace_back([this] { loop(); });
    } catch (const std::system_error& e) {
      stop_all();
      throw std::runtime_error("could not start " + std::to_string(n) + " threads (" + e.what() + " after " +
                               std::to_string(workers_.size() + 1) + "): ask for fewer");
    }
  }
  ~Pool() { stop_all(); }

  void run(size_t chunks, const std::function<void(size_t)>& body) {
    auto r = std::make_shared<Run>();
    r->body = &body;
    r->chunks = chunks;
    {
      std::lock_guard<std::mutex> lk(m_);
      current_ = r;
    }
    cv_.notify_all();
    work(*r);  // the caller is one of the workers
    std::unique_lock<std::mutex> lk(m_);
    done_cv_.wait(lk, [&] { return r->done == r->chunks; });
    current_.reset();
    if (r->error) std::rethrow_exception(r->error);
  }

 private:
  void work(Run& r) {
    for (;;) {
      const size_t i = r.next.fetch_add(1);
      if (i >= r.chunks) return;
      std::exception_ptr err;
      try {
        (*r.body)(i);
      } catch (...) {
        err = std::current_exception();
      }
      std::lock_guard<std::mutex> lk(m_);
      if (err && !r.error) r.error = err;
      if (++r.done == r.chunks) done_cv_.notify_all();
    }
  }
  void loop() {
    std::shared_ptr<Run> last;
    for (;;) {
      std::shared_ptr<Run> r;
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return stop_ || (current_ && current_ != last); });
        if (stop_) return;
        r = last = current_;
      }
      work(*r);
    }
  }

  void stop_all() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  std::shared_ptr<Run> current_;
  bool stop_ = false;
};

std::mutex g_pool_mutex;  // one parallel_for at a time: nested or concurrent calls run serially
std::unique_ptr<Pool> g_pool;
int g_requested = 0;

int hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace

int thread_count() { return g_requested > 0 ? g_requested : hardware_threads(); }

void set_thread_count(int n) {
  std::lock_guard<std::mutex> lk(g_pool_mutex);
  g_requested = std::max(0, n);
  g_pool.reset();
}

void start_thread_pool() {
  std::lock_guard<std::mutex> lk(g_pool_mutex);
  if (!g_pool && thread_count() > 1) g_pool = std::make_unique<Pool>(thread_count());
}

void parallel_for(size_t n, const std::function<void(size_t, size_t)>& fn, size_t min_chunk) {
  if (n == 0) return;
  std::unique_lock<std::mutex> lk(g_pool_mutex, std::try_to_lock);
  const int threads = thread_count();
  if (!lk.owns_lock() || threads == 1 || n <= min_chunk) {  // nested call or nothing to split: run inline
    fn(0, n);
    return;
  }
  if (!g_pool) g_pool = std::make_unique<Pool>(threads);
  // A few chunks per thread balance ragged work without much scheduling overhead.
  const size_t chunks = std::min(n / std::max<size_t>(min_chunk, 1), size_t(threads) * 4);
  const size_t per = (n + chunks - 1) / chunks;
  const size_t real_chunks = (n + per - 1) / per;
  g_pool->run(real_chunks, [&](size_t c) { fn(c * per, std::min(n, (c + 1) * per)); });
}

}  // namespace pb
