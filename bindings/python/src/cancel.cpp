// Cancellation: the main thread's signal-checking token (blocking.hpp) and CancelToken, the
// per-call token of the async API (mongo_odm._async.run_blocking).

#include <memory>

#include "blocking.hpp"

namespace mongo_odm_py {

namespace {

struct MainThread {
  unsigned long ident = 0;
  mongo_odm_cancel_t *token = nullptr;
  // The exception a signal handler raised during a call, until the call's caller raises it.
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
};
MainThread g_main;

bool finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();
#endif
}

// The check function of the main-thread token: runs on the main thread, inside the library,
// while a call waits. PyErr_CheckSignals() runs the Python-level signal handlers.
constexpr int32_t kSignalCheckIntervalMs = 100;

bool check_signals(void *) {
  if (finalizing()) return false;
  PyGILState_STATE state = PyGILState_Ensure();
  bool stop = false;
  if (PyErr_CheckSignals() != 0) {
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    if (g_main.type) {  // a second exception during the same call: the first one wins
      Py_XDECREF(type);
      Py_XDECREF(value);
      Py_XDECREF(traceback);
    } else {
      g_main.type = type;
      g_main.value = value;
      g_main.traceback = traceback;
    }
    stop = true;
  }
  PyGILState_Release(state);
  return stop;
}

struct PyCancelToken {
  std::unique_ptr<mongo_odm::CancelToken> token = std::make_unique<mongo_odm::CancelToken>();
};

}  // namespace

MainThreadCall::MainThreadCall() {
  if (!g_main.token || PyThread_get_thread_ident() != g_main.ident) return;
  // A token attached already (a caller of the C API's own) keeps its say.
  if (mongo_odm_cancel_attached()) return;
  previous_ = mongo_odm_cancel_attach(g_main.token);
  attached_ = true;
}

MainThreadCall::~MainThreadCall() {
  if (!attached_) return;
  mongo_odm_cancel_attach(previous_);
  if (g_main.type) {  // not raised (the call ended with another exception): dropped
    Py_XDECREF(g_main.type);
    Py_XDECREF(g_main.value);
    Py_XDECREF(g_main.traceback);
    g_main.type = g_main.value = g_main.traceback = nullptr;
  }
}

void MainThreadCall::raise_pending() {
  if (!attached_ || !g_main.type) return;
  PyErr_Restore(g_main.type, g_main.value, g_main.traceback);
  g_main.type = g_main.value = g_main.traceback = nullptr;
  throw py::error_already_set();
}

void init_cancel(py::module_ &m) {
  py::object main_thread = py::module_::import("threading").attr("main_thread")();
  g_main.ident = main_thread.attr("ident").cast<unsigned long>();
  g_main.token = mongo_odm_cancel_new();  // lives as long as the process
  mongo_odm_error_t error;
  // A signal that arrives while the main thread waits interrupts its poll() and runs the check
  // at once (Linux delivers a process-directed signal to the main thread when it does not block
  // it); the periodic check only covers a signal another thread took.
  if (!g_main.token || !mongo_odm_cancel_set_check(g_main.token, check_signals, nullptr, &error) ||
      !mongo_odm_cancel_set_check_interval(g_main.token, kSignalCheckIntervalMs, &error)) {
    throw std::runtime_error("mongo_odm: cannot create the main thread's cancel token");
  }

  py::class_<PyCancelToken>(m, "CancelToken", R"doc(
A cancel token of libmongo_odm (mongo_odm/cancel.h): the calls made under it with
call_with_token() stop at once when cancel() is called (from any thread). The
async API gives each call one, and cancels it when the awaiting task is cancelled.)doc")
      .def(py::init<>())
      .def("cancel", [](PyCancelToken &t) { t.token->cancel(); }, "Stops the calls made under this token.")
      .def_property_readonly("cancelled", [](const PyCancelToken &t) { return t.token->cancelled(); })
      .def("set_timeout", [](PyCancelToken &t, int64_t ms) { t.token->set_timeout(ms); }, py::arg("timeout_ms"),
           "Calls under this token still waiting timeout_ms from now fail with a timeout.");
  m.def(
      "call_with_token",
      [](PyCancelToken &t, py::object fn, py::args args, py::kwargs kwargs) {
        mongo_odm::ScopedCancel attached(*t.token);  // for this thread's calls inside fn
        return fn(*args, **kwargs);
      },
      py::arg("token"), py::arg("fn"),
      "Calls fn(*args, **kwargs) with the token attached to the calling thread.");
}

}  // namespace mongo_odm_py
