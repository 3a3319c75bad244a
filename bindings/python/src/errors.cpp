// Errors: libmongo_odm's codes become the pymongo-named exceptions of mongo_odm.errors.
//
//   INVALID_ARGUMENT -> ValueError            CONFIGURATION -> ConfigurationError (a ValueError)
//   CONNECTION       -> ConnectionFailure, or ServerSelectionTimeoutError when no server was
//                       selected (both are ConnectionError)
//   CANCELLED        -> OperationCancelled (a call stopped through its cancel token; the async
//                       API raises asyncio.CancelledError itself, the main thread the exception
//                       of the signal handler that stopped the call)
//   NOT_IMPLEMENTED  -> NotImplementedError   MISSING_ID, VALIDATION -> ValueError
//   DUPLICATE_KEY    -> DuplicateKeyError (BulkWriteError for insert_many)
//   SERVER           -> OperationFailure (code, details); WriteError when the reply has writeErrors
//                       (BulkWriteError for insert_many; a command that failed as a whole, e.g.
//                       Unauthorized, is an OperationFailure there too, as in pymongo)
//   ENCODING         -> InvalidDocument       TIMEOUT -> ExecutionTimeout (the server's maxTimeMS),
//                                                        WaitQueueTimeoutError, or NetworkTimeout
//                                                        (a socket timeout, timeoutMS)
// The finer distinctions come from the C API's mongo_odm_error_reason(), never from codes
// written here.
//   INTERNAL         -> PyMongoError
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
  PyObject *builtin = nullptr;
  const char *name = nullptr;
  const mongo_odm_error_reason_t reason = mongo_odm_error_reason(&error);
  switch (error.code) {
    case MONGO_ODM_ERROR_INVALID_ARGUMENT:
    case MONGO_ODM_ERROR_MISSING_ID:
    case MONGO_ODM_ERROR_VALIDATION:
      builtin = PyExc_ValueError;
      break;
    case MONGO_ODM_ERROR_NOT_IMPLEMENTED:
      builtin = PyExc_NotImplementedError;
      break;
    case MONGO_ODM_ERROR_CONFIGURATION:
      name = "ConfigurationError";
      break;
    case MONGO_ODM_ERROR_CONNECTION:
      name = reason == MONGO_ODM_REASON_SERVER_SELECTION ? "ServerSelectionTimeoutError" : "ConnectionFailure";
      break;
    case MONGO_ODM_ERROR_DUPLICATE_KEY:
      name = bulk ? "BulkWriteError" : "DuplicateKeyError";
      break;
    case MONGO_ODM_ERROR_SERVER:
      if (bulk && PyDict_Check(details.ptr()) && PyDict_GetItemString(details.ptr(), "writeErrors")) {
        name = "BulkWriteError";
      } else if (reason == MONGO_ODM_REASON_EXECUTION_TIMEOUT) {
        name = "ExecutionTimeout";
      } else if (PyDict_Check(details.ptr()) && PyDict_GetItemString(details.ptr(), "writeErrors")) {
        name = "WriteError";  // a refused single write, as pymongo reports it
      } else {
        name = "OperationFailure";
      }
      break;
    case MONGO_ODM_ERROR_ENCODING:
      name = "InvalidDocument";
      break;
    case MONGO_ODM_ERROR_TIMEOUT:
      name = reason == MONGO_ODM_REASON_EXECUTION_TIMEOUT    ? "ExecutionTimeout"
             : reason == MONGO_ODM_REASON_WAIT_QUEUE_TIMEOUT ? "WaitQueueTimeoutError"
                                                             : "NetworkTimeout";
      break;
    case MONGO_ODM_ERROR_CANCELLED:
      name = "OperationCancelled";
      break;
    default:
      name = "PyMongoError";
      break;
  }
  if (builtin) {
    PyErr_SetString(builtin, message.c_str());
    throw py::error_already_set();
  }
  py::object cls = error_class(name);
  py::object exc;
  if (std::string(name) == "BulkWriteError") {
    py::dict results = details.is_none() ? py::dict() : py::dict(details);
    if (!results.contains("writeErrors")) {
      py::dict write_error;
      write_error["index"] = 0;
      write_error["code"] = error.server_code;
      write_error["errmsg"] = message;
      py::list errors;
      errors.append(write_error);
      results["writeErrors"] = errors;
    }
    exc = cls(results);
  } else if (std::string(name) == "DuplicateKeyError" || std::string(name) == "OperationFailure" ||
             std::string(name) == "ExecutionTimeout" || std::string(name) == "WriteError") {
    exc = cls(message, error.server_code, details);
  } else {
    exc = cls(message);
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
