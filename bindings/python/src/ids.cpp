// Ids as module functions: generate_id, generate_composite_id, generate_id_from_pairs, is_object_id.
#include "common.hpp"

namespace mongo_odm_py {

namespace {

// The UTF-8 bytes of a str, NULs included; a lone surrogate raises UnicodeEncodeError, as
// str.encode() does in lightodm's hashlib call.
std::string utf8_of(py::handle value, const char *what) {
  if (!PyUnicode_Check(value.ptr())) {
    throw py::type_error(std::string(what) + " must be str, not " + Py_TYPE(value.ptr())->tp_name);
  }
  Py_ssize_t len = 0;
  const char *data = PyUnicode_AsUTF8AndSize(value.ptr(), &len);
  if (!data) throw py::error_already_set();
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

void init_ids(py::module_ &m) {
  m.def("generate_id", [] { return mongo_odm::generate_id(); },
        "A new ObjectId as 24 lowercase hex characters (mongo_odm_generate_id).");
  m.def(
      "generate_composite_id",
      [](const py::sequence &values) {
        std::vector<std::string> parts;
        parts.reserve(values.size());
        for (py::handle v : values) parts.push_back(utf8_of(v, "a composite id value"));
        return mongo_odm::generate_composite_id(parts);
      },
      py::arg("values"), "md5 hex of the concatenated strings (mongo_odm_generate_composite_id).");
  m.def(
      "generate_id_from_pairs",
      [](const py::sequence &pairs) {
        std::vector<std::pair<std::string, std::string>> parts;
        parts.reserve(pairs.size());
        for (py::handle p : pairs) {
          py::sequence pair = py::reinterpret_borrow<py::sequence>(p);
          if (!PySequence_Check(p.ptr()) || PyUnicode_Check(p.ptr()) || pair.size() != 2) throw py::type_error("pairs must be (key, value) tuples");
          parts.emplace_back(utf8_of(pair[0], "an id key"), utf8_of(pair[1], "an id value"));
        }
        return mongo_odm::generate_id_from_pairs(parts);
      },
      py::arg("pairs"), "md5 hex of the sorted, escaped key=value pairs (mongo_odm_generate_id_from_pairs).");
  m.def("is_object_id", [](const std::string &s) { return s.size() == 24 && mongo_odm_id_is_object_id(s.c_str()); });

}

}  // namespace mongo_odm_py
