// Ids and the default connection, as module functions.
#include "common.hpp"

namespace mongo_odm_py {

void init_ids(py::module_ &m) {
  m.def("generate_id", [] { return mongo_odm::generate_id(); },
        "A new ObjectId as 24 lowercase hex characters (mongo_odm_generate_id).");
  m.def(
      "generate_composite_id",
      [](const std::vector<std::string> &values) { return mongo_odm::generate_composite_id(values); },
      py::arg("values"), "md5 hex of the concatenated strings (mongo_odm_generate_composite_id).");
  m.def(
      "generate_id_from_pairs",
      [](const std::vector<std::pair<std::string, std::string>> &pairs) {
        return mongo_odm::generate_id_from_pairs(pairs);
      },
      py::arg("pairs"), "md5 hex of the sorted, escaped key=value pairs (mongo_odm_generate_id_from_pairs).");
  m.def("is_object_id", [](const std::string &s) { return mongo_odm_id_is_object_id(s.c_str()); });

  m.def(
      "connect",
      [](std::optional<std::string> url, std::optional<std::string> username, std::optional<std::string> password,
         std::optional<std::string> db_name) {
        py::gil_scoped_release release;
        mongo_odm::connect(url, username, password, db_name);
      },
      py::arg("url") = py::none(), py::arg("username") = py::none(), py::arg("password") = py::none(),
      py::arg("db_name") = py::none(), "Opens the default connection (mongo_odm_connect) and pings the server.");
  m.def("disconnect", [] {
    py::gil_scoped_release release;
    mongo_odm::disconnect();
  });
  m.def("is_connected", [] { return mongo_odm::is_connected(); });
  m.def("default_database_name", [] { return mongo_odm::default_database_name(); });

  m.def("get_version", [] { return std::string(mongo_odm_get_version()); });
  m.def("set_log_level", [](int level) { mongo_odm_log_set_level(static_cast<mongo_odm_log_level_t>(level)); });
  m.def("get_log_level", [] { return static_cast<int>(mongo_odm_log_get_level()); });
}

}  // namespace mongo_odm_py
