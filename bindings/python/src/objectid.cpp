// mongo_odm.ObjectId: a 12-byte MongoDB ObjectId (the value type pymongo calls bson.ObjectId).
// New ids come from libmongo_odm (mongo_odm_generate_id); parsing and formatting use libbson.
#include <Python.h>
#include <datetime.h>

#include <cstring>

#include "common.hpp"

namespace mongo_odm_py {

namespace {

PyTypeObject *g_type = nullptr;

std::string hex_of(const ObjectIdValue &v) {
  char hex[25];
  bson_oid_to_string(&v.oid, hex);
  return std::string(hex, 24);
}

ObjectIdValue from_hex(const std::string &text) {
  // (the size too: the C function sees a C string, which a NUL in `text` would cut short)
  if (text.size() != 24 || !mongo_odm_id_is_object_id(text.c_str())) {
    raise_named("InvalidId", "'" + text + "' is not a valid ObjectId, it must be a 12-byte input or a 24-character hex string");
  }
  ObjectIdValue v;
  bson_oid_init_from_string(&v.oid, text.c_str());
  return v;
}

ObjectIdValue generate() {
  char hex[25];
  mongo_odm_generate_id(hex);
  ObjectIdValue v;
  bson_oid_init_from_string(&v.oid, hex);
  return v;
}

ObjectIdValue construct(py::object arg) {
  if (arg.is_none()) return generate();
  bson_oid_t oid;
  if (PyUnicode_Check(arg.ptr())) return from_hex(arg.cast<std::string>());
  if (PyBytes_Check(arg.ptr())) {
    if (PyBytes_GET_SIZE(arg.ptr()) != 12) {
      raise_named("InvalidId", py::repr(arg).cast<std::string>() + " is not a valid ObjectId, it must be a 12-byte input or a 24-character hex string");
    }
    ObjectIdValue v;
    bson_oid_init_from_data(&v.oid, reinterpret_cast<const uint8_t *>(PyBytes_AS_STRING(arg.ptr())));
    return v;
  }
  if (as_objectid(arg, &oid)) return ObjectIdValue{oid};
  PyErr_Clear();
  throw py::type_error("id must be an instance of (bytes, str, ObjectId), not " +
                       std::string(Py_TYPE(arg.ptr())->tp_name));
}

}  // namespace

PyTypeObject *objectid_type() { return g_type; }

py::object make_objectid(const bson_oid_t &oid) { return py::cast(ObjectIdValue{oid}); }

bool as_objectid(py::handle obj, bson_oid_t *out) {
  if (Py_TYPE(obj.ptr()) == g_type) {
    bson_oid_copy(&obj.cast<ObjectIdValue &>().oid, out);
    return true;
  }
  // pymongo's bson.ObjectId (and anything shaped like it) exposes its 12 bytes as .binary.
  PyObject *binary = PyObject_GetAttrString(obj.ptr(), "binary");
  if (!binary) {
    PyErr_Clear();
    return false;
  }
  const bool ok = PyBytes_Check(binary) && PyBytes_GET_SIZE(binary) == 12;
  if (ok) bson_oid_init_from_data(out, reinterpret_cast<const uint8_t *>(PyBytes_AS_STRING(binary)));
  Py_DECREF(binary);
  return ok;
}

void init_objectid(py::module_ &m) {
  PyDateTime_IMPORT;
  auto cls = py::class_<ObjectIdValue>(m, "ObjectId", R"doc(
A MongoDB ObjectId: 12 bytes (a 4-byte timestamp, 5 random bytes, a 3-byte counter).

ObjectId() makes a new one; ObjectId("24 hex characters"), ObjectId(b"12 bytes") and
ObjectId(other_object_id) parse one. Invalid input raises mongo_odm.errors.InvalidId.
Objects with a 12-byte ``.binary`` (pymongo's bson.ObjectId) are accepted too.)doc")
      .def(py::init(&construct), py::arg("oid") = py::none())
      .def_property_readonly("binary",
                             [](const ObjectIdValue &v) {
                               return py::bytes(reinterpret_cast<const char *>(v.oid.bytes), 12);
                             },
                             "The 12 bytes of the ObjectId.")
      .def_property_readonly("generation_time",
                             [](const ObjectIdValue &v) {
                               const time_t t = bson_oid_get_time_t(&v.oid);
                               py::object utc = py::reinterpret_borrow<py::object>(globals().utc);
                               return py::module_::import("datetime").attr("datetime").attr("fromtimestamp")(
                                   static_cast<long long>(t), utc);
                             },
                             "When the ObjectId was made: its first 4 bytes, as an aware UTC datetime "
                             "(second precision).")
      .def_static("is_valid",
                  [](py::object candidate) {
                    if (candidate.is_none()) return false;
                    try {
                      construct(candidate);
                      return true;
                    } catch (py::error_already_set &) {
                      return false;
                    } catch (py::type_error &) {
                      return false;
                    }
                  },
                  "True when ObjectId(candidate) would succeed (24 hex characters, 12 bytes or an "
                  "ObjectId); False for anything else, None included.")
      .def("__str__", &hex_of)
      .def("__repr__", [](const ObjectIdValue &v) { return "ObjectId('" + hex_of(v) + "')"; })
      .def("__hash__", [](const ObjectIdValue &v) {
        return py::hash(py::bytes(reinterpret_cast<const char *>(v.oid.bytes), 12));
      })
      .def("__eq__", [](const ObjectIdValue &a, py::object b) -> py::object {
        bson_oid_t other;
        if (Py_TYPE(b.ptr()) != g_type && !as_objectid(b, &other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
        if (Py_TYPE(b.ptr()) == g_type) other = b.cast<ObjectIdValue &>().oid;
        return py::bool_(bson_oid_equal(&a.oid, &other));
      })
      .def("__ne__", [](const ObjectIdValue &a, py::object b) -> py::object {
        bson_oid_t other;
        if (Py_TYPE(b.ptr()) != g_type && !as_objectid(b, &other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
        if (Py_TYPE(b.ptr()) == g_type) other = b.cast<ObjectIdValue &>().oid;
        return py::bool_(!bson_oid_equal(&a.oid, &other));
      })
      .def("__lt__", [](const ObjectIdValue &a, const ObjectIdValue &b) { return bson_oid_compare(&a.oid, &b.oid) < 0; })
      .def("__le__", [](const ObjectIdValue &a, const ObjectIdValue &b) { return bson_oid_compare(&a.oid, &b.oid) <= 0; })
      .def("__gt__", [](const ObjectIdValue &a, const ObjectIdValue &b) { return bson_oid_compare(&a.oid, &b.oid) > 0; })
      .def("__ge__", [](const ObjectIdValue &a, const ObjectIdValue &b) { return bson_oid_compare(&a.oid, &b.oid) >= 0; })
      .def("__copy__", [](const ObjectIdValue &v) { return v; })
      .def("__deepcopy__", [](const ObjectIdValue &v, py::object) { return v; })
      .def(py::pickle([](const ObjectIdValue &v) { return py::make_tuple(hex_of(v)); },
                      [](py::tuple t) { return from_hex(t[0].cast<std::string>()); }))
      // Every pickle protocol goes through __reduce__: without it, protocols 0 and 1 take
      // copyreg._reduce_ex, which allocates a bare pybind11 instance and aborts the process.
      .def("__reduce__", [](py::object self) {
        return py::make_tuple(py::type::of(self), py::make_tuple(hex_of(self.cast<const ObjectIdValue &>())));
      });
  g_type = reinterpret_cast<PyTypeObject *>(cls.ptr());
}

}  // namespace mongo_odm_py
