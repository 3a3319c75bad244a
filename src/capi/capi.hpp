// Private glue between the public C API and the C++ core: handle definitions, conversions
// and the guard that turns every exception into a mongo_odm_error_t.
#pragma once

#include <mongo_odm.h>

#include <climits>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

#include "../core/client.hpp"
#include "../core/collection.hpp"
#include "../core/cursor.hpp"
#include "../core/document.hpp"
#include "../core/error.hpp"
#include "../core/model.hpp"

// A client handle. `impl` is empty after the default connection it stood for was replaced or
// closed: such a retired handle fails every call instead of crashing (see connection.cpp).
struct mongo_odm_client_t {
  std::shared_ptr<mongo_odm::core::Client> impl;
  bool borrowed = false;  // lent by the library: mongo_odm_client_destroy() ignores it
};

struct mongo_odm_collection_t {
  std::shared_ptr<mongo_odm::core::Collection> impl;
  mongo_odm_client_t client;  // what mongo_odm_collection_client() lends out
};

// Models, documents and cursors are the core objects themselves behind opaque pointers.
inline mongo_odm::core::Model *unwrap(mongo_odm_model_t *m) { return reinterpret_cast<mongo_odm::core::Model *>(m); }
inline const mongo_odm::core::Model *unwrap(const mongo_odm_model_t *m) {
  return reinterpret_cast<const mongo_odm::core::Model *>(m);
}
inline mongo_odm_model_t *wrap(mongo_odm::core::Model *m) { return reinterpret_cast<mongo_odm_model_t *>(m); }
inline const mongo_odm_model_t *wrap(const mongo_odm::core::Model *m) {
  return reinterpret_cast<const mongo_odm_model_t *>(m);
}
inline mongo_odm::core::Document *unwrap(mongo_odm_doc_t *d) { return reinterpret_cast<mongo_odm::core::Document *>(d); }
inline const mongo_odm::core::Document *unwrap(const mongo_odm_doc_t *d) {
  return reinterpret_cast<const mongo_odm::core::Document *>(d);
}
inline mongo_odm_doc_t *wrap(mongo_odm::core::Document *d) { return reinterpret_cast<mongo_odm_doc_t *>(d); }
inline const mongo_odm_doc_t *wrap(const mongo_odm::core::Document *d) {
  return reinterpret_cast<const mongo_odm_doc_t *>(d);
}
inline mongo_odm::core::Cursor *unwrap(mongo_odm_cursor_t *c) { return reinterpret_cast<mongo_odm::core::Cursor *>(c); }
inline const mongo_odm::core::Cursor *unwrap(const mongo_odm_cursor_t *c) {
  return reinterpret_cast<const mongo_odm::core::Cursor *>(c);
}
inline mongo_odm_cursor_t *wrap(mongo_odm::core::Cursor *c) { return reinterpret_cast<mongo_odm_cursor_t *>(c); }

namespace mongo_odm {
namespace capi {

// The glue speaks the core's vocabulary (Code, Error, fail, Client, ...).
using namespace mongo_odm::core;

void set_ok(mongo_odm_error_t *error) noexcept;
void set_error(mongo_odm_error_t *error, Code code, const char *message, int32_t server_code = 0) noexcept;
void set_error(mongo_odm_error_t *error, const Error &e) noexcept;

// The value of a C enum argument as an int, or INT_MIN when it does not fit one. A C caller
// may pass any value of the enum's underlying type; reading an out-of-range value as the
// C++ enum type is undefined behaviour (UBSan: "not a valid value for type"), so the bits are
// copied instead of loaded as the enum.
template <typename E>
inline int enum_value(const E &e) noexcept {
  static_assert(std::is_enum<E>::value, "enum_value takes an enum");
  std::underlying_type_t<E> raw;
  std::memcpy(&raw, &e, sizeof raw);
  const long long wide = static_cast<long long>(raw);
  return (wide < INT_MIN || wide > INT_MAX) ? INT_MIN : static_cast<int>(wide);
}

// Frees the handles lent by mongo_odm_default_client() (after the library shut down).
void free_default_client_handles();

// The client behind a handle; CONNECTION when the handle was retired.
std::shared_ptr<Client> client_of(const mongo_odm_client_t *handle);

// Runs `body`; on success sets `error` to OK and returns body's result, on any exception fills
// `error` and returns `on_error`. No exception leaves this function.
template <typename R, typename F>
R guard(mongo_odm_error_t *error, R on_error, F &&body) noexcept {
  try {
    R result = body();
    set_ok(error);
    return result;
  } catch (const Error &e) {
    set_error(error, e);
  } catch (const std::bad_alloc &) {
    set_error(error, Code::internal, "out of memory");
  } catch (const std::exception &e) {
    set_error(error, Code::internal, e.what());
  } catch (...) {
    set_error(error, Code::internal, "unknown internal error");
  }
  return on_error;
}

// For functions without an error parameter: swallows everything, returns `on_error`.
template <typename R, typename F>
R quiet(R on_error, F &&body) noexcept {
  try {
    return body();
  } catch (...) {
    return on_error;
  }
}

}  // namespace capi
}  // namespace mongo_odm
