#include "interrupt.hpp"

#include <bson/bson.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#endif

#include <algorithm>
#include <climits>
#include <cstring>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "error.hpp"
#include "library.hpp"

namespace mongo_odm::core {
namespace interrupt {

namespace {

thread_local Token *t_token = nullptr;
thread_local Operation *t_current = nullptr;

int64_t after_ms(int64_t start_us, int64_t ms) {
  if (ms <= 0) return kNever;
  if (ms > (kNever - start_us) / 1000) return kNever;
  return start_us + ms * 1000;
}

}  // namespace

int64_t now_us() { return bson_get_monotonic_time(); }

// ---- wake descriptors -------------------------------------------------------------------------
//
// Each thread that waits gets one descriptor that a trigger makes readable: an eventfd (a pipe
// elsewhere). It is never closed: a thread that ends gives it back for the next thread, so a
// trigger that read a slot just before its waiter left can only wake another waiter spuriously,
// never write into a descriptor reused for something else. A child process after fork() makes
// its own (the inherited ones are shared with the parent) and leaves the inherited ones alone.

namespace {

struct WakeFd {
  int read = -1, write = -1;
};

std::mutex g_wake_mutex;
std::vector<WakeFd> g_spare_wake_fds;
unsigned g_spare_generation = 0;

WakeFd open_wake_fd() {
  WakeFd w;
#if defined(__linux__)
  w.read = w.write = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
#else
  int fds[2];
  if (::pipe(fds) == 0) {
    for (int fd : fds) {
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    w.read = fds[0];
    w.write = fds[1];
  }
#endif
  return w;
}

struct ThreadWake {
  WakeFd fd;
  unsigned generation = 0;
  ~ThreadWake() {
    if (fd.read < 0) return;
    std::lock_guard<std::mutex> lock(g_wake_mutex);
    if (generation == g_spare_generation) g_spare_wake_fds.push_back(fd);
  }
};

thread_local ThreadWake t_wake;

// The calling thread's wake descriptor (read end is polled, write end is what tokens write to);
// read -1 when none could be made (the waits then poll in slices).
const WakeFd &thread_wake_fd() {
  const unsigned generation = library::fork_generation();
  if (t_wake.fd.read >= 0 && t_wake.generation == generation) return t_wake.fd;
  t_wake.fd = WakeFd{};
  t_wake.generation = generation;
  {
    std::lock_guard<std::mutex> lock(g_wake_mutex);
    if (g_spare_generation != generation) {  // the parent's, after a fork(): not ours to reuse
      g_spare_wake_fds.clear();
      g_spare_generation = generation;
    }
    if (!g_spare_wake_fds.empty()) {
      t_wake.fd = g_spare_wake_fds.back();
      g_spare_wake_fds.pop_back();
      return t_wake.fd;
    }
  }
  t_wake.fd = open_wake_fd();
  return t_wake.fd;
}

void drain(int fd) {
  char buf[64];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

}  // namespace

void lock_for_fork() { g_wake_mutex.lock(); }
void unlock_after_fork() { g_wake_mutex.unlock(); }

// Registered in waiters_ is the write end of the waiting thread's descriptor.
void Token::trigger() noexcept {
  triggered_.store(true);  // sequentially consistent: see add_waiter()
  for (auto &slot : waiters_) {
    const int fd = slot.load();
    if (fd < 0) continue;
#if defined(__linux__)
    const uint64_t one = 1;
    const ssize_t ignored = ::write(fd, &one, sizeof one);
#else
    const char one = 1;
    const ssize_t ignored = ::write(fd, &one, 1);
#endif
    (void)ignored;  // a full counter or pipe: the waiter has a wake-up pending already
  }
}

// A waiter stores its descriptor, then reads triggered_; a trigger stores triggered_, then reads
// the slots: one of them sees the other, so a trigger is never missed.
bool Token::add_waiter(int fd) noexcept {
  for (auto &slot : waiters_) {
    int expected = -1;
    if (slot.compare_exchange_strong(expected, fd)) return true;
  }
  return false;
}

void Token::remove_waiter(int fd) noexcept {
  for (auto &slot : waiters_) {
    int expected = fd;
    if (slot.compare_exchange_strong(expected, -1)) return;
  }
}

Token *attach(Token *token) noexcept {
  Token *previous = t_token;
  t_token = token;
  return previous;
}

Token *attached() noexcept { return t_token; }

Operation *current() noexcept { return t_current; }

Operation::Operation(int64_t timeout_ms, int64_t selection_timeout_ms)
    : outer_(t_current),
      token_(t_token),
      start_us_(now_us()),
      timeout_ms_(timeout_ms),
      selection_timeout_ms_(selection_timeout_ms),
      deadline_us_(after_ms(start_us_, timeout_ms)),
      selection_deadline_us_(after_ms(start_us_, selection_timeout_ms)),
      next_check_us_(start_us_ + (token_ ? token_->check_interval_us() : kCheckIntervalMs * 1000)) {
  if (outer_) {
    // A call inside a call: the outer call's limits still hold.
    deadline_us_ = std::min(deadline_us_, outer_->deadline_us_);
    if (outer_->timeout_ms_ > 0 && (timeout_ms_ <= 0 || outer_->deadline_us_ <= deadline_us_)) {
      timeout_ms_ = outer_->timeout_ms_;
    }
    reason_ = outer_->reason_;
  }
  t_current = this;
}

Operation::~Operation() {
  if (outer_ && reason_ != Reason::none) outer_->stop(reason_);
  t_current = outer_;
}

void Operation::start_selection_clock() {
  if (!outer_) selection_deadline_us_ = after_ms(now_us(), selection_timeout_ms_);
}

int64_t Operation::deadline_us() const {
  return token_ ? std::min(deadline_us_, token_->deadline()) : deadline_us_;
}

namespace {

// Why the call (`op`, may be null) under `token` (may be null) must stop now, or none. The
// check function runs once per check interval of the token within a call (every time without one).
// (One test per reason, in the order they win: its branches are the list of reasons.)
Reason stop_reason(Operation *op, const Token *token, bool selecting, int64_t now, int64_t *next_check_us) {
  if (token && token->triggered()) return Reason::cancelled;
  if (op && now >= op->deadline_us()) return Reason::deadline;  // the call's and the token's
  if (!op && token && now >= token->deadline()) return Reason::deadline;
  if (selecting && op && now >= op->selection_deadline_us()) return Reason::selection_deadline;
  if (!token || !token->has_check()) return Reason::none;
  if (next_check_us) {
    if (now < *next_check_us) return Reason::none;
    *next_check_us = now + token->check_interval_us();
  }
  return token->run_check() ? Reason::cancelled : Reason::none;
}

}  // namespace

bool should_stop(bool selecting) {
  Operation *op = t_current;
  if (op && op->reason_ != Reason::none) return true;
  const Reason reason =
      stop_reason(op, op ? op->token_ : t_token, selecting, now_us(), op ? &op->next_check_us_ : nullptr);
  if (reason == Reason::none) return false;
  if (op) op->stop(reason);
  return true;
}

int slice_ms(int64_t until_us, bool selecting) {
  const Operation *op = t_current;
  const Token *token = op ? nullptr : t_token;
  int64_t limit = until_us;
  if (op) {
    limit = std::min(limit, op->deadline_us());
    if (selecting) limit = std::min(limit, op->selection_deadline_us());
  } else if (token) {
    limit = std::min(limit, token->deadline());
  }
  const int64_t now = now_us();
  if (limit <= now) return 0;
  const int64_t left_ms = (limit - now + 999) / 1000;
  return static_cast<int>(std::min<int64_t>(left_ms, kSliceMs));
}

Waiter::Waiter(bool selecting) : op_(t_current), token_(op_ ? op_->token_ : t_token), selecting_(selecting) {
  if (!token_) return;  // nothing can trigger: deadlines end the poll() on their own
  const WakeFd &wake = thread_wake_fd();
  if (wake.read >= 0 && token_->add_waiter(wake.write)) fd_ = wake.read;
}

Waiter::~Waiter() {
  if (fd_ >= 0) token_->remove_waiter(t_wake.fd.write);
}

int Waiter::timeout_ms(int64_t until_us) const {
  int64_t limit = until_us;
  if (op_) {
    limit = std::min(limit, op_->deadline_us());
    if (selecting_) limit = std::min(limit, op_->selection_deadline_us());
    if (token_ && token_->has_check()) limit = std::min(limit, op_->next_check_us_);
  } else if (token_) {
    limit = std::min(limit, token_->deadline());
    if (token_->has_check()) limit = std::min(limit, now_us() + token_->check_interval_us());
  }
  const int64_t now = now_us();
  if (token_ && fd_ < 0) limit = std::min(limit, now + kSliceMs * 1000);  // cannot be woken
  if (limit == kNever) return -1;
  if (limit <= now) return 0;
  return static_cast<int>(std::min<int64_t>((limit - now + 999) / 1000, INT_MAX));
}

void Waiter::woken() const {
  if (fd_ >= 0) drain(fd_);
}

void Waiter::interrupted() {
  if (op_) op_->next_check_us_ = 0;  // a signal: let the check function see it now
}

bool sleep_until(int64_t until_us, bool selecting) {
  Waiter waiter(selecting);
  for (;;) {
    if (should_stop(selecting)) return false;
    const int ms = waiter.timeout_ms(until_us);
    if (ms == 0) return !should_stop(selecting);
    if (waiter.wake_fd() < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms < 0 ? kSliceMs : ms));
      continue;
    }
    pollfd p{waiter.wake_fd(), POLLIN, 0};
    const int r = ::poll(&p, 1, ms);
    if (r > 0) waiter.woken();
    if (r < 0 && errno == EINTR) waiter.interrupted();
  }
}

std::string describe(Reason reason, const Operation *op) {
  switch (reason) {
    case Reason::cancelled:
      return "the operation was cancelled";
    case Reason::deadline:
      if (op && op->timeout_ms() > 0) {
        return "the operation exceeded its time limit (timeoutMS=" + std::to_string(op->timeout_ms()) + ")";
      }
      return "the operation exceeded the deadline of its cancel token";
    case Reason::selection_deadline:
      return "no server answered within serverSelectionTimeoutMS (" +
             std::to_string(op ? op->selection_timeout_ms() : 0) + " ms)";
    case Reason::none:
      break;
  }
  return "the operation was stopped";
}

void fail_stopped(const char *what, const char *detail) {
  const Operation *op = t_current;
  const Reason reason = op ? op->reason() : Reason::cancelled;
  switch (reason) {
    case Reason::deadline:
      fail(Code::timeout, std::string(what) + ": " + describe(reason, op), kServerCodeDeadlineExceeded);
    case Reason::selection_deadline: {
      // libmongoc's scan reports the connection the library stopped as a socket error; the
      // truth is that it timed out.
      std::string found = detail ? detail : "";
      const size_t open = found.find('[');
      found = open == std::string::npos ? describe(reason, op) : found.substr(open + 1);
      if (!found.empty() && found.back() == ']') found.pop_back();
      for (const char *vague : {"unknown socket error", "unknown connection error"}) {
        const size_t at = found.find(vague);
        if (at != std::string::npos) found.replace(at, std::strlen(vague), "timed out");
      }
      fail(Code::connection,
           std::string(what) + ": No suitable servers found: `serverSelectionTimeoutMS` expired: [" + found + "]",
           kServerCodeServerSelection);
    }
    default:
      fail(Code::cancelled, std::string(what) + ": " + describe(reason, op));
  }
}

}  // namespace interrupt
}  // namespace mongo_odm::core
