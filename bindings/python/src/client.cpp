// The native client: a connection pool of its own, or the borrowed default client.
#include <optional>

#include "blocking.hpp"
#include "collection.hpp"

namespace mongo_odm_py {

namespace {

struct PyClient {
  std::optional<mongo_odm::Client> client;
  bool is_default = false;

  mongo_odm::Client &get() {
    if (!client) raise_named("InvalidOperation", "Cannot use MongoClient after close");
    return *client;
  }
};

template <typename F>
mongo_odm::Bson with_reply(F &&call) {
  bson_t reply;
  mongo_odm_error_t error;
  const bool ok = blocking([&] { return call(&reply, &error); });
  mongo_odm::Bson owned = mongo_odm::Bson::adopt(&reply);
  if (!ok) raise_error(error, owned.get());
  return owned;
}

}  // namespace

void init_client(py::module_ &m) {
  py::class_<PyClient>(m, "Client", R"doc(
A libmongo_odm client: a thread-safe pool of connections to one deployment.

Client(url, username=None, password=None) creates a pool of its own (the library's option
defaults apply unless the URL sets them); default_client() borrows the default connection's.)doc")
      .def(py::init([](py::object url, py::object username, py::object password) {
             std::optional<std::string> url_text = text_argument(url, "url");
             if (!url_text) throw py::type_error("url must be str, not None");
             std::optional<std::string> user_text = text_argument(username, "username");
             std::optional<std::string> password_text = text_argument(password, "password");
             PyClient c;
             c.client.emplace(*url_text, user_text, password_text);
             return c;
           }),
           py::arg("url"), py::arg("username") = py::none(), py::arg("password") = py::none())
      .def_static(
          "default",
          [] {
            mongo_odm_error_t error;
            mongo_odm_client_t *raw = blocking([&] { return mongo_odm_default_client(&error); });
            if (!raw) raise_error(error);
            PyClient c;
            c.client.emplace(mongo_odm::Client::borrow(raw));
            c.is_default = true;
            return c;
          },
          "The default connection's client, connecting from the environment on first use.")
      .def_readonly("is_default", &PyClient::is_default)
      .def("ping", [](PyClient &self) {
        auto &c = self.get();
        blocking([&] { c.ping(); });
      })
      .def("command",
           [](PyClient &self, const std::string &db, py::handle command) {
             auto &c = self.get();
             mongo_odm::Bson cmd;
             encode_document(command, cmd.get());
             mongo_odm::Bson reply = with_reply([&](bson_t *r, mongo_odm_error_t *e) {
               return mongo_odm_client_command(c.get(), db.c_str(), cmd.get(), r, e);
             });
             return decode_document(reply.get());
           },
           py::arg("db"), py::arg("command"))
      .def("list_collection_names",
           [](PyClient &self, const std::string &db, py::object filter) {
             auto &c = self.get();
             mongo_odm::Bson f;
             if (!filter.is_none()) encode_document(filter, f.get());
             mongo_odm::Bson reply = with_reply([&](bson_t *r, mongo_odm_error_t *e) {
               return mongo_odm_client_list_collection_names(c.get(), db.c_str(), filter.is_none() ? nullptr : f.get(), r, e);
             });
             py::dict decoded = decode_document(reply.get());
             return py::list(decoded["names"]);
           },
           py::arg("db"), py::arg("filter") = py::none())
      .def("drop_database",
           [](PyClient &self, const std::string &db) {
             auto &c = self.get();
             blocking([&] { c.drop_database(db); });
           },
           py::arg("db"))
      .def_property_readonly("default_database_name", [](PyClient &self) { return self.get().default_database_name(); })
      .def("collection",
           [](PyClient &self, const std::string &db, const std::string &name, py::object database) {
             return make_collection(self.get().get(), db, name, database);
           },
           py::arg("db"), py::arg("name"), py::arg("database") = py::none())
      .def_property_readonly("closed", [](PyClient &self) { return !self.client.has_value(); })
      .def("close", [](PyClient &self) {
        if (!self.client) return;
        if (self.is_default) blocking([] { mongo_odm::disconnect(); });
        std::optional<mongo_odm::Client> doomed;
        doomed.swap(self.client);
        blocking([&] { doomed.reset(); });  // destroys the pool (the default client's is only borrowed)
      });
}

}  // namespace mongo_odm_py
