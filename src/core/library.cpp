#include "library.hpp"

#include <mongoc/mongoc.h>
#include <pthread.h>

#include <atomic>
#include <mutex>

#include "connection.hpp"
#include "error.hpp"
#include "log.hpp"
#include "redact.hpp"

namespace mongo_odm {
namespace library {

namespace {

enum State : int { fresh = 0, running = 1, shut_down = 2 };

std::mutex g_mutex;
int g_refs = 0;
std::atomic<int> g_state{fresh};
std::atomic<unsigned> g_fork_generation{0};

void on_fork_prepare() {
  connection::lock_for_fork();
  log::lock_for_fork();
  lock_secrets_for_fork();
}

void on_fork_parent() {
  unlock_secrets_after_fork();
  log::unlock_after_fork();
  connection::unlock_after_fork();
}

void on_fork_child() {
  unlock_secrets_after_fork();
  log::unlock_after_fork();
  connection::unlock_after_fork();
  g_fork_generation.fetch_add(1, std::memory_order_relaxed);
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
  mongoc_init();
  log::install();
  g_state.store(running, std::memory_order_release);
}

}  // namespace

int init() {
  std::lock_guard<std::mutex> lock(g_mutex);
  try {
    start_locked();
  } catch (const Error &) {
    return 0;
  }
  return ++g_refs;
}

int cleanup() {
  std::unique_lock<std::mutex> lock(g_mutex);
  if (g_refs == 0) return 0;
  if (--g_refs > 0) return g_refs;
  lock.unlock();
  connection::disconnect();
  lock.lock();
  if (g_refs == 0 && g_state.load(std::memory_order_acquire) == running) {
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

}  // namespace library
}  // namespace mongo_odm
