// The one way the extension makes a blocking call of libmongo_odm: with the GIL released and,
// on the main thread, under a cancel token whose check function runs the interpreter's signal
// handlers while the call waits (mongo_odm/cancel.h). Ctrl-C (KeyboardInterrupt), or any
// exception a handler of the user's raises, interrupts the call at once (the signal interrupts
// the waiting poll(), which runs the check; a signal another thread took is seen within the
// check interval, 100 ms) and is raised here instead of the call's CANCELLED error; a handler
// that returns lets the call go on. Worker threads (the async API's executor) get their tokens from
// call_with_token() in cancel.cpp.
#pragma once

#include <optional>
#include <type_traits>

#include "common.hpp"

namespace mongo_odm_py {

// Set up by init_cancel(): the main thread's token and what its check function caught.
class MainThreadCall {
 public:
  MainThreadCall();   // attaches the main-thread token when this is the main thread
  ~MainThreadCall();  // detaches it
  MainThreadCall(const MainThreadCall &) = delete;
  MainThreadCall &operator=(const MainThreadCall &) = delete;
  // Raises the exception a signal handler raised during the call, if any.
  void raise_pending();

 private:
  bool attached_ = false;
  mongo_odm_cancel_t *previous_ = nullptr;
};

template <typename F>
auto blocking(F &&fn) -> decltype(fn()) {
  MainThreadCall call;
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      {
        py::gil_scoped_release release;
        fn();
      }
      call.raise_pending();
    } else {
      std::optional<decltype(fn())> result;
      {
        py::gil_scoped_release release;
        result.emplace(fn());
      }
      call.raise_pending();
      return std::move(*result);
    }
  } catch (const mongo_odm::Error &) {
    call.raise_pending();  // a handler's exception wins over the CANCELLED error it caused
    throw;
  }
}

// For destructors that may talk to the server (a pool's endSessions, a cursor's killCursors):
// runs `fn` with the GIL released when this thread holds it, so that an object collected while
// its server is unreachable stalls only the collecting thread (for up to the socket timeout),
// not every Python thread. No cancel token and no exception: a destructor cannot raise. During
// interpreter finalization the GIL is kept.
template <typename F>
void without_gil_in_destructor(F &&fn) noexcept {
#if PY_VERSION_HEX >= 0x030D0000
  const bool finalizing = Py_IsFinalizing();
#else
  const bool finalizing = _Py_IsFinalizing();
#endif
  if (PyGILState_Check() && !finalizing) {
    py::gil_scoped_release release;
    fn();
  } else {
    fn();
  }
}

// A C call that fills an uninitialized `bson_t *reply`, made through blocking(); raises the
// mapped exception (the reply as its details; `bulk`: BulkWriteError for write errors).
template <typename F>
mongo_odm::Bson call_with_reply(F &&fn, bool bulk = false) {
  bson_t reply;
  mongo_odm_error_t error;
  const bool ok = blocking([&] { return fn(&reply, &error); });
  mongo_odm::Bson owned = mongo_odm::Bson::adopt(&reply);
  if (!ok) raise_error(error, owned.get(), bulk);
  return owned;
}

}  // namespace mongo_odm_py
