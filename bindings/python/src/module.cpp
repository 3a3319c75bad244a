// mongo_odm._core: the native half of the Python package.
#include "common.hpp"

namespace mongo_odm_py {

void init_encoder();
void init_decoder();

namespace {
PyGlobals g_globals;
const CodecOptions g_default_codec;
thread_local std::shared_ptr<const CodecOptions> t_codec;
}  // namespace

const CodecOptions &current_codec() { return t_codec ? *t_codec : g_default_codec; }
std::shared_ptr<const CodecOptions> current_codec_shared() { return t_codec; }

// A scope with null options keeps the enclosing ones (a collection made without a client).
CodecScope::CodecScope(const std::shared_ptr<const CodecOptions> &options) : previous_(t_codec) {
  if (options) t_codec = options;
}

CodecScope::~CodecScope() { t_codec = std::move(previous_); }


const PyGlobals &globals() { return g_globals; }

void init_globals() {
  // Owned for the interpreter's lifetime (never decref'd: module teardown order is undefined).
  g_globals.uuid_class = keep_alive(py::module_::import("uuid").attr("UUID"));
  g_globals.decimal_class = keep_alive(py::module_::import("decimal").attr("Decimal"));
  py::module_ re = py::module_::import("re");
  g_globals.pattern_class = keep_alive(re.attr("Pattern"));
  g_globals.re_compile = keep_alive(re.attr("compile"));
  py::module_ types = py::module_::import("mongo_odm.bson_types");
  g_globals.timestamp_class = keep_alive(types.attr("Timestamp"));
  g_globals.minkey_class = keep_alive(types.attr("MinKey"));
  g_globals.maxkey_class = keep_alive(types.attr("MaxKey"));
  g_globals.binary_class = keep_alive(types.attr("Binary"));
  g_globals.datetime_ms_class = keep_alive(types.attr("DatetimeMS"));
  g_globals.utc = keep_alive(py::module_::import("datetime").attr("timezone").attr("utc"));
}

void init_codec(py::module_ &m) {
  init_encoder();
  init_decoder();
  m.def(
      "encode",
      [](py::object document) {
        mongo_odm::Bson doc;
        encode_document(document, doc.get());
        return py::bytes(reinterpret_cast<const char *>(bson_get_data(doc.get())), doc.get()->len);
      },
      py::arg("document"), "Encodes a mapping as BSON bytes (_id first). Raises InvalidDocument.");
  m.def(
      "decode",
      [](py::bytes data) {
        char *buf;
        Py_ssize_t len;
        if (PyBytes_AsStringAndSize(data.ptr(), &buf, &len) < 0) throw py::error_already_set();
        return decode_document(reinterpret_cast<const uint8_t *>(buf), static_cast<size_t>(len));
      },
      py::arg("data"), "Decodes BSON bytes into a dict. Raises InvalidBSON.");
}

void init_version_and_log(py::module_ &m) {
  m.def("get_version", [] { return std::string(mongo_odm_get_version()); });
  m.def("set_log_level", [](int level) { mongo_odm_log_set_level(static_cast<mongo_odm_log_level_t>(level)); });
  m.def("get_log_level", [] { return static_cast<int>(mongo_odm_log_get_level()); });
}

}  // namespace mongo_odm_py

PYBIND11_MODULE(_core, m) {
  using namespace mongo_odm_py;
  m.doc() = "libmongo_odm bindings: clients, collections, cursors, ids and the BSON codec.";
  mongo_odm_init();
  init_globals();
  init_errors(m);
  init_objectid(m);
  init_codec(m);
  init_results(m);
  init_cursor(m);
  init_collection(m);
  init_features(m);
  init_collection_extra(m);
  init_client(m);
  init_ids(m);
  init_connection(m);
  init_version_and_log(m);
  init_cancel(m);
  init_update_check(m);
  // pickle protocols 0 and 1 reach copyreg._reduce_ex for classes without __reduce__, which
  // allocates a bare pybind11 instance and aborts the process ("instance allocation failed").
  // These handles cannot be pickled: raise TypeError, as protocols 2+ already do.
  for (const char *name : {"Client", "Collection", "Cursor", "InsertOneResult", "InsertManyResult", "UpdateResult",
                           "DeleteResult", "CancelToken", "BulkWriter"}) {
    py::object cls = m.attr(name);
    const std::string message = std::string("cannot pickle 'mongo_odm._core.") + name + "' object";
    cls.attr("__reduce__") = py::cpp_function([message](py::handle) -> py::object { throw py::type_error(message); },
                                              py::name("__reduce__"), py::is_method(cls));
  }
  m.attr("__version__") = mongo_odm_get_version();
}
