// The default connection as module functions (mongo_odm/connection.h): connect, disconnect,
// is_connected, default_database_name, and connection_settings (the environment fallback of
// mongo_odm_connect(), for the async client that mongo_odm.connection makes alike).
#include "blocking.hpp"
#include "common.hpp"

namespace mongo_odm_py {

void init_connection(py::module_ &m) {
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

  m.def(
      "connection_settings",
      [](py::object url, py::object username, py::object password, py::object db_name) {
        std::optional<std::string> url_text = text_argument(url, "url");
        std::optional<std::string> user_text = text_argument(username, "username");
        std::optional<std::string> password_text = text_argument(password, "password");
        std::optional<std::string> db_text = text_argument(db_name, "db_name");
        auto c_str = [](const std::optional<std::string> &s) { return s ? s->c_str() : nullptr; };
        bson_t out;
        mongo_odm_error_t error;
        const bool ok = mongo_odm_connection_settings(c_str(url_text), c_str(user_text), c_str(password_text),
                                                      c_str(db_text), &out, &error);
        mongo_odm::Bson settings = mongo_odm::Bson::adopt(&out);
        if (!ok) raise_error(error);
        return decode_document(settings.get());
      },
      py::arg("url") = py::none(), py::arg("username") = py::none(), py::arg("password") = py::none(),
      py::arg("db_name") = py::none(),
      "The parameters connect() would use: {'url', 'username'?, 'password'?, 'db_name'?} "
      "(mongo_odm_connection_settings). Raises ConfigurationError without a URL.");
}

}  // namespace mongo_odm_py
