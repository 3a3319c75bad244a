#include "error.hpp"

#include <mongoc/mongoc.h>

#include <cstring>

#include "interrupt.hpp"
#include "log.hpp"
#include "redact.hpp"

namespace mongo_odm::core {

Error::Error(Code code, std::string message, int32_t server_code)
    : code_(code), server_code_(server_code), message_(redact(std::move(message))) {}

void fail(Code code, const std::string &message, int32_t server_code) {
  throw Error(code, message, server_code);
}

namespace {

bool contains(const char *haystack, const char *needle) { return std::strstr(haystack, needle) != nullptr; }

Code classify_server_code(uint32_t code, const char *message) {
  switch (code) {
    case 11000:
    case 11001:
    case 12582:
      return Code::duplicate_key;
    case 50:  // MaxTimeMSExpired
      return Code::timeout;
    case 18:  // AuthenticationFailed
      return Code::connection;
    default:
      // FerretDB and old servers may report a duplicate key without its code in some paths:
      // FerretDB 1.24 (SQLite) answers an update that breaks a unique index with an internal
      // error quoting SQLite's "UNIQUE constraint failed".
      if (contains(message, "E11000") || contains(message, "UNIQUE constraint failed")) return Code::duplicate_key;
      return Code::server;
  }
}

}  // namespace

// One case per libmongoc error domain (a table; the domains' own codes are looked at only
// where a domain holds errors of several kinds).
Code classify_bson_error(const bson_error_t &error) {
  switch (error.domain) {
    case MONGOC_ERROR_SERVER:
    case MONGOC_ERROR_WRITE_CONCERN:
      return classify_server_code(error.code, error.message);
    case MONGOC_ERROR_SERVER_SELECTION:
      return Code::connection;
    case MONGOC_ERROR_STREAM:
      if (error.code == MONGOC_ERROR_STREAM_SOCKET && contains(error.message, "timed out")) {
        return Code::timeout;
      }
      return Code::connection;
    case MONGOC_ERROR_CLIENT:
      if (error.code == MONGOC_ERROR_CLIENT_AUTHENTICATE) return Code::connection;
      if (error.code == MONGOC_ERROR_CLIENT_TOO_BIG) return Code::encoding;
      return Code::connection;
    case MONGOC_ERROR_SASL:
    case MONGOC_ERROR_SCRAM:  // SCRAM refused the credentials client-side (e.g. SASLprep)
      return Code::connection;
    case MONGOC_ERROR_BSON:
      return Code::encoding;
    case MONGOC_ERROR_COMMAND:
      if (error.code == MONGOC_ERROR_COMMAND_INVALID_ARG) {
        // libmongoc's own document validation ("invalid document for insert: ...").
        if (contains(error.message, "invalid document") || contains(error.message, "keys")) {
          return Code::encoding;
        }
        return Code::invalid_argument;
      }
      return Code::server;
    case MONGOC_ERROR_CURSOR:
      return Code::invalid_argument;
    case MONGOC_ERROR_PROTOCOL:
      return Code::connection;
    case MONGOC_ERROR_COLLECTION:
    case MONGOC_ERROR_QUERY:
    case MONGOC_ERROR_INSERT:
    case MONGOC_ERROR_NAMESPACE:
      return classify_server_code(error.code, error.message);
    default:
      return Code::internal;
  }
}

void fail_from_bson_error(const bson_error_t &error, const char *context) {
  if (const interrupt::Operation *op = interrupt::current()) {
    if (op->reason() != interrupt::Reason::none) interrupt::fail_stopped(context, error.message);
  }
  const Code code = classify_bson_error(error);
  const bool authentication = (error.domain == MONGOC_ERROR_CLIENT && error.code == MONGOC_ERROR_CLIENT_AUTHENTICATE) ||
                              (error.domain == MONGOC_ERROR_SERVER && error.code == 18);
  if (authentication && log::enabled(log::warning)) {
    // An operator's first clue; libmongoc's pooled clients logged it, its single-threaded ones
    // (the library's) only at debug level.
    log::write(log::warning, std::string(context) + ": authentication failed: " + error.message);
  }
  int32_t server_code = static_cast<int32_t>(error.code);
  std::string message = context;
  message += ": ";
  message += error.message[0] ? error.message : "unknown error";
  throw Error(code, std::move(message), server_code);
}

const char *code_name(uint32_t code) noexcept {
  switch (static_cast<Code>(code)) {
    case Code::ok: return "MONGO_ODM_OK";
    case Code::invalid_argument: return "MONGO_ODM_ERROR_INVALID_ARGUMENT";
    case Code::configuration: return "MONGO_ODM_ERROR_CONFIGURATION";
    case Code::connection: return "MONGO_ODM_ERROR_CONNECTION";
    case Code::not_implemented: return "MONGO_ODM_ERROR_NOT_IMPLEMENTED";
    case Code::missing_id: return "MONGO_ODM_ERROR_MISSING_ID";
    case Code::validation: return "MONGO_ODM_ERROR_VALIDATION";
    case Code::duplicate_key: return "MONGO_ODM_ERROR_DUPLICATE_KEY";
    case Code::server: return "MONGO_ODM_ERROR_SERVER";
    case Code::encoding: return "MONGO_ODM_ERROR_ENCODING";
    case Code::timeout: return "MONGO_ODM_ERROR_TIMEOUT";
    case Code::internal: return "MONGO_ODM_ERROR_INTERNAL";
    case Code::cancelled: return "MONGO_ODM_ERROR_CANCELLED";
    case Code::revision_conflict: return "MONGO_ODM_ERROR_REVISION_CONFLICT";
  }
  return "MONGO_ODM_ERROR_UNKNOWN";
}

Cause cause_of(uint32_t code, int32_t server_code) noexcept {
  switch (static_cast<Code>(code)) {
    case Code::ok:
      return Cause::none;
    case Code::connection:
      return server_code == kServerCodeServerSelection ? Cause::server_selection : Cause::network;
    case Code::timeout:
      switch (server_code) {
        case kServerCodeMaxTimeExpired: return Cause::execution_timeout;
        case kServerCodeDeadlineExceeded: return Cause::deadline;
        case kServerCodeWaitQueueTimeout: return Cause::wait_queue_timeout;
        default: return Cause::network_timeout;
      }
    case Code::cancelled:
      return Cause::cancelled;
    default:
      return Cause::other;
  }
}

}  // namespace mongo_odm::core
