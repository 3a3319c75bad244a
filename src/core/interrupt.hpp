// Giving control back: cancel tokens, deadlines, and the interruptible waits of every blocking
// call.
//
// Each blocking call of the library runs inside an interrupt::Operation on the calling thread
// (Client::run() makes one per call, a cursor one per next()). Everything that can wait inside
// it - the socket reads and writes of src/core/transport.cpp, the wait for a pooled connection,
// the pause between server-selection attempts - asks should_stop() before it sleeps and
// whenever it wakes, which says stop when
//   - the cancel token attached to the thread (attach()) was triggered,
//   - the token's check function, run every check interval (kCheckIntervalMs unless the token
//     says otherwise), asked to stop,
//   - the call's deadline passed: the client's timeoutMS and the token's own deadline, or
//   - (server selection only) serverSelectionTimeoutMS passed.
// A socket wait (Waiter) sleeps until one of those can have happened, not in fixed slices: a
// trigger wakes it through the waiting thread's wake descriptor (an eventfd the token writes
// to), a deadline ends its poll() timeout, the token's next check ends it only when the token
// has a check function, and a signal delivered to the thread (poll() fails with EINTR) runs the
// check function at once. A waiting thread whose token has no free waiter slot, and the wait
// for a pooled connection (a condition variable), wake every kSliceMs instead.
// The waiting code then fails the call; fail_from_bson_error() (error.cpp) reports such a
// failure as CANCELLED or TIMEOUT whatever libmongoc made of the broken connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>

namespace mongo_odm::core {
namespace interrupt {

constexpr int kSliceMs = 20;          // the longest a wait that cannot be woken sleeps
constexpr int kCheckIntervalMs = 20;  // a token's check interval unless set otherwise
constexpr int kMaxWaiters = 4;         // threads a trigger wakes at once (more: they poll)
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// Microseconds of the monotonic clock.
int64_t now_us();

// mongo_odm_cancel_t. trigger() is a lock-free atomic store plus a write() to the wake
// descriptor of each waiting thread: safe from any thread and from a signal handler. The other
// setters are for the token's owner, before it is attached.
class Token {
 public:
  using CheckFn = bool (*)(void *user_data);

  Token() noexcept {
    for (auto &w : waiters_) w.store(-1);
  }
  void trigger() noexcept;
  void reset() noexcept { triggered_.store(false, std::memory_order_release); }
  bool triggered() const noexcept { return triggered_.load(std::memory_order_acquire); }

  // Absolute deadline (now_us() clock); kNever for none.
  void set_deadline(int64_t deadline_us) noexcept { deadline_us_.store(deadline_us, std::memory_order_release); }
  int64_t deadline() const noexcept { return deadline_us_.load(std::memory_order_acquire); }

  void set_check(CheckFn fn, void *user_data) noexcept {
    check_ = fn;
    check_data_ = user_data;
  }
  // Runs the check function (if any); true when it asks to stop.
  bool run_check() const { return check_ && check_(check_data_); }
  bool has_check() const noexcept { return check_ != nullptr; }
  void set_check_interval_ms(int ms) noexcept { check_interval_ms_ = ms; }
  int64_t check_interval_us() const noexcept { return int64_t{check_interval_ms_} * 1000; }

  // A thread about to wait registers its wake descriptor; false when every slot is taken.
  bool add_waiter(int fd) noexcept;
  void remove_waiter(int fd) noexcept;

 private:
  static_assert(std::atomic<bool>::is_always_lock_free, "trigger() must be async-signal-safe");
  static_assert(std::atomic<int>::is_always_lock_free, "trigger() must be async-signal-safe");
  std::atomic<bool> triggered_{false};
  std::atomic<int> waiters_[kMaxWaiters];
  std::atomic<int64_t> deadline_us_{kNever};
  CheckFn check_ = nullptr;
  void *check_data_ = nullptr;
  int check_interval_ms_ = kCheckIntervalMs;
};

// Binds `token` (may be nullptr) to the calling thread for the calls it makes from now on;
// returns the token bound before.
Token *attach(Token *token) noexcept;
Token *attached() noexcept;

// Why a call was stopped.
enum class Reason {
  none,
  cancelled,           // the token was triggered, or its check function asked to stop
  deadline,            // the client's timeoutMS or the token's deadline passed
  selection_deadline,  // serverSelectionTimeoutMS passed while looking for a server
};

// One blocking call. Lives on the stack of its thread; an Operation started while another one
// runs on the same thread (connect() pinging, a save resolving the default connection) shares
// the outer one's deadlines and stop reason.
class Operation {
 public:
  // timeout_ms: the client's timeoutMS (0 = none); selection_timeout_ms: its
  // serverSelectionTimeoutMS, measured from the start of the call.
  Operation(int64_t timeout_ms, int64_t selection_timeout_ms);
  ~Operation();
  Operation(const Operation &) = delete;
  Operation &operator=(const Operation &) = delete;

  int64_t start_us() const { return start_us_; }
  int64_t timeout_ms() const { return timeout_ms_; }
  int64_t selection_timeout_ms() const { return selection_timeout_ms_; }
  // The earliest of the call's own deadline and the token's.
  int64_t deadline_us() const;
  int64_t selection_deadline_us() const { return selection_deadline_us_; }
  // serverSelectionTimeoutMS counts from now on (not while waiting for a pooled connection).
  void start_selection_clock();

  Reason reason() const { return reason_; }
  void stop(Reason reason) {
    if (reason_ == Reason::none) reason_ = reason;
  }
  Token *token() const { return token_; }

 private:
  friend bool should_stop(bool selecting);
  friend class Waiter;
  Operation *outer_;
  Token *token_;
  int64_t start_us_;
  int64_t timeout_ms_;
  int64_t selection_timeout_ms_;
  int64_t deadline_us_;
  int64_t selection_deadline_us_;
  int64_t next_check_us_;
  Reason reason_ = Reason::none;
};

// The innermost Operation of the calling thread, or nullptr.
Operation *current() noexcept;

// True when the current call must stop now (its reason is recorded). `selecting`: the wait is
// part of finding a server (connecting, the handshake), where serverSelectionTimeoutMS counts
// too. Without a current Operation: the attached token alone decides.
bool should_stop(bool selecting = false);

// How long a wait that cannot be woken may sleep before asking should_stop() again: at most
// kSliceMs, at most until `until_us` (kNever for no limit of the caller's own) and the call's
// deadlines. 0 when one has passed.
int slice_ms(int64_t until_us, bool selecting = false);

// One wait of the calling thread (on the stack, around its poll()s). While it lives, the
// thread's wake descriptor is registered with the current call's token (or the attached one).
class Waiter {
 public:
  explicit Waiter(bool selecting);
  ~Waiter();
  Waiter(const Waiter &) = delete;
  Waiter &operator=(const Waiter &) = delete;

  // The descriptor to poll for POLLIN beside the wait's own (-1: none; then timeout_ms()
  // returns within kSliceMs).
  int wake_fd() const { return fd_; }
  // The poll() timeout until `until_us` (kNever: none of the caller's own), the call's
  // deadlines and the token's next check: -1 for none, 0 when one has passed.
  int timeout_ms(int64_t until_us) const;
  // After poll(): the wake descriptor was readable (it is drained), or poll() failed with EINTR
  // (a signal arrived: the token's check function runs at the next should_stop()).
  void woken() const;
  void interrupted();

 private:
  Operation *op_;
  Token *token_;
  bool selecting_;
  int fd_ = -1;
};

// Sleeps until `until_us`, waking when the call's token is triggered; false when stopped early.
bool sleep_until(int64_t until_us, bool selecting = false);

// fork(): the registry of wake descriptors is locked across it (library.cpp's handlers).
void lock_for_fork();
void unlock_after_fork();

// The message of a call stopped for `reason` ("the operation was cancelled", ...).
std::string describe(Reason reason, const Operation *op);

// Throws the error of the current call's stop reason (CANCELLED, TIMEOUT, or CONNECTION for a
// server-selection timeout), naming `what`; `detail` is libmongoc's message of the failure the
// stop caused, if any.
[[noreturn]] void fail_stopped(const char *what, const char *detail = nullptr);

}  // namespace interrupt
}  // namespace mongo_odm::core
