// BSON -> Python. One pass with bson_iter, objects built with the CPython API.
#include <Python.h>
#include <datetime.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "civil_time.hpp"
#include "common.hpp"

namespace mongo_odm_py {

namespace {

// mongo_odm/doc.h; also bounds the recursion on hostile input (depth 0 is the top level).
constexpr int kMaxDepth = MONGO_ODM_MAX_DOCUMENT_DEPTH;

[[noreturn]] void invalid_bson(const std::string &message) { raise_named("InvalidBSON", message); }

// Every function returns a new reference or throws.
PyObject *decode_doc(const bson_t *doc, int depth);
PyObject *decode_other(const bson_iter_t *iter, int depth);
PyObject *decode_array(const bson_t *doc, int depth);

PyObject *checked(PyObject *obj) {
  if (!obj) throw py::error_already_set();
  return obj;
}

PyObject *decode_utf8(const char *s, size_t len, const char *what) {
  PyObject *str = PyUnicode_DecodeUTF8(s, static_cast<Py_ssize_t>(len), "strict");
  if (!str) {
    PyErr_Clear();
    invalid_bson(std::string("invalid UTF-8 in ") + what);
  }
  return str;
}

// Keys repeat: every document of a result has the same ones. A small direct-mapped cache of
// key str objects (guarded by the GIL, which every decode holds) saves allocating each key
// again and, more, hashing it again when it goes into the dict: a str caches its own hash.
// Short keys only; a slot keeps its str alive until another key takes the slot.
class KeyCache {
 public:
  PyObject *get(const char *s, uint32_t len) {
    if (len == 0 || len > kMaxLen) return decode_utf8(s, len, "a key");
    uint32_t h = 2166136261u;  // FNV-1a
    for (uint32_t i = 0; i < len; ++i) h = (h ^ static_cast<unsigned char>(s[i])) * 16777619u;
    Slot &slot = slots_[h & (kSlots - 1)];
    if (slot.str && slot.len == len && std::memcmp(slot.bytes, s, len) == 0) {
      Py_INCREF(slot.str);
      return slot.str;
    }
    PyObject *str = decode_utf8(s, len, "a key");
    Py_XDECREF(slot.str);
    Py_INCREF(str);
    slot.str = str;
    slot.len = len;
    std::memcpy(slot.bytes, s, len);
    return str;
  }

 private:
  static constexpr uint32_t kMaxLen = 24;
  static constexpr uint32_t kSlots = 256;
  struct Slot {
    PyObject *str = nullptr;
    uint32_t len = 0;
    char bytes[kMaxLen];
  };
  Slot slots_[kSlots];
};

KeyCache key_cache;

PyObject *decode_datetime(int64_t ms) {
  const CodecOptions &opts = current_codec();
  if (opts.datetime_conversion == CodecOptions::datetime_ms ||
      (opts.datetime_conversion == CodecOptions::datetime_auto && (ms < opts.min_ms || ms > opts.max_ms))) {
    return checked(PyObject_CallFunction(globals().datetime_ms_class, "L", static_cast<long long>(ms)));
  }
  if (opts.datetime_conversion == CodecOptions::datetime_clamp) ms = std::max(opts.min_ms, std::min(ms, opts.max_ms));
  const int64_t days = floor_div(ms, 86400000LL);
  const int64_t rest = floor_mod(ms, 86400000LL);
  const CivilDate date = civil_from_days(days);
  if (date.year < 1 || date.year > 9999) {
    invalid_bson("datetime " + std::to_string(ms) + " ms since the epoch is outside years 1..9999");
  }
  PyObject *tz = opts.tz_aware ? globals().utc : Py_None;
  PyObject *dt = checked(PyDateTimeAPI->DateTime_FromDateAndTime(
      static_cast<int>(date.year), date.month, date.day, static_cast<int>(rest / 3600000),
      static_cast<int>((rest / 60000) % 60), static_cast<int>((rest / 1000) % 60), static_cast<int>(rest % 1000) * 1000,
      tz, PyDateTimeAPI->DateTimeType));
  if (!opts.tz_aware || !opts.tzinfo || opts.tzinfo.is_none()) return dt;
  py::object utc_value = py::reinterpret_steal<py::object>(dt);
  PyObject *local = PyObject_CallMethod(utc_value.ptr(), "astimezone", "O", opts.tzinfo.ptr());
  if (!local && PyErr_ExceptionMatches(PyExc_OverflowError)) {  // near years 1 or 9999 (pymongo's InvalidBSON)
    PyErr_Clear();
    invalid_bson("date value out of range");
  }
  return checked(local);
}

// A UUID's 16 bytes as stored under a legacy representation (subtype 3) <-> uuid.UUID.bytes:
// Java reverses each 8-byte half, C# stores the first three fields little-endian (bytes_le).
void legacy_uuid_bytes(int representation, const uint8_t *in, uint8_t *out) {
  std::memcpy(out, in, 16);
  if (representation == CodecOptions::java_legacy) {
    std::reverse(out, out + 8);
    std::reverse(out + 8, out + 16);
  } else if (representation == CodecOptions::csharp_legacy) {
    std::reverse(out, out + 4);
    std::reverse(out + 4, out + 6);
    std::reverse(out + 6, out + 8);
  }
}

// A mongo_odm.Binary (a bytes subclass that keeps the subtype).
PyObject *binary_object(bson_subtype_t subtype, const uint8_t *data, uint32_t len) {
  py::object raw = py::reinterpret_steal<py::object>(
      checked(PyBytes_FromStringAndSize(reinterpret_cast<const char *>(data), static_cast<Py_ssize_t>(len))));
  return checked(PyObject_CallFunction(globals().binary_class, "Oi", raw.ptr(), static_cast<int>(subtype)));
}

// Binary of a UUID subtype: a uuid.UUID when the representation says so, else a Binary
// (pymongo's rule: subtype 4 only under STANDARD, subtype 3 only under a legacy one).
PyObject *decode_uuid_binary(bson_subtype_t subtype, const uint8_t *data, uint32_t len) {
  const int rep = current_codec().uuid_representation;
  const bool as_uuid = len == 16 && rep != CodecOptions::unspecified &&
                       (subtype == BSON_SUBTYPE_UUID ? rep == CodecOptions::standard : rep != CodecOptions::standard);
  if (!as_uuid) return binary_object(subtype, data, len);
  uint8_t bytes[16];
  legacy_uuid_bytes(rep, data, bytes);
  py::object raw = py::bytes(reinterpret_cast<const char *>(bytes), 16);
  return py::reinterpret_borrow<py::object>(globals().uuid_class)(py::arg("bytes") = raw).release().ptr();
}

PyObject *decode_regex(const char *pattern, const char *options) {
  // (libbson's validation does not look at regex text; the options go into messages below)
  if (!bson_utf8_validate(options, std::strlen(options), false)) invalid_bson("invalid UTF-8 in regex options");
  long flags = 0;
  for (const char *o = options; *o; ++o) {
    switch (*o) {
      case 'i': flags |= 2; break;
      case 'l': flags |= 4; break;
      case 'm': flags |= 8; break;
      case 's': flags |= 16; break;
      case 'u': flags |= 32; break;
      case 'x': flags |= 64; break;
      default: break;
    }
  }
  py::object text = py::reinterpret_steal<py::object>(decode_utf8(pattern, std::strlen(pattern), "a regex"));
  PyObject *compiled = PyObject_CallFunction(globals().re_compile, "Ol", text.ptr(), flags);
  if (!compiled) {
    PyErr_Clear();
    invalid_bson("regex /" + std::string(pattern) + "/" + options + " is not a valid Python regular expression");
  }
  return compiled;
}

// Binary, decimal128, regex, timestamp, code (with scope), symbol, DBPointer, MinKey/MaxKey (a
// case per type).
PyObject *decode_other(const bson_iter_t *iter, int depth) {
  switch (bson_iter_type(iter)) {
    case BSON_TYPE_BINARY: {
      bson_subtype_t subtype;
      uint32_t len;
      const uint8_t *data;
      bson_iter_binary(iter, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_UUID || subtype == BSON_SUBTYPE_UUID_DEPRECATED) {
        return decode_uuid_binary(subtype, data, len);
      }
      if (subtype != BSON_SUBTYPE_BINARY) return binary_object(subtype, data, len);  // pymongo's Binary
      return checked(PyBytes_FromStringAndSize(reinterpret_cast<const char *>(data), len));
    }
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t dec;
      bson_iter_decimal128(iter, &dec);
      char buf[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&dec, buf);
      return checked(PyObject_CallFunction(globals().decimal_class, "s", buf));
    }
    case BSON_TYPE_REGEX: {
      const char *options = nullptr;
      const char *pattern = bson_iter_regex(iter, &options);
      return decode_regex(pattern, options ? options : "");
    }
    case BSON_TYPE_TIMESTAMP: {
      uint32_t t, i;
      bson_iter_timestamp(iter, &t, &i);
      return checked(PyObject_CallFunction(globals().timestamp_class, "II", t, i));
    }
    case BSON_TYPE_CODE: {
      uint32_t len;
      const char *code = bson_iter_code(iter, &len);
      return decode_utf8(code, len, "JavaScript code");
    }
    case BSON_TYPE_CODEWSCOPE: {
      uint32_t len, scope_len;
      const uint8_t *scope;
      const char *code = bson_iter_codewscope(iter, &len, &scope_len, &scope);
      // The scope is dropped, but libbson 1.23's validation does not look inside it: decode it
      // anyway, so that a corrupt one is InvalidBSON as everywhere else.
      bson_t scope_doc;
      if (!scope || !bson_init_static(&scope_doc, scope, scope_len)) invalid_bson("corrupt code-with-scope scope");
      py::object checked_scope = py::reinterpret_steal<py::object>(decode_doc(&scope_doc, depth + 1));
      return decode_utf8(code, len, "JavaScript code");
    }
    case BSON_TYPE_SYMBOL: {
      uint32_t len;
      const char *symbol = bson_iter_symbol(iter, &len);
      return decode_utf8(symbol, len, "a symbol");
    }
    case BSON_TYPE_DBPOINTER: {
      uint32_t len;
      const char *coll;
      const bson_oid_t *oid;
      bson_iter_dbpointer(iter, &len, &coll, &oid);
      py::dict ref;
      ref["$ref"] = py::reinterpret_steal<py::object>(decode_utf8(coll, len, "a DBPointer"));
      ref["$id"] = make_objectid(*oid);
      return ref.release().ptr();
    }
    case BSON_TYPE_MINKEY:
      return checked(PyObject_CallObject(globals().minkey_class, nullptr));
    case BSON_TYPE_MAXKEY:
      return checked(PyObject_CallObject(globals().maxkey_class, nullptr));
    default:
      invalid_bson("unknown BSON type " + std::to_string(static_cast<int>(bson_iter_type(iter))) + " for key '" +
                   bson_iter_key(iter) + "'");
  }
}

// The types documents are mostly made of; decode_other() has the rest. (A switch with one case
// per type: its length is the number of types.)
PyObject *decode(const bson_iter_t *iter, int depth) {
  switch (bson_iter_type(iter)) {
    case BSON_TYPE_UTF8: {
      uint32_t len;
      const char *s = bson_iter_utf8(iter, &len);
      return decode_utf8(s, len, "a string");
    }
    case BSON_TYPE_INT32:
      return checked(PyLong_FromLong(bson_iter_int32(iter)));
    case BSON_TYPE_INT64:
      return checked(PyLong_FromLongLong(bson_iter_int64(iter)));
    case BSON_TYPE_DOUBLE:
      return checked(PyFloat_FromDouble(bson_iter_double(iter)));
    case BSON_TYPE_BOOL:
      { PyObject *b = bson_iter_bool(iter) ? Py_True : Py_False; Py_INCREF(b); return b; }
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
      Py_INCREF(Py_None);
      return Py_None;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
      uint32_t len;
      const uint8_t *data;
      if (BSON_ITER_HOLDS_DOCUMENT(iter)) {
        bson_iter_document(iter, &len, &data);
      } else {
        bson_iter_array(iter, &len, &data);
      }
      bson_t sub;
      if (!bson_init_static(&sub, data, len)) invalid_bson("corrupt embedded document");
      return BSON_ITER_HOLDS_DOCUMENT(iter) ? decode_doc(&sub, depth + 1) : decode_array(&sub, depth + 1);
    }
    case BSON_TYPE_OID:
      return make_objectid(*bson_iter_oid(iter)).release().ptr();
    case BSON_TYPE_DATE_TIME:
      return decode_datetime(bson_iter_date_time(iter));
    default:
      return decode_other(iter, depth);
  }
}

PyObject *decode_doc(const bson_t *doc, int depth) {
  if (depth >= kMaxDepth) invalid_bson("document nesting exceeds " + std::to_string(kMaxDepth) + " levels");
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) invalid_bson("corrupt BSON document");
  // The client's document_class (pymongo: every level), or a dict on the fast path.
  const py::object &cls = current_codec().document_class;
  const bool plain = !cls || cls.ptr() == reinterpret_cast<PyObject *>(&PyDict_Type);
  py::object out = py::reinterpret_steal<py::object>(checked(plain ? PyDict_New() : PyObject_CallObject(cls.ptr(), nullptr)));
  while (bson_iter_next(&iter)) {
    py::object key = py::reinterpret_steal<py::object>(key_cache.get(bson_iter_key(&iter), bson_iter_key_len(&iter)));
    py::object value = py::reinterpret_steal<py::object>(decode(&iter, depth));
    const int r = plain ? PyDict_SetItem(out.ptr(), key.ptr(), value.ptr())
                        : PyObject_SetItem(out.ptr(), key.ptr(), value.ptr());
    if (r < 0) throw py::error_already_set();
  }
  if (iter.err_off) invalid_bson("corrupt BSON document at byte " + std::to_string(iter.err_off));
  return out.release().ptr();
}

PyObject *decode_array(const bson_t *doc, int depth) {
  if (depth >= kMaxDepth) invalid_bson("document nesting exceeds " + std::to_string(kMaxDepth) + " levels");
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) invalid_bson("corrupt BSON array");
  py::object list = py::reinterpret_steal<py::object>(checked(PyList_New(0)));
  while (bson_iter_next(&iter)) {
    py::object value = py::reinterpret_steal<py::object>(decode(&iter, depth));
    if (PyList_Append(list.ptr(), value.ptr()) < 0) throw py::error_already_set();
  }
  if (iter.err_off) invalid_bson("corrupt BSON array at byte " + std::to_string(iter.err_off));
  return list.release().ptr();
}

}  // namespace

py::object decode_document(const bson_t *doc) { return py::reinterpret_steal<py::object>(decode_doc(doc, 0)); }

py::object decode_document(const uint8_t *data, size_t len) {
  bson_t doc;
  if (len < 5 || len > UINT32_MAX || !bson_init_static(&doc, data, len)) invalid_bson("not a BSON document");
  // No separate validation pass: bson_iter bounds-checks every element as the decoder walks
  // (corruption sets err_off, turned into InvalidBSON), and strings and keys are validated by
  // the UTF-8 decoder that builds the str objects. A corrupt document raises InvalidBSON.
  return decode_document(&doc);
}

py::object decode_value(const bson_iter_t *iter) { return py::reinterpret_steal<py::object>(decode(iter, 0)); }

void init_decoder() {
  PyDateTime_IMPORT;
  if (!PyDateTimeAPI) throw py::error_already_set();
}

}  // namespace mongo_odm_py
