// Shared declarations of the _core extension. Only public headers of libmongo_odm are used.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mongo_odm.hpp>

#include <memory>
#include <optional>
#include <string>

namespace py = pybind11;

namespace mongo_odm_py {

// --- errors.cpp: C errors -> Python exceptions of mongo_odm.errors ---------------------------
// Raises the Python exception for `error` (with `reply` decoded as its details when given).
[[noreturn]] void raise_error(const mongo_odm_error_t &error, const bson_t *reply = nullptr,
                              bool bulk = false);
[[noreturn]] void raise_error(const mongo_odm::Error &error);
// Raises mongo_odm.errors.<name>(message).
[[noreturn]] void raise_named(const char *name, const std::string &message);
// The class mongo_odm.errors.<name>.
py::object error_class(const char *name);
// The text of a URL, credential or name argument (str, or bytes holding UTF-8), nullopt for
// None. Raises TypeError / ValueError (a lone surrogate, a NUL character) naming the argument
// but never quoting it, since it may hold a password: pybind11's own "incompatible function
// arguments" error would repeat every argument of the call.
std::optional<std::string> text_argument(py::handle value, const char *name);

// --- codec: Python objects <-> BSON ----------------------------------------------------------
// pymongo's CodecOptions, the parts a MongoClient takes (docs/pymongo-surface.md, "Client
// options"): how datetimes, UUIDs and documents are decoded, and how UUIDs are encoded.
// Immutable once made; shared by a client, its collections and their cursors.
struct CodecOptions {
  // bson.binary.UuidRepresentation's values.
  enum Uuid { unspecified = 0, python_legacy = 3, standard = 4, java_legacy = 5, csharp_legacy = 6 };
  // bson.codec_options.DatetimeConversion's values.
  enum Datetime { datetime = 1, datetime_clamp = 2, datetime_ms = 3, datetime_auto = 4 };
  bool tz_aware = false;
  py::object tzinfo;          // None, or the zone aware datetimes are converted to
  py::object document_class;  // null or dict: plain dicts (the fast path)
  int uuid_representation = standard;
  int datetime_conversion = datetime;
  // The datetimes the zone can show (pymongo's _min/_max_datetime_ms), for CLAMP and AUTO.
  int64_t min_ms = -62135596800000LL;
  int64_t max_ms = 253402300799999LL;
};
// The options the codec functions use on this thread: those of the innermost CodecScope, else
// the defaults above (dict, naive UTC datetimes, UUIDs as subtype 4: the module-level
// encode()/decode(), command replies). A collection's methods and its cursors set their
// client's options with a CodecScope; the GIL is held whenever the codec runs.
const CodecOptions &current_codec();
// The innermost CodecScope's options (null outside any: the defaults), for an object that
// decodes later (a cursor).
std::shared_ptr<const CodecOptions> current_codec_shared();
class CodecScope {
 public:
  explicit CodecScope(const std::shared_ptr<const CodecOptions> &options);
  ~CodecScope();
  CodecScope(const CodecScope &) = delete;
  CodecScope &operator=(const CodecScope &) = delete;

 private:
  std::shared_ptr<const CodecOptions> previous_;
};
// Encodes a mapping as a top-level document ("_id" first, as the server stores it) into `out`
// (initialized, empty). Raises InvalidDocument / OverflowError / TypeError.
void encode_document(py::handle mapping, bson_t *out);
// Encodes a model's values as the document that stores it, into `out` (initialized, empty):
// `values` is an instance's __dict__ whose keys are exactly `names` (a tuple of str), in that
// order, the id field first; its value goes under "_id", the others under their names. Returns
// false, with nothing appended, when the keys are not exactly `names`. Raises as
// encode_document.
bool encode_model_values(py::handle values, py::handle names, bson_t *out);
// Encodes an update argument into `out` (initialized, empty): an update document, or an
// aggregation pipeline (a list or tuple of stages) as the BSON array shape libmongo_odm takes
// for pipeline updates (keys "0", "1", ...). Raises ValueError for an empty pipeline.
void encode_update(py::handle update, bson_t *out);
// Encodes `value` under `key` into `out`.
void encode_value(bson_t *out, const char *key, size_t key_len, py::handle value);
// Decodes a document into a new dict. Raises InvalidBSON on corrupt data.
py::object decode_document(const bson_t *doc);
py::object decode_document(const uint8_t *data, size_t len);
// Decodes the value an iterator points at.
py::object decode_value(const bson_iter_t *iter);

// --- objectid.cpp ----------------------------------------------------------------------------
struct ObjectIdValue {
  bson_oid_t oid;
};
// The ObjectId type object and constructors for the codec.
PyTypeObject *objectid_type();
py::object make_objectid(const bson_oid_t &oid);
// If `obj` is an ObjectId (ours, or one that quacks like pymongo's with a 12-byte .binary),
// copies it into `out` and returns true.
bool as_objectid(py::handle obj, bson_oid_t *out);

// --- module parts ----------------------------------------------------------------------------
void init_errors(py::module_ &m);
void init_objectid(py::module_ &m);
void init_codec(py::module_ &m);
void init_results(py::module_ &m);
void init_client(py::module_ &m);
void init_collection(py::module_ &m);
void init_cursor(py::module_ &m);
void init_ids(py::module_ &m);
void init_connection(py::module_ &m);
void init_version_and_log(py::module_ &m);
void init_cancel(py::module_ &m);
void init_features(py::module_ &m);  // after init_collection: adds methods to Collection
void init_update_check(py::module_ &m);
void init_collection_extra(py::module_ &m);  // after init_features: pymongo's remaining Collection methods

// Takes a strong reference that is never released (module-lifetime objects).
inline PyObject *keep_alive(py::object obj) { return obj.release().ptr(); }

// Module-lifetime Python objects the codec needs (imported once at module init).
struct PyGlobals {
  PyObject *uuid_class;
  PyObject *decimal_class;
  PyObject *pattern_class;
  PyObject *re_compile;
  PyObject *timestamp_class;  // mongo_odm.bson_types.Timestamp
  PyObject *minkey_class;
  PyObject *maxkey_class;
  PyObject *utc;              // datetime.timezone.utc
  PyObject *binary_class;     // mongo_odm.bson_types.Binary
  PyObject *datetime_ms_class;  // mongo_odm.bson_types.DatetimeMS
};
const PyGlobals &globals();
void init_globals();

}  // namespace mongo_odm_py
