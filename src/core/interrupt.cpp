#include "interrupt.hpp"

#include <bson/bson.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <thread>

#include "error.hpp"

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
      next_check_us_(start_us_ + kCheckIntervalMs * 1000) {
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
// check function runs at most every kCheckIntervalMs within a call (every time without one).
Reason stop_reason(Operation *op, const Token *token, bool selecting, int64_t now, int64_t *next_check_us) {
  if (token && token->triggered()) return Reason::cancelled;
  if (op && now >= op->deadline_us()) return Reason::deadline;  // the call's and the token's
  if (!op && token && now >= token->deadline()) return Reason::deadline;
  if (selecting && op && now >= op->selection_deadline_us()) return Reason::selection_deadline;
  if (!token || !token->has_check()) return Reason::none;
  if (next_check_us) {
    if (now < *next_check_us) return Reason::none;
    *next_check_us = now + kCheckIntervalMs * 1000;
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

bool sleep_until(int64_t until_us, bool selecting) {
  for (;;) {
    if (should_stop(selecting)) return false;
    const int ms = slice_ms(until_us, selecting);
    if (ms <= 0) return !should_stop(selecting);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
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
