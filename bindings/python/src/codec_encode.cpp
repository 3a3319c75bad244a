// Python -> BSON. Walks the objects with the CPython API (no Python-level code runs for the
// common types) and appends with libbson.
#include <Python.h>
#include <datetime.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "civil_time.hpp"
#include "common.hpp"

namespace mongo_odm_py {

namespace {

constexpr size_t kMaxDepth = MONGO_ODM_MAX_DOCUMENT_DEPTH;  // mongo_odm/doc.h

// The str "_id", made once (interned: its hash is computed once too); owned for the life of
// the process. Called with the GIL held.
PyObject *id_key() {
  static PyObject *key = PyUnicode_InternFromString("_id");
  return key;
}
constexpr uint32_t kMaxDocument = MONGO_ODM_MAX_DOCUMENT_SIZE;  // mongo_odm/doc.h

PyObject *g_mapping_abc = nullptr;  // collections.abc.Mapping

std::string py_repr(PyObject *obj) {
  PyObject *r = PyObject_Repr(obj);
  if (!r) {
    PyErr_Clear();
    return "<unrepresentable>";
  }
  Py_ssize_t len;
  const char *s = PyUnicode_AsUTF8AndSize(r, &len);
  std::string out = s ? std::string(s, static_cast<size_t>(len)) : std::string("<unrepresentable>");
  if (!s) PyErr_Clear();
  Py_DECREF(r);
  if (out.size() > 200) out = out.substr(0, 200) + "...";
  return out;
}

std::string type_name(PyObject *obj) { return Py_TYPE(obj)->tp_name; }

// The value of a Python int; OverflowError (pymongo's message) outside int64.
long long int64_of(PyObject *v) {
  int overflow = 0;
  const long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
  if (overflow) {
    PyErr_SetString(PyExc_OverflowError, "MongoDB can only handle up to 8-byte ints");
    throw py::error_already_set();
  }
  if (n == -1 && PyErr_Occurred()) throw py::error_already_set();
  return n;
}

// Whether the type of `obj` is `cls` or a subclass (ABC registrations included). Unlike
// isinstance(), it does not ask the object for its __class__, which an object may fake (then
// the encoder would read it as a type it does not have) or make raise. An exception raised
// by a __subclasscheck__ propagates instead of being left pending.
bool of_type(PyObject *obj, PyObject *cls) {
  const int r = PyObject_IsSubclass(reinterpret_cast<PyObject *>(Py_TYPE(obj)), cls);
  if (r < 0) throw py::error_already_set();
  return r == 1;
}

class Encoder {
 public:
  void document(bson_t *out, PyObject *mapping, bool top_level);
  void dict_items(bson_t *out, PyObject *dict, bool top_level);
  void mapping_items(bson_t *out, PyObject *mapping, bool top_level);
  void value(bson_t *out, const char *key, int key_len, PyObject *v);
  void model_values(bson_t *out, PyObject *dict);

 private:
  void slow_value(bson_t *out, const char *key, int key_len, PyObject *v);
  void array(bson_t *out, const char *key, int key_len, PyObject *seq);
  void sub_document(bson_t *out, const char *key, int key_len, PyObject *mapping);
  void append_key_value(bson_t *out, PyObject *key, PyObject *v);
  void append_datetime(bson_t *out, const char *key, int key_len, PyObject *v);
  void append_regex(bson_t *out, const char *key, int key_len, PyObject *v);
  void append_decimal(bson_t *out, const char *key, int key_len, PyObject *v);
  void append_binary(bson_t *out, const char *key, int key_len, PyObject *v);
  void append_uuid(bson_t *out, const char *key, int key_len, PyObject *v);
  void enter(PyObject *container);
  void leave() { --depth_; }
  [[noreturn]] void invalid(const std::string &message) { raise_named("InvalidDocument", message); }
  [[noreturn]] void cannot_encode(const char *key, PyObject *v) {
    invalid("cannot encode object: " + py_repr(v) + ", of type: " + type_name(v) + " (key '" + key + "')");
  }
  static void check_append(bool ok) {
    if (!ok) raise_named("InvalidDocument", "BSON document too large");
  }

  // Containers on the current path (cycle detection), in place: no allocation per encode.
  PyObject *stack_[kMaxDepth];
  size_t depth_ = 0;
};

void Encoder::enter(PyObject *container) {
  if (depth_ >= kMaxDepth) {
    invalid("document nesting exceeds " + std::to_string(kMaxDepth) + " levels");
  }
  if (std::find(stack_, stack_ + depth_, container) != stack_ + depth_) {
    invalid("cannot encode a document or list that contains itself (cycle detected)");
  }
  stack_[depth_++] = container;
}

void Encoder::append_key_value(bson_t *out, PyObject *key, PyObject *v) {
  if (!PyUnicode_Check(key)) invalid("documents must have only string keys, key was " + py_repr(key));
  Py_ssize_t len;
  const char *utf8 = PyUnicode_AsUTF8AndSize(key, &len);
  if (!utf8) {
    PyErr_Clear();
    invalid("key " + py_repr(key) + " is not valid UTF-8");
  }
  if (std::memchr(utf8, '\0', static_cast<size_t>(len))) invalid("key " + py_repr(key) + " must not contain '\\x00'");
  value(out, utf8, static_cast<int>(len), v);
}

void Encoder::document(bson_t *out, PyObject *mapping, bool top_level) {
  enter(mapping);
  if (PyDict_Check(mapping)) {
    dict_items(out, mapping, top_level);
  } else {
    mapping_items(out, mapping, top_level);
  }
  leave();
}

// A dict, read with PyDict_Next. At the top level "_id" goes first, as the server stores it.
void Encoder::dict_items(bson_t *out, PyObject *dict, bool top_level) {
  PyObject *id = nullptr;
  if (top_level) {
    id = PyDict_GetItemWithError(dict, id_key());  // borrowed
    if (!id && PyErr_Occurred()) throw py::error_already_set();
    if (id) value(out, "_id", 3, id);
  }
  PyObject *key, *v;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &v)) {
    if (id && PyUnicode_Check(key) && PyUnicode_GET_LENGTH(key) == 3 &&
        PyUnicode_CompareWithASCIIString(key, "_id") == 0) {
      continue;
    }
    append_key_value(out, key, v);
  }
}

// A model's values (encode_model_values): the first under "_id", the others under their keys.
void Encoder::model_values(bson_t *out, PyObject *dict) {
  enter(dict);
  PyObject *key, *v;
  Py_ssize_t pos = 0;
  bool first = true;
  while (PyDict_Next(dict, &pos, &key, &v)) {
    if (first) {
      value(out, "_id", 3, v);
      first = false;
    } else {
      append_key_value(out, key, v);
    }
  }
  leave();
}

// Any other Mapping, read through its items().
void Encoder::mapping_items(bson_t *out, PyObject *mapping, bool top_level) {
  PyObject *items = PyMapping_Items(mapping);
  if (!items) throw py::error_already_set();
  py::object guard = py::reinterpret_steal<py::object>(items);
  PyObject *id = nullptr;
  if (top_level) {
    id = PyObject_GetItem(mapping, id_key());
    if (!id) PyErr_Clear();
  }
  py::object id_guard = py::reinterpret_steal<py::object>(id);
  if (id) value(out, "_id", 3, id);
  const Py_ssize_t n = PyList_GET_SIZE(items);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject *item = PyList_GET_ITEM(items, i);
    // items() is the mapping's own code: it may give anything, not only (key, value) pairs.
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
      PyErr_Format(PyExc_TypeError, "items() of %s must give (key, value) pairs, not %s", Py_TYPE(mapping)->tp_name,
                   Py_TYPE(item)->tp_name);
      throw py::error_already_set();
    }
    PyObject *key = PyTuple_GET_ITEM(item, 0);
    if (id && PyUnicode_Check(key) && PyUnicode_CompareWithASCIIString(key, "_id") == 0) continue;
    append_key_value(out, key, PyTuple_GET_ITEM(item, 1));
  }
}

void Encoder::sub_document(bson_t *out, const char *key, int key_len, PyObject *mapping) {
  bson_t child;
  check_append(bson_append_document_begin(out, key, key_len, &child));
  document(&child, mapping, false);
  check_append(bson_append_document_end(out, &child));
}

void Encoder::array(bson_t *out, const char *key, int key_len, PyObject *seq) {
  enter(seq);
  bson_t child;
  check_append(bson_append_array_begin(out, key, key_len, &child));
  const bool is_list = PyList_Check(seq);
  const Py_ssize_t n = is_list ? PyList_GET_SIZE(seq) : PyTuple_GET_SIZE(seq);
  char buf[16];
  for (Py_ssize_t i = 0; i < n; ++i) {
    const char *index_key;
    const size_t index_len = bson_uint32_to_string(static_cast<uint32_t>(i), &index_key, buf, sizeof buf);
    // A list may change while we walk it (a __del__ elsewhere); re-read its size each time.
    if (is_list && i >= PyList_GET_SIZE(seq)) break;
    PyObject *item = is_list ? PyList_GET_ITEM(seq, i) : PyTuple_GET_ITEM(seq, i);
    value(&child, index_key, static_cast<int>(index_len), item);
  }
  check_append(bson_append_array_end(out, &child));
  leave();
}

// The fast path: the exact built-in types documents are mostly made of, one branch each.
void Encoder::value(bson_t *out, const char *key, int key_len, PyObject *v) {
  // Exact types first, in the order ODM documents use them most.
  if (PyUnicode_CheckExact(v)) {
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(v, &len);
    if (!s) {
      PyErr_Clear();
      invalid(std::string("strings in documents must be valid UTF-8 (key '") + key + "')");
    }
    check_append(bson_append_utf8(out, key, key_len, s, static_cast<int>(len)));
    return;
  }
  if (PyLong_CheckExact(v)) {
    const long long n = int64_of(v);
    if (n >= INT32_MIN && n <= INT32_MAX) {
      check_append(bson_append_int32(out, key, key_len, static_cast<int32_t>(n)));
    } else {
      check_append(bson_append_int64(out, key, key_len, n));
    }
    return;
  }
  if (PyFloat_CheckExact(v)) {
    check_append(bson_append_double(out, key, key_len, PyFloat_AS_DOUBLE(v)));
    return;
  }
  if (v == Py_None) {
    check_append(bson_append_null(out, key, key_len));
    return;
  }
  if (v == Py_True || v == Py_False) {
    check_append(bson_append_bool(out, key, key_len, v == Py_True));
    return;
  }
  if (PyDict_CheckExact(v)) {
    sub_document(out, key, key_len, v);
    return;
  }
  if (PyList_CheckExact(v)) {
    array(out, key, key_len, v);
    return;
  }
  if (Py_TYPE(v) == objectid_type()) {
    bson_oid_t oid;
    as_objectid(v, &oid);
    check_append(bson_append_oid(out, key, key_len, &oid));
    return;
  }
  slow_value(out, key, key_len, v);
}

void Encoder::append_datetime(bson_t *out, const char *key, int key_len, PyObject *v) {
  int64_t days = days_from_civil(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v), PyDateTime_GET_DAY(v));
  int64_t ms = days * 86400000LL + PyDateTime_DATE_GET_HOUR(v) * 3600000LL +
               PyDateTime_DATE_GET_MINUTE(v) * 60000LL + PyDateTime_DATE_GET_SECOND(v) * 1000LL +
               PyDateTime_DATE_GET_MICROSECOND(v) / 1000;
  // Aware datetimes are converted to UTC; naive ones are taken as UTC already.
  PyObject *tz = PyObject_GetAttrString(v, "tzinfo");
  if (!tz) throw py::error_already_set();
  const bool aware = tz != Py_None;
  Py_DECREF(tz);
  if (aware) {
    PyObject *offset = PyObject_CallMethod(v, "utcoffset", nullptr);
    if (!offset) throw py::error_already_set();
    if (offset != Py_None && PyDelta_Check(offset)) {
      ms -= static_cast<int64_t>(PyDateTime_DELTA_GET_DAYS(offset)) * 86400000LL +
            static_cast<int64_t>(PyDateTime_DELTA_GET_SECONDS(offset)) * 1000LL +
            PyDateTime_DELTA_GET_MICROSECONDS(offset) / 1000;
    }
    Py_DECREF(offset);
  }
  check_append(bson_append_date_time(out, key, key_len, ms));
}

void Encoder::append_regex(bson_t *out, const char *key, int key_len, PyObject *v) {
  py::object pattern = py::reinterpret_steal<py::object>(PyObject_GetAttrString(v, "pattern"));
  py::object flags_obj = py::reinterpret_steal<py::object>(PyObject_GetAttrString(v, "flags"));
  if (!pattern || !flags_obj) throw py::error_already_set();
  std::string text;
  if (PyBytes_Check(pattern.ptr())) {
    text.assign(PyBytes_AS_STRING(pattern.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(pattern.ptr())));
  } else {
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(pattern.ptr(), &len);
    if (!s) {
      PyErr_Clear();  // a lone surrogate
      invalid(std::string("regex pattern of key '") + key + "' is not valid UTF-8");
    }
    text.assign(s, static_cast<size_t>(len));
  }
  if (text.find('\0') != std::string::npos) invalid(std::string("regex pattern of key '") + key + "' contains NUL");
  // A bytes pattern is stored as it is: BSON wants UTF-8, which no reader would decode otherwise.
  if (!bson_utf8_validate(text.data(), text.size(), false)) {
    invalid(std::string("regex pattern of key '") + key + "' is not valid UTF-8");
  }
  const long flags = PyLong_AsLong(flags_obj.ptr());
  std::string options;  // BSON wants them sorted
  if (flags & 2) options += 'i';
  if (flags & 4) options += 'l';
  if (flags & 8) options += 'm';
  if (flags & 16) options += 's';
  if (flags & 32) options += 'u';
  if (flags & 64) options += 'x';
  check_append(bson_append_regex_w_len(out, key, key_len, text.c_str(), static_cast<int>(text.size()), options.c_str()));
}

// A part of a Timestamp (a NamedTuple anyone can build with any values): an int in [0, 2**32).
uint32_t timestamp_part(PyObject *ts, Py_ssize_t i, const char *key) {
  const char *what = i == 0 ? "time" : "inc";
  // isinstance() believes an object's __class__: check the layout before reading it as a tuple.
  if (!PyTuple_Check(ts)) {
    PyErr_Format(PyExc_TypeError, "Timestamp of key '%s' is not a tuple (%s)", key, Py_TYPE(ts)->tp_name);
    throw py::error_already_set();
  }
  if (PyTuple_GET_SIZE(ts) != 2) {
    PyErr_Format(PyExc_TypeError, "Timestamp of key '%s' must have 2 fields, not %zd", key, PyTuple_GET_SIZE(ts));
    throw py::error_already_set();
  }
  PyObject *part = PyTuple_GET_ITEM(ts, i);
  if (!PyLong_Check(part)) {
    PyErr_Format(PyExc_TypeError, "Timestamp %s of key '%s' must be an int, not %s", what, key, Py_TYPE(part)->tp_name);
    throw py::error_already_set();
  }
  int overflow = 0;
  const long long n = PyLong_AsLongLongAndOverflow(part, &overflow);
  if (n == -1 && PyErr_Occurred()) throw py::error_already_set();
  if (overflow || n < 0 || n > static_cast<long long>(UINT32_MAX)) {
    PyErr_Format(PyExc_OverflowError, "Timestamp %s of key '%s' must be in [0, 2**32)", what, key);
    throw py::error_already_set();
  }
  return static_cast<uint32_t>(n);
}

// bytes as subtype 0; a Binary (ours, pymongo's: a bytes subclass with an int `subtype`) keeps
// its subtype.
void Encoder::append_binary(bson_t *out, const char *key, int key_len, PyObject *v) {
  bson_subtype_t subtype = BSON_SUBTYPE_BINARY;
  if (!PyBytes_CheckExact(v) && PyObject_HasAttrString(v, "subtype")) {
    py::object st = py::reinterpret_steal<py::object>(PyObject_GetAttrString(v, "subtype"));
    if (!st) throw py::error_already_set();
    if (!PyLong_Check(st.ptr())) invalid(std::string("Binary subtype of key '") + key + "' must be an int");
    const long n = PyLong_AsLong(st.ptr());
    if (n == -1 && PyErr_Occurred()) throw py::error_already_set();
    if (n < 0 || n > 255) invalid(std::string("Binary subtype of key '") + key + "' must be in [0, 256)");
    subtype = static_cast<bson_subtype_t>(n);
  }
  check_append(bson_append_binary(out, key, key_len, subtype, reinterpret_cast<const uint8_t *>(PyBytes_AS_STRING(v)),
                                  static_cast<uint32_t>(PyBytes_GET_SIZE(v))));
}

// A uuid.UUID under the client's uuidRepresentation (pymongo's Binary.from_uuid rules):
// UNSPECIFIED refuses it with pymongo's ValueError, STANDARD stores subtype 4, the legacy ones
// subtype 3 in their byte orders.
void Encoder::append_uuid(bson_t *out, const char *key, int key_len, PyObject *v) {
  const int rep = current_codec().uuid_representation;
  if (rep == CodecOptions::unspecified) {
    PyErr_SetString(PyExc_ValueError,
                    "cannot encode native uuid.UUID with UuidRepresentation.UNSPECIFIED. UUIDs can be manually "
                    "converted to bson.Binary instances using bson.Binary.from_uuid() or a different "
                    "UuidRepresentation can be configured. See the documentation for UuidRepresentation for more "
                    "information.");
    throw py::error_already_set();
  }
  py::object raw = py::reinterpret_steal<py::object>(PyObject_GetAttrString(v, "bytes"));
  if (!raw) throw py::error_already_set();
  if (!PyBytes_Check(raw.ptr()) || PyBytes_GET_SIZE(raw.ptr()) != 16) {  // a subclass's own .bytes
    invalid(std::string("UUID of key '") + key + "' does not give 16 bytes");
  }
  uint8_t bytes[16];
  std::memcpy(bytes, PyBytes_AS_STRING(raw.ptr()), 16);
  if (rep == CodecOptions::java_legacy) {
    std::reverse(bytes, bytes + 8);
    std::reverse(bytes + 8, bytes + 16);
  } else if (rep == CodecOptions::csharp_legacy) {
    std::reverse(bytes, bytes + 4);
    std::reverse(bytes + 4, bytes + 6);
    std::reverse(bytes + 6, bytes + 8);
  }
  check_append(bson_append_binary(out, key, key_len,
                                  rep == CodecOptions::standard ? BSON_SUBTYPE_UUID : BSON_SUBTYPE_UUID_DEPRECATED,
                                  bytes, 16));
}

void Encoder::append_decimal(bson_t *out, const char *key, int key_len, PyObject *v) {
  py::object text = py::reinterpret_steal<py::object>(PyObject_Str(v));
  if (!text) throw py::error_already_set();
  const char *s = PyUnicode_AsUTF8(text.ptr());
  if (!s) throw py::error_already_set();
  bson_decimal128_t dec;
  if (!bson_decimal128_from_string(s, &dec)) {
    invalid(std::string("Decimal ") + s + " of key '" + key + "' cannot be represented exactly as decimal128");
  }
  check_append(bson_append_decimal128(out, key, key_len, &dec));
}

// The types value() does not take on its fast path, tested in order (Timestamp before tuple, a
// Mapping after the concrete types): one branch per supported type, hence its length.
void Encoder::slow_value(bson_t *out, const char *key, int key_len, PyObject *v) {
  const PyGlobals &g = globals();
  if (PyBool_Check(v)) {
    check_append(bson_append_bool(out, key, key_len, v == Py_True));
  } else if (PyLong_Check(v) && std::strcmp(Py_TYPE(v)->tp_name, "Int64") == 0) {
    // ours, or pymongo's bson.Int64: int64 whatever the size
    check_append(bson_append_int64(out, key, key_len, int64_of(v)));
  } else if (PyLong_Check(v) || PyFloat_Check(v) || PyUnicode_Check(v)) {
    // Subclasses (IntEnum, str-based Enum, ...) encode as their base value.
    PyObject *base = PyLong_Check(v) ? PyNumber_Index(v)
                     : PyFloat_Check(v) ? PyFloat_FromDouble(PyFloat_AsDouble(v))
                                        : PyUnicode_FromObject(v);
    if (!base) throw py::error_already_set();
    py::object guard = py::reinterpret_steal<py::object>(base);
    value(out, key, key_len, base);
  } else if (PyDict_Check(v)) {
    sub_document(out, key, key_len, v);
  } else if (of_type(v, g.timestamp_class)) {
    // Before the tuple check: Timestamp is a NamedTuple.
    const uint32_t time = timestamp_part(v, 0, key);
    check_append(bson_append_timestamp(out, key, key_len, time, timestamp_part(v, 1, key)));
  } else if (PyList_Check(v) || PyTuple_Check(v)) {
    array(out, key, key_len, v);
  } else if (PyDateTime_Check(v)) {
    append_datetime(out, key, key_len, v);
  } else if (PyBytes_Check(v)) {
    append_binary(out, key, key_len, v);
  } else if (of_type(v, g.uuid_class)) {
    append_uuid(out, key, key_len, v);
  } else if (of_type(v, g.datetime_ms_class) || std::strcmp(Py_TYPE(v)->tp_name, "DatetimeMS") == 0) {
    // ours, or pymongo's bson.DatetimeMS (an int of milliseconds)
    py::object ms = py::reinterpret_steal<py::object>(PyNumber_Long(v));
    if (!ms) throw py::error_already_set();
    const long long n = PyLong_AsLongLong(ms.ptr());
    if (n == -1 && PyErr_Occurred()) throw py::error_already_set();
    check_append(bson_append_date_time(out, key, key_len, n));
  } else if (of_type(v, g.decimal_class)) {
    append_decimal(out, key, key_len, v);
  } else if (of_type(v, g.pattern_class)) {
    append_regex(out, key, key_len, v);
  } else if (of_type(v, g.minkey_class)) {
    check_append(bson_append_minkey(out, key, key_len));
  } else if (of_type(v, g.maxkey_class)) {
    check_append(bson_append_maxkey(out, key, key_len));
  } else if (of_type(v, g_mapping_abc)) {
    sub_document(out, key, key_len, v);
  } else {
    bson_oid_t oid;
    if (as_objectid(v, &oid)) {  // pymongo's bson.ObjectId and look-alikes
      check_append(bson_append_oid(out, key, key_len, &oid));
      return;
    }
    if (PyErr_Occurred()) throw py::error_already_set();
    cannot_encode(key, v);
  }
  if (PyErr_Occurred()) throw py::error_already_set();
}

// DocumentTooLarge, with pymongo's message, for a document over the size a server takes.
void check_document_size(const bson_t *out) {
  if (out->len > kMaxDocument) {
    raise_named("DocumentTooLarge", "BSON document too large (" + std::to_string(out->len) +
                                        " bytes) - the connected server supports BSON document sizes up to " +
                                        std::to_string(kMaxDocument) + " bytes.");
  }
}

}  // namespace

void encode_document(py::handle mapping, bson_t *out) {
  PyObject *obj = mapping.ptr();
  if (!PyDict_Check(obj) && !of_type(obj, g_mapping_abc)) {
    PyErr_Format(PyExc_TypeError,
                 "document must be an instance of dict or another collections.abc.Mapping, not %s",
                 Py_TYPE(obj)->tp_name);
    throw py::error_already_set();
  }
  Encoder encoder;
  encoder.document(out, obj, true);
  check_document_size(out);
}

bool encode_model_values(py::handle values, py::handle names, bson_t *out) {
  PyObject *dict = values.ptr(), *tuple = names.ptr();
  if (!PyDict_Check(dict) || !PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) == 0 ||
      PyDict_GET_SIZE(dict) != PyTuple_GET_SIZE(tuple)) {
    return false;
  }
  PyObject *key, *v;
  Py_ssize_t pos = 0, i = 0;
  while (PyDict_Next(dict, &pos, &key, &v)) {
    PyObject *name = PyTuple_GET_ITEM(tuple, i++);
    if (key == name) continue;  // pydantic fills __dict__ with the field names' own str objects
    const int same = PyUnicode_Check(key) ? PyObject_RichCompareBool(key, name, Py_EQ) : 0;
    if (same < 0) throw py::error_already_set();
    if (!same) return false;
  }
  Encoder encoder;
  encoder.model_values(out, dict);
  check_document_size(out);
  return true;
}

void encode_update(py::handle update, bson_t *out) {
  if (PyList_Check(update.ptr()) || PyTuple_Check(update.ptr())) {
    py::dict stages;
    Py_ssize_t i = 0;
    for (py::handle stage : update) stages[py::str(std::to_string(i++))] = stage;
    if (i == 0) throw py::value_error("update pipeline must not be empty");
    encode_document(stages, out);
    return;
  }
  encode_document(update, out);
}

void encode_value(bson_t *out, const char *key, size_t key_len, py::handle value) {
  Encoder encoder;
  encoder.value(out, key, static_cast<int>(key_len), value.ptr());
}

void init_encoder() {
  PyDateTime_IMPORT;
  if (!PyDateTimeAPI) throw py::error_already_set();
  g_mapping_abc = keep_alive(py::module_::import("collections.abc").attr("Mapping"));
}

}  // namespace mongo_odm_py
