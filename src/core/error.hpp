// The core's error type. Core code throws mongo_odm::Error; the C API turns it into a
// mongo_odm_error_t at the boundary (src/capi/guard.hpp). Nothing else is thrown on purpose.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <exception>
#include <string>

namespace mongo_odm::core {

// Mirrors mongo_odm_error_code_t (checked by static_asserts in src/capi/error.cpp).
enum class Code : uint32_t {
  ok = 0,
  invalid_argument = 1,
  configuration = 2,
  connection = 3,
  not_implemented = 4,
  missing_id = 5,
  validation = 6,
  duplicate_key = 7,
  server = 8,
  encoding = 9,
  timeout = 10,
  internal = 11,
  cancelled = 12,
  revision_conflict = 13,
};

// server_code values of the conditions the library detects on the client side. Servers use
// positive codes; 13053 is libmongoc's own code for a failed server selection.
constexpr int32_t kServerCodeServerSelection = 13053;  // with Code::connection
constexpr int32_t kServerCodeDeadlineExceeded = -1;    // with Code::timeout: timeoutMS / token deadline
constexpr int32_t kServerCodeWaitQueueTimeout = -2;    // with Code::timeout: waitQueueTimeoutMS
constexpr int32_t kServerCodeMaxTimeExpired = 50;      // with Code::timeout: the server's maxTimeMS

// The finer cause of an error, derived from (code, server_code) alone so that the C API can
// answer it for any mongo_odm_error_t (mongo_odm_error_reason()). Mirrors
// mongo_odm_error_reason_t.
enum class Cause : uint32_t {
  none = 0,
  other = 1,
  server_selection = 2,   // no suitable server within serverSelectionTimeoutMS
  network = 3,            // a connection failed (refused, reset, TLS, authentication)
  network_timeout = 4,    // socketTimeoutMS/connectTimeoutMS ran out on an open connection
  execution_timeout = 5,  // the server stopped the operation at its maxTimeMS
  deadline = 6,           // the client's timeoutMS or the cancel token's deadline passed
  wait_queue_timeout = 7, // no pooled connection became free within waitQueueTimeoutMS
  cancelled = 8,          // a cancel token was triggered (or its check function said stop)
};
Cause cause_of(uint32_t code, int32_t server_code) noexcept;

class Error : public std::exception {
 public:
  Error(Code code, std::string message, int32_t server_code = 0);

  Code code() const noexcept { return code_; }
  int32_t server_code() const noexcept { return server_code_; }
  const std::string &message() const noexcept { return message_; }
  const char *what() const noexcept override { return message_.c_str(); }
  Cause cause() const noexcept { return cause_of(static_cast<uint32_t>(code_), server_code_); }

 private:
  Code code_;
  int32_t server_code_;
  std::string message_;
};

// Throws Error(code, message). Kept out of line so call sites stay small.
[[noreturn]] void fail(Code code, const std::string &message, int32_t server_code = 0);

// Throws INVALID_ARGUMENT "<what> is NULL" when `ptr` is NULL (the C API's rule for required
// pointers, checked by the C glue and by the core alike).
inline void require(const void *ptr, const char *what) {
  if (!ptr) fail(Code::invalid_argument, std::string(what) + " is NULL");
}

// Classifies a libmongoc/libbson error (error API version 2) and throws it. `context` names
// the operation ("find", "insert_many", ...) and prefixes the message. When the current call
// was stopped (interrupt.hpp), the broken connection libmongoc reports is the consequence:
// the stop reason is thrown instead (CANCELLED, or TIMEOUT for a deadline).
[[noreturn]] void fail_from_bson_error(const bson_error_t &error, const char *context);

// The code a libmongoc/libbson error maps to.
Code classify_bson_error(const bson_error_t &error);

// The names of the codes ("MONGO_ODM_ERROR_DUPLICATE_KEY").
const char *code_name(uint32_t code) noexcept;

}  // namespace mongo_odm::core
