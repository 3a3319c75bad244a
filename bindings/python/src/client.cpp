// The native client: a connection pool of its own, or the borrowed default client.
#include <optional>

#include "blocking.hpp"
#include "collection.hpp"

namespace mongo_odm_py {

namespace {

class PyClient {
 public:
  // A pool of its own (the library's option defaults apply unless the URL sets them).
  PyClient(py::object url, py::object username, py::object password) {
    std::optional<std::string> url_text = text_argument(url, "url");
    if (!url_text) throw py::type_error("url must be str, not None");
    std::optional<std::string> user_text = text_argument(username, "username");
    std::optional<std::string> password_text = text_argument(password, "password");
    client_.emplace(*url_text, user_text, password_text);
  }

  // A client collected without close() destroys its pool (endSessions, closing connections)
  // with the GIL released: against a frozen server that takes up to the socket timeout.
  ~PyClient() {
    if (!client_) return;
    std::optional<mongo_odm::Client> doomed;
    doomed.swap(client_);
    without_gil_in_destructor([&] { doomed.reset(); });
  }
  PyClient(PyClient &&) = default;
  PyClient &operator=(PyClient &&) = default;

  // The default connection's client, connecting from the environment on first use.
  static PyClient default_client() {
    mongo_odm_error_t error;
    mongo_odm_client_t *raw = blocking([&] { return mongo_odm_default_client(&error); });
    if (!raw) raise_error(error);
    return PyClient(mongo_odm::Client::borrow(raw));
  }

  bool is_default() const { return is_default_; }
  bool closed() const { return !client_.has_value(); }

  void ping() {
    auto &c = get();
    blocking([&] { c.ping(); });
  }

  py::object command(const std::string &db, py::handle command) {
    auto &c = get();
    mongo_odm::Bson cmd;
    encode_document(command, cmd.get());
    mongo_odm::Bson reply = call_with_reply(
        [&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_client_command(c.get(), db.c_str(), cmd.get(), r, e); });
    return decode_document(reply.get());
  }

  py::list list_collection_names(const std::string &db, py::object filter) {
    auto &c = get();
    mongo_odm::Bson f;
    if (!filter.is_none()) encode_document(filter, f.get());
    mongo_odm::Bson reply = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) {
      return mongo_odm_client_list_collection_names(c.get(), db.c_str(), filter.is_none() ? nullptr : f.get(), r, e);
    });
    py::dict decoded = decode_document(reply.get());
    return py::list(decoded["names"]);
  }

  void drop_database(const std::string &db) {
    auto &c = get();
    blocking([&] { c.drop_database(db); });
  }

  std::optional<std::string> default_database_name() { return get().default_database_name(); }

  std::unique_ptr<PyCollection> collection(const std::string &db, const std::string &name, py::object database) {
    return std::make_unique<PyCollection>(get().get(), db, name, std::move(database), codec_);
  }

  // pymongo's codec options for the collections made after (mongo_odm/client.py checks them).
  void set_codec_options(bool tz_aware, py::object tzinfo, py::object document_class, int uuid_representation,
                         int datetime_conversion, int64_t min_ms, int64_t max_ms) {
    if (uuid_representation != CodecOptions::unspecified && uuid_representation != CodecOptions::standard &&
        (uuid_representation < CodecOptions::python_legacy || uuid_representation > CodecOptions::csharp_legacy)) {
      throw py::value_error("uuid_representation must be a value from bson.binary.UuidRepresentation");
    }
    if (datetime_conversion < CodecOptions::datetime || datetime_conversion > CodecOptions::datetime_auto) {
      throw py::value_error("datetime_conversion must be an element of DatetimeConversion");
    }
    auto options = std::make_shared<CodecOptions>();
    options->tz_aware = tz_aware;
    options->tzinfo = std::move(tzinfo);
    options->document_class = std::move(document_class);
    options->uuid_representation = uuid_representation;
    options->datetime_conversion = datetime_conversion;
    options->min_ms = min_ms;
    options->max_ms = max_ms;
    codec_ = std::move(options);
  }

  void close() {
    if (!client_) return;
    if (is_default_) blocking([] { mongo_odm::disconnect(); });
    std::optional<mongo_odm::Client> doomed;
    doomed.swap(client_);
    blocking([&] { doomed.reset(); });  // destroys the pool (the default client's is only borrowed)
  }

 private:
  explicit PyClient(mongo_odm::Client borrowed) : is_default_(true) { client_.emplace(std::move(borrowed)); }

  mongo_odm::Client &get() {
    if (!client_) raise_named("InvalidOperation", "Cannot use MongoClient after close");
    return *client_;
  }

  std::optional<mongo_odm::Client> client_;
  bool is_default_ = false;
  std::shared_ptr<const CodecOptions> codec_;  // null: the codec defaults
};

}  // namespace

void init_client(py::module_ &m) {
  m.def(
      "uri_option_is_known", [](const std::string &name) { return mongo_odm_uri_option_is_known(name.c_str()); },
      py::arg("name"), "Whether the driver knows the MongoDB URI option `name` (case-insensitive).");
  py::class_<PyClient>(m, "Client", R"doc(
A libmongo_odm client: a thread-safe pool of connections to one deployment.

Client(url, username=None, password=None) creates a pool of its own (the library's option
defaults apply unless the URL sets them); default_client() borrows the default connection's.)doc")
      .def(py::init<py::object, py::object, py::object>(), py::arg("url"), py::arg("username") = py::none(),
           py::arg("password") = py::none())
      .def_static("default", &PyClient::default_client,
                  "The default connection's client, connecting from the environment on first use.")
      .def_property_readonly("is_default", &PyClient::is_default)
      .def("ping", &PyClient::ping)
      .def("command", &PyClient::command, py::arg("db"), py::arg("command"))
      .def("list_collection_names", &PyClient::list_collection_names, py::arg("db"), py::arg("filter") = py::none())
      .def("drop_database", &PyClient::drop_database, py::arg("db"))
      .def_property_readonly("default_database_name", &PyClient::default_database_name)
      .def("collection", &PyClient::collection, py::arg("db"), py::arg("name"), py::arg("database") = py::none())
      .def("set_codec_options", &PyClient::set_codec_options, py::arg("tz_aware"), py::arg("tzinfo"),
           py::arg("document_class"), py::arg("uuid_representation"), py::arg("datetime_conversion"),
           py::arg("min_ms"), py::arg("max_ms"))
      .def_property_readonly("closed", &PyClient::closed)
      .def("close", &PyClient::close);
}

}  // namespace mongo_odm_py
