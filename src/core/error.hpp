// The core's error type. Core code throws mongo_odm::Error; the C API turns it into a
// mongo_odm_error_t at the boundary (src/capi/guard.hpp). Nothing else is thrown on purpose.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <exception>
#include <string>

namespace mongo_odm {

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
};

class Error : public std::exception {
 public:
  Error(Code code, std::string message, int32_t server_code = 0);

  Code code() const noexcept { return code_; }
  int32_t server_code() const noexcept { return server_code_; }
  const std::string &message() const noexcept { return message_; }
  const char *what() const noexcept override { return message_.c_str(); }

 private:
  Code code_;
  int32_t server_code_;
  std::string message_;
};

// Throws Error(code, message). Kept out of line so call sites stay small.
[[noreturn]] void fail(Code code, const std::string &message, int32_t server_code = 0);

// Classifies a libmongoc/libbson error (error API version 2) and throws it. `context` names
// the operation ("find", "insert_many", ...) and prefixes the message.
[[noreturn]] void fail_from_bson_error(const bson_error_t &error, const char *context);

// The code a libmongoc/libbson error maps to.
Code classify_bson_error(const bson_error_t &error);

// The names of the codes ("MONGO_ODM_ERROR_DUPLICATE_KEY").
const char *code_name(uint32_t code) noexcept;

}  // namespace mongo_odm
