// Ids and the default connection, as module functions.
#include "blocking.hpp"
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

  m.def(
      "connect",
      [](py::object url, py::object username, py::object password, py::object db_name) {
        std::optional<std::string> url_text = text_argument(url, "url");
        std::optional<std::string> user_text = text_argument(username, "username");
        std::optional<std::string> password_text = text_argument(password, "password");
        std::optional<std::string> db_text = text_argument(db_name, "db_name");
        blocking([&] { mongo_odm::connect(url_text, user_text, password_text, db_text); });
      },
      py::arg("url") = py::none(), py::arg("username") = py::none(), py::arg("password") = py::none(),
      py::arg("db_name") = py::none(), "Opens the default connection (mongo_odm_connect) and pings the server.");
  m.def("disconnect", [] { blocking([] { mongo_odm::disconnect(); }); });
  m.def("is_connected", [] { return mongo_odm::is_connected(); });
  m.def("default_database_name", [] { return mongo_odm::default_database_name(); });

  m.def("get_version", [] { return std::string(mongo_odm_get_version()); });
  m.def("set_log_level", [](int level) { mongo_odm_log_set_level(static_cast<mongo_odm_log_level_t>(level)); });
  m.def("get_log_level", [] { return static_cast<int>(mongo_odm_log_get_level()); });
}

}  // namespace mongo_odm_py
