// Library life cycle: reference-counted init/cleanup around mongoc_init()/mongoc_cleanup().
#pragma once

namespace mongo_odm::core {
namespace library {

int init();     // takes a reference; returns the new count (0 after the final cleanup)
int init_or_throw();  // the same, but throws INTERNAL after the final cleanup
int cleanup();  // drops one; the last closes the default connection and cleans libmongoc up

// True once the last cleanup() shut libmongoc down (the driver cannot be used again).
bool is_shut_down();

// Makes sure libmongoc is initialized without taking a reference (implicit use).
void ensure_initialized();

// Incremented in the child after every fork(); pools compare it to notice they were inherited.
unsigned fork_generation();

// fork() copies only the calling thread: a mutex another thread holds at that moment stays
// locked forever in the child. The pthread_atfork handlers installed at init therefore hold
// the library's short-lived mutexes (connection state, log sink, secret registry) across
// fork() and release them in the parent and in the child. Each of those mutexes is a leaf
// (nothing else is locked while it is held), so the order they are taken in cannot deadlock.
//
// Locks of libmongoc and OpenSSL cannot be held that way, and operations take them: a new
// connection's SCRAM nonce and a new session id come from OpenSSL's RAND, whose DRBG lock a
// thread inside RAND_bytes() holds. A child forked at that moment blocked forever on its first
// authentication. So every server operation runs inside an OperationScope, and the prepare
// handler makes fork() wait until no scope is open (new ones wait for fork() to return), for at
// most kForkQuiesceMs; past that bound fork() goes on (and logs a warning) rather than stall.
// Scopes nest on one thread without waiting. What stays outside: libmongoc's own background
// threads, which with TLS run handshakes (and so RAND) when they (re)connect a monitor.
constexpr int kForkQuiesceMs = 2000;

class OperationScope {
 public:
  OperationScope();  // waits while a fork() is being prepared, then counts this operation
  ~OperationScope();
  OperationScope(OperationScope &&other) noexcept : active_(other.active_) { other.active_ = false; }
  OperationScope &operator=(OperationScope &&) = delete;
  OperationScope(const OperationScope &) = delete;

 private:
  bool active_;
};

}  // namespace library
}  // namespace mongo_odm::core
