#include "library.hpp"

#include <mongoc/mongoc.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "connection.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "redact.hpp"
#include "scratch.hpp"

namespace mongo_odm::core {
namespace library {

namespace {

enum State : int { fresh = 0, running = 1, shut_down = 2 };

std::mutex g_mutex;
int g_refs = 0;
std::atomic<int> g_state{fresh};
std::atomic<unsigned> g_fork_generation{0};

// The fork gate (see OperationScope in library.hpp). Sequentially consistent on both sides:
// a scope counts itself, then checks for a pending fork; the fork marks itself pending, then
// reads the count; so at least one of the two sees the other.
std::atomic<bool> g_fork_pending{false};
std::atomic<int> g_operations{0};
thread_local int t_scope_depth = 0;

// Waits, by polling, for the operations in flight to end. No condition variable: one that
// other threads wait on at fork() time is not safe to use in the child.
void quiesce_operations() {
  g_fork_pending.store(true);
  const auto start = std::chrono::steady_clock::now();
  const auto bound = start + std::chrono::milliseconds(kForkQuiesceMs);
  int left = g_operations.load();
  while (left > t_scope_depth) {  // a thread forking from inside an operation counts its own
    if (std::chrono::steady_clock::now() >= bound) {
      log::write(log::warning, "fork(): " + std::to_string(left - t_scope_depth) +
                                   " operation(s) of other threads still running after " +
                                   std::to_string(kForkQuiesceMs) + " ms; forking anyway");
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    left = g_operations.load();
  }
}

void on_fork_prepare() {
  quiesce_operations();  // before taking the log mutex: the warning above goes through it
  connection::lock_for_fork();
  log::lock_for_fork();
  lock_secrets_for_fork();
  interrupt::lock_for_fork();
  scratch::lock_for_fork();
}

void on_fork_parent() {
  scratch::unlock_after_fork();
  interrupt::unlock_after_fork();
  unlock_secrets_after_fork();
  log::unlock_after_fork();
  connection::unlock_after_fork();
  g_fork_pending.store(false);
}

void on_fork_child() {
  scratch::unlock_after_fork();
  interrupt::unlock_after_fork();
  unlock_secrets_after_fork();
  log::unlock_after_fork();
  connection::unlock_after_fork();
  g_fork_generation.fetch_add(1, std::memory_order_relaxed);
  g_operations.store(t_scope_depth);  // the other threads' operations do not exist here
  g_fork_pending.store(false);
}

// Caller holds g_mutex.
void start_locked() {
  const int state = g_state.load(std::memory_order_acquire);
  if (state == running) return;
  if (state == shut_down) {
    // mongoc_init() runs once per process: after mongoc_cleanup() the driver cannot be used.
    fail(Code::internal, "mongo_odm_cleanup() has shut the driver down; it cannot be used again in this process");
  }
  static std::once_flag atfork_once;
  std::call_once(atfork_once, [] { pthread_atfork(on_fork_prepare, on_fork_parent, on_fork_child); });
  // The handler goes in first: mongoc_init() itself may warn (for example "Falling back to
  // malloc for counters." when a /dev/shm/mongoc-<pid> left by a killed process with this pid
  // exists), and the library is quiet unless its log is turned on.
  log::install();
  mongoc_init();
  g_state.store(running, std::memory_order_release);
}

}  // namespace

int init_or_throw() {
  std::lock_guard<std::mutex> lock(g_mutex);
  start_locked();
  return ++g_refs;
}

int init() {
  try {
    return init_or_throw();
  } catch (const Error &) {
    return 0;
  }
}

int cleanup() {
  std::unique_lock<std::mutex> lock(g_mutex);
  if (g_refs == 0) return 0;
  if (--g_refs > 0) return g_refs;
  lock.unlock();
  connection::disconnect();
  lock.lock();
  if (g_refs == 0 && g_state.load(std::memory_order_acquire) == running) {
    scratch::release_spares();
    mongoc_cleanup();
    g_state.store(shut_down, std::memory_order_release);
  }
  return g_refs;
}

void ensure_initialized() {
  if (g_state.load(std::memory_order_acquire) == running) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  start_locked();
}

bool is_shut_down() { return g_state.load(std::memory_order_acquire) == shut_down; }

unsigned fork_generation() { return g_fork_generation.load(std::memory_order_relaxed); }

OperationScope::OperationScope() : active_(true) {
  if (t_scope_depth++ > 0) {  // nested in this thread's own operation: already counted
    g_operations.fetch_add(1);
    return;
  }
  for (;;) {
    g_operations.fetch_add(1);
    if (!g_fork_pending.load()) return;
    g_operations.fetch_sub(1);  // a fork() is waiting for the count to drop: let it go first
    while (g_fork_pending.load()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

OperationScope::~OperationScope() {
  if (!active_) return;
  g_operations.fetch_sub(1);
  --t_scope_depth;
}

}  // namespace library
}  // namespace mongo_odm::core
