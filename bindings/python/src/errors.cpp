// Errors: libmongo_odm's codes (and reasons, mongo_odm_error_reason()) become the
// pymongo-named exceptions of mongo_odm.errors, through one table (kMappings below).
// CONNECTION errors are ConnectionError too, CONFIGURATION ValueError too (lightodm's classes);
// CANCELLED is OperationCancelled, where the async API does not raise asyncio.CancelledError
// itself and the main thread not the exception of the signal handler that stopped the call.
#include <cstring>

#include "common.hpp"

namespace mongo_odm_py {

namespace {

py::object errors_module() {
  static PyObject *mod = nullptr;  // owned for the interpreter's lifetime
  if (!mod) mod = py::module_::import("mongo_odm.errors").release().ptr();
  return py::reinterpret_borrow<py::object>(mod);
}

}  // namespace

py::object error_class(const char *name) { return errors_module().attr(name); }

std::optional<std::string> text_argument(py::handle value, const char *name) {
  if (value.is_none()) return std::nullopt;
  const char *data = nullptr;
  Py_ssize_t size = 0;
  if (PyUnicode_Check(value.ptr())) {
    data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
    if (!data) {
      PyErr_Clear();  // its message quotes the offending text
      throw py::value_error(std::string(name) + " is not valid UTF-8 (it contains a lone surrogate)");
    }
  } else if (PyBytes_Check(value.ptr())) {
    data = PyBytes_AS_STRING(value.ptr());
    size = PyBytes_GET_SIZE(value.ptr());
  } else {
    throw py::type_error(std::string(name) + " must be str or None, not " + Py_TYPE(value.ptr())->tp_name);
  }
  std::string text(data, static_cast<size_t>(size));
  // The C API reads NUL-terminated strings: a NUL would silently cut a password short.
  if (text.find('\0') != std::string::npos) {
    throw py::value_error(std::string(name) + " must not contain NUL characters");
  }
  return text;
}

void raise_named(const char *name, const std::string &message) {
  py::object cls = error_class(name);
  PyErr_SetObject(cls.ptr(), py::str(message).ptr());
  throw py::error_already_set();
}

namespace {

// How an exception class is constructed.
enum class Args {
  builtin,  // a builtin exception of the message (ValueError, NotImplementedError)
  message,  // cls(message)
  failure,  // cls(message, code, details): OperationFailure and its subclasses
  bulk,     // cls(results): BulkWriteError, results holding writeErrors
};

// What a reply says beyond the code: the flavours of SERVER and DUPLICATE_KEY errors.
enum class Shape : unsigned { any = 0, write_errors = 1u << 0, bulk_call = 1u << 1, dropped = 1u << 2 };

// One row per (code, reason) the C API reports, in the order they are tried: the first row
// whose code matches, whose reason matches (REASON_NONE in a row: any reason) and whose shape
// bits are all present wins. mongo_odm_error_reason() tells the reasons apart; only
// is_dropped_connection() and is_authentication_failure() read a driver's or server's number.
struct Mapping {
  uint32_t code;
  mongo_odm_error_reason_t reason;
  unsigned shape;
  const char *name;  // in mongo_odm.errors, or the builtin's name
  Args args;
};

constexpr unsigned kWriteErrors = static_cast<unsigned>(Shape::write_errors);
constexpr unsigned kBulk = static_cast<unsigned>(Shape::bulk_call);
constexpr unsigned kDropped = static_cast<unsigned>(Shape::dropped);

constexpr Mapping kMappings[] = {
    {MONGO_ODM_ERROR_INVALID_ARGUMENT, MONGO_ODM_REASON_NONE, 0, "ValueError", Args::builtin},
    {MONGO_ODM_ERROR_MISSING_ID, MONGO_ODM_REASON_NONE, 0, "ValueError", Args::builtin},
    {MONGO_ODM_ERROR_VALIDATION, MONGO_ODM_REASON_NONE, 0, "ValueError", Args::builtin},
    {MONGO_ODM_ERROR_NOT_IMPLEMENTED, MONGO_ODM_REASON_NONE, 0, "NotImplementedError", Args::builtin},
    {MONGO_ODM_ERROR_CONFIGURATION, MONGO_ODM_REASON_NONE, 0, "ConfigurationError", Args::message},
    {MONGO_ODM_ERROR_CONNECTION, MONGO_ODM_REASON_SERVER_SELECTION, 0, "ServerSelectionTimeoutError", Args::message},
    // a connection that broke under an operation (or could not be opened to the selected
    // server): pymongo's AutoReconnect, the operation may be retried
    {MONGO_ODM_ERROR_CONNECTION, MONGO_ODM_REASON_NETWORK, kDropped, "AutoReconnect", Args::message},
    // handshake, TLS, SCRAM/SASL, a pool inherited through fork()
    {MONGO_ODM_ERROR_CONNECTION, MONGO_ODM_REASON_NONE, 0, "ConnectionFailure", Args::message},
    {MONGO_ODM_ERROR_DUPLICATE_KEY, MONGO_ODM_REASON_NONE, kBulk, "BulkWriteError", Args::bulk},
    {MONGO_ODM_ERROR_DUPLICATE_KEY, MONGO_ODM_REASON_NONE, 0, "DuplicateKeyError", Args::failure},
    {MONGO_ODM_ERROR_SERVER, MONGO_ODM_REASON_NONE, kBulk | kWriteErrors, "BulkWriteError", Args::bulk},
    // a refused single write, as pymongo reports it
    {MONGO_ODM_ERROR_SERVER, MONGO_ODM_REASON_NONE, kWriteErrors, "WriteError", Args::failure},
    {MONGO_ODM_ERROR_SERVER, MONGO_ODM_REASON_NONE, 0, "OperationFailure", Args::failure},
    {MONGO_ODM_ERROR_ENCODING, MONGO_ODM_REASON_NONE, 0, "InvalidDocument", Args::message},
    {MONGO_ODM_ERROR_TIMEOUT, MONGO_ODM_REASON_EXECUTION_TIMEOUT, 0, "ExecutionTimeout", Args::failure},
    {MONGO_ODM_ERROR_TIMEOUT, MONGO_ODM_REASON_WAIT_QUEUE_TIMEOUT, 0, "WaitQueueTimeoutError", Args::message},
    {MONGO_ODM_ERROR_TIMEOUT, MONGO_ODM_REASON_NONE, 0, "NetworkTimeout", Args::message},  // sockets, timeoutMS
    {MONGO_ODM_ERROR_CANCELLED, MONGO_ODM_REASON_NONE, 0, "OperationCancelled", Args::message},
    // the library's own check (changes.h), not a server error: no code, no details
    {MONGO_ODM_ERROR_REVISION_CONFLICT, MONGO_ODM_REASON_NONE, 0, "RevisionConflictError", Args::message},
};

const Mapping kFallback = {0, MONGO_ODM_REASON_NONE, 0, "PyMongoError", Args::message};

const Mapping &mapping_for(const mongo_odm_error_t &error, unsigned shape) {
  const mongo_odm_error_reason_t reason = mongo_odm_error_reason(&error);
  for (const Mapping &m : kMappings) {
    if (m.code == error.code && (m.reason == MONGO_ODM_REASON_NONE || m.reason == reason) &&
        (m.shape & shape) == m.shape) {
      return m;
    }
  }
  return kFallback;
}

// The server's words: the message without the library's "operation: " prefixes ("find_one: ",
// "cursor: find: "), as pymongo reports the server's errmsg.
std::string server_text(const std::string &message) {
  size_t start = 0;
  for (;;) {
    size_t i = start;
    while (i < message.size() && ((message[i] >= 'a' && message[i] <= 'z') || message[i] == '_')) ++i;
    if (i == start || message.compare(i, 2, ": ") != 0) break;
    start = i + 2;
  }
  return message.substr(start);
}

// BulkWriteError's results in pymongo's shape: writeErrors (one made from the error when the
// reply has none: a write refused as a whole), writeConcernErrors, nInserted, nUpserted,
// nMatched, nModified, nRemoved, upserted. insert_many's reply says insertedCount.
py::dict bulk_results(const mongo_odm_error_t &error, py::object details) {
  py::dict reply = details.is_none() ? py::dict() : py::dict(details);
  py::dict results;
  if (reply.contains("writeErrors")) {
    results["writeErrors"] = reply["writeErrors"];
  } else {
    py::dict write_error;
    write_error["index"] = 0;
    write_error["code"] = error.server_code;
    write_error["errmsg"] = server_text(error.message);
    py::list errors;
    errors.append(write_error);
    results["writeErrors"] = errors;
  }
  results["writeConcernErrors"] = reply.contains("writeConcernErrors") ? reply["writeConcernErrors"] : py::list();
  const char *counts[][2] = {{"nInserted", "insertedCount"}, {"nUpserted", nullptr}, {"nMatched", nullptr},
                             {"nModified", nullptr},         {"nRemoved", nullptr}};
  for (const auto &c : counts) {
    py::object n = py::int_(0);
    if (reply.contains(c[0])) n = reply[c[0]];
    else if (c[1] && reply.contains(c[1])) n = reply[c[1]];
    results[c[0]] = py::int_(n);
  }
  results["upserted"] = reply.contains("upserted") ? reply["upserted"] : py::list();
  return results;
}

// OperationFailure's details as pymongo's: the write error itself for a refused write, the
// server's reply for a failed command ({ok: 0.0, errmsg, code}, rebuilt from the error when
// the library kept no reply).
py::object failure_details(const mongo_odm_error_t &error, py::object details) {
  if (PyDict_Check(details.ptr())) {
    py::dict d = py::reinterpret_borrow<py::dict>(details);
    if (d.contains("writeErrors")) {
      py::object errors = d["writeErrors"];
      if (PyList_Check(errors.ptr()) && PyList_GET_SIZE(errors.ptr()) > 0) return errors[py::int_(0)];
    }
    if (d.contains("ok")) return details;  // a server reply (a command's)
  }
  py::dict reply;
  reply["ok"] = 0.0;
  reply["errmsg"] = server_text(error.message);
  reply["code"] = error.server_code;
  return reply;
}

// A network CONNECTION error whose server_code (for CONNECTION errors the driver's code, as
// mongo_odm_error_t says) is one of libmongoc's stream or protocol errors: the socket failed,
// was closed or answered garbage (mongoc_error_code_t: MONGOC_ERROR_STREAM_INVALID_TYPE ..
// MONGOC_ERROR_STREAM_NOT_ESTABLISHED = 1..6, MONGOC_ERROR_PROTOCOL_INVALID_REPLY and
// _BAD_WIRE_VERSION = 14, 15; the same values in libmongoc 1.x and 2.x). The library's own
// connection errors (a pool inherited through fork()) carry 0; authentication, SCRAM and the
// client's other refusals other codes: those stay ConnectionFailure.
bool is_dropped_connection(const mongo_odm_error_t &error) {
  if (error.code != MONGO_ODM_ERROR_CONNECTION || mongo_odm_error_reason(&error) != MONGO_ODM_REASON_NETWORK) {
    return false;
  }
  return (error.server_code >= 1 && error.server_code <= 6) || error.server_code == 14 || error.server_code == 15;
}

// Authentication failed (CONNECTION from the handshake): pymongo's OperationFailure, code 18.
bool is_authentication_failure(const mongo_odm_error_t &error) {
  return error.code == MONGO_ODM_ERROR_CONNECTION &&
         (error.server_code == 18 || std::strstr(error.message, "Authentication failed") != nullptr ||
          std::strstr(error.message, "authentication failed") != nullptr);
}

}  // namespace

void raise_error(const mongo_odm_error_t &error, const bson_t *reply, bool bulk) {
  const std::string message = error.message;
  py::object details = py::none();
  if (reply && reply->len > 5) {
    try {
      details = decode_document(reply);
    } catch (py::error_already_set &) {
      PyErr_Clear();
    }
  }
  unsigned shape = bulk ? kBulk : 0;
  if (PyDict_Check(details.ptr()) && PyDict_GetItemString(details.ptr(), "writeErrors")) shape |= kWriteErrors;
  if (is_dropped_connection(error)) shape |= kDropped;
  if (is_authentication_failure(error)) {
    // pymongo's OperationFailure (code 18); also a ConnectionFailure, as lightodm's callers expect
    py::object cls = error_class("AuthenticationFailed");
    py::dict reply;
    reply["ok"] = 0.0;
    reply["errmsg"] = "Authentication failed.";
    reply["code"] = 18;
    reply["codeName"] = "AuthenticationFailed";
    py::object exc = cls(server_text(message), 18, reply);
    PyErr_SetObject(cls.ptr(), exc.ptr());
    throw py::error_already_set();
  }
  if (error.code == MONGO_ODM_ERROR_INVALID_ARGUMENT && message.rfind("invalid MongoDB URL", 0) == 0) {
    // pymongo: InvalidURI for a URL it cannot parse, ConfigurationError for a bad option value
    // (both ValueErrors here, as before)
    raise_named(message.find("Unsupported value") != std::string::npos ? "ConfigurationError" : "InvalidURI",
                message);
  }
  const Mapping *mapped = &mapping_for(error, shape);
  // The server closed a cursor that was being read (killCursors, a timeout): pymongo's class.
  static const Mapping kCursorNotFound = {MONGO_ODM_ERROR_SERVER, MONGO_ODM_REASON_NONE, 0, "CursorNotFound",
                                          Args::failure};
  if (error.code == MONGO_ODM_ERROR_SERVER && error.server_code == 43 && !(shape & kWriteErrors)) {
    mapped = &kCursorNotFound;
  }
  const Mapping &m = *mapped;
  if (m.args == Args::builtin) {
    PyErr_SetString(std::string(m.name) == "ValueError" ? PyExc_ValueError : PyExc_NotImplementedError,
                    message.c_str());
    throw py::error_already_set();
  }
  py::object cls = error_class(m.name);
  py::object exc;
  switch (m.args) {
    case Args::bulk:
      exc = cls(bulk_results(error, details));
      break;
    case Args::failure:
      exc = cls(server_text(message), error.server_code, failure_details(error, details));
      break;
    default:
      exc = cls(message);
      break;
  }
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}

void raise_error(const mongo_odm::Error &error) {
  mongo_odm_error_t e{};
  e.code = error.code();
  e.server_code = error.server_code();
  std::snprintf(e.message, sizeof e.message, "%s", error.what());
  raise_error(e);
}

void init_errors(py::module_ &m) {
  // mongo_odm::Error escaping a binding function (C++ wrapper calls) becomes the right class.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const mongo_odm::Error &e) {
      try {
        raise_error(e);
      } catch (py::error_already_set &err) {
        err.restore();
      }
    }
  });
  (void)m;
}

}  // namespace mongo_odm_py
