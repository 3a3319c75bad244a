#include "client.hpp"

#include <cstring>

#include "bson_util.hpp"
#include "error.hpp"
#include "library.hpp"
#include "log.hpp"
#include "names.hpp"

namespace mongo_odm {

namespace {

// lightodm's MongoClient options that libmongoc also has. The URL's own values win.
void apply_defaults(mongoc_uri_t *uri) {
  struct IntOption {
    const char *name;
    int32_t value;
  };
  static const IntOption ints[] = {
      {MONGOC_URI_MAXPOOLSIZE, 50},
      {MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000},
      {MONGOC_URI_SOCKETTIMEOUTMS, 20000},
      {MONGOC_URI_CONNECTTIMEOUTMS, 20000},
      {MONGOC_URI_HEARTBEATFREQUENCYMS, 10000},
      {MONGOC_URI_WAITQUEUETIMEOUTMS, 10000},
  };
  for (const auto &opt : ints) {
    if (!mongoc_uri_has_option(uri, opt.name)) mongoc_uri_set_option_as_int32(uri, opt.name, opt.value);
  }
  static const char *const bools[] = {MONGOC_URI_RETRYWRITES, MONGOC_URI_RETRYREADS};
  for (const char *name : bools) {
    if (!mongoc_uri_has_option(uri, name)) mongoc_uri_set_option_as_bool(uri, name, true);
  }
}

// The password part of "scheme://user:password@host..." exactly as written in `url` (not
// percent-decoded), or "" when there is none. The credentials end at the last '@' before the
// first '/' or '?' after the scheme, as in redact_url().
std::string url_password_as_written(const char *url) {
  const std::string text(url);
  const size_t scheme = text.find("://");
  if (scheme == std::string::npos) return std::string();
  const size_t start = scheme + 3;
  size_t end = text.find_first_of("/?", start);
  if (end == std::string::npos) end = text.size();
  const size_t at = text.rfind('@', end);
  if (at == std::string::npos || at < start) return std::string();
  const size_t colon = text.find(':', start);
  if (colon == std::string::npos || colon >= at) return std::string();
  return text.substr(colon + 1, at - colon - 1);
}

mongoc_client_pool_t *new_pool(const mongoc_uri_t *uri) {
  bson_error_t error;
  mongoc_client_pool_t *pool = mongoc_client_pool_new_with_error(uri, &error);
  if (!pool) fail(Code::invalid_argument, std::string("cannot create a client for this URL: ") + error.message);
  mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
  if (!mongoc_uri_get_appname(uri)) mongoc_client_pool_set_appname(pool, "mongo_odm");
  return pool;
}

}  // namespace

std::shared_ptr<Client> Client::create(const char *url, const char *username, const char *password) {
  library::ensure_initialized();
  if (!url) fail(Code::invalid_argument, "url is NULL");
  if (!valid_utf8(url, std::strlen(url))) fail(Code::invalid_argument, "url is not valid UTF-8");
  if (username && !valid_utf8(username, std::strlen(username))) {
    fail(Code::invalid_argument, "username is not valid UTF-8");
  }
  if (password && !valid_utf8(password, std::strlen(password))) {
    fail(Code::invalid_argument, "password is not valid UTF-8");
  }
  // Registered first, so any message built below (even a parse error) is already redacted.
  std::unique_ptr<SecretRegistration> secret;
  if (password && *password) secret = std::make_unique<SecretRegistration>(password);
  // The password written in the URL, as written, for the duration of the parse: libmongoc
  // quotes it in some parse errors and warnings ('Password "..." must not have unescaped
  // chars'), which are not URL forms redact_url() would recognize.
  SecretRegistration url_secret(url_password_as_written(url));

  bson_error_t error;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(url, &error);
  if (!uri) fail(Code::invalid_argument, std::string("invalid MongoDB URL: ") + error.message);
  std::shared_ptr<Client> client(new Client());
  client->uri_ = uri;
  if (username && !mongoc_uri_set_username(uri, username)) fail(Code::invalid_argument, "invalid username");
  if (password && !mongoc_uri_set_password(uri, password)) fail(Code::invalid_argument, "invalid password");
  if (!secret) {
    const char *url_password = mongoc_uri_get_password(uri);
    if (url_password && *url_password) secret = std::make_unique<SecretRegistration>(url_password);
  }
  client->secret_ = std::move(secret);
  apply_defaults(uri);
  if (const char *db = mongoc_uri_get_database(uri)) client->default_db_ = db;
  client->generation_ = library::fork_generation();
  client->pool_ = new_pool(uri);
  return client;
}

Client::~Client() {
  mongoc_client_pool_t *pool = pool_.load();
  // A pool inherited through fork() belongs to the parent: leave it alone in the child.
  if (pool && generation_.load() == library::fork_generation()) mongoc_client_pool_destroy(pool);
  if (uri_) mongoc_uri_destroy(uri_);
}

void Client::reset_after_fork(unsigned generation) {
  std::lock_guard<std::mutex> lock(fork_mutex_);
  if (generation_.load() == generation) return;
  // The parent's pool (its sockets, monitor threads and locks) cannot be used or destroyed
  // safely in the child; it is abandoned and a fresh one is made from the same URI.
  pool_.store(new_pool(uri_));
  generation_.store(generation);
  log::write(log::info, "fork detected: the child process got a new connection pool");
}

Client::Lease Client::lease() {
  const unsigned generation = library::fork_generation();
  if (generation != generation_.load(std::memory_order_relaxed)) reset_after_fork(generation);
  mongoc_client_pool_t *pool = pool_.load(std::memory_order_acquire);
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  if (!client) {
    fail(Code::timeout, "no pooled connection became free within waitQueueTimeoutMS");
  }
  return Lease(this, pool, client, generation);
}

Client::Lease::Lease(Lease &&other) noexcept
    : owner_(other.owner_), pool_(other.pool_), client_(other.client_), generation_(other.generation_) {
  other.client_ = nullptr;
}

Client::Lease::~Lease() {
  if (!client_) return;
  // A connection borrowed before a fork() is not returned to the child's new pool.
  if (generation_ == library::fork_generation()) mongoc_client_pool_push(pool_, client_);
  (void)owner_;
}

void Client::ping() {
  Lease lease = this->lease();
  bson_t cmd = BSON_INITIALIZER;
  BSON_APPEND_INT32(&cmd, "ping", 1);
  bson_error_t error;
  const bool ok = mongoc_client_command_simple(lease.get(), "admin", &cmd, nullptr, nullptr, &error);
  bson_destroy(&cmd);
  if (!ok) fail_from_bson_error(error, "ping");
}

void Client::command(const char *db, const bson_t *command, bson_t *reply) {
  check_database_name(db);
  if (!command) fail(Code::invalid_argument, "command is NULL");
  Lease lease = this->lease();
  bson_t mreply;  // libmongoc initializes it, also on failure
  bson_error_t error;
  const bool ok = mongoc_client_command_simple(lease.get(), db, command, nullptr, &mreply, &error);
  if (reply) bson_concat(reply, &mreply);
  bson_destroy(&mreply);
  if (!ok) fail_from_bson_error(error, "command");
}

void Client::list_collection_names(const char *db, const bson_t *filter, bson_t *reply) {
  check_database_name(db);
  Lease lease = this->lease();
  mongoc_database_t *database = mongoc_client_get_database(lease.get(), db);
  Bson opts;
  if (filter) BSON_APPEND_DOCUMENT(opts.get(), "filter", filter);
  bson_error_t error;
  char **names = mongoc_database_get_collection_names_with_opts(database, opts.get(), &error);
  mongoc_database_destroy(database);
  if (!names) fail_from_bson_error(error, "list_collection_names");
  if (reply) {
    bson_t array;
    BSON_APPEND_ARRAY_BEGIN(reply, "names", &array);
    char key_buf[16];
    for (uint32_t i = 0; names[i]; ++i) {
      const char *key;
      bson_uint32_to_string(i, &key, key_buf, sizeof key_buf);
      bson_append_utf8(&array, key, -1, names[i], -1);
    }
    bson_append_array_end(reply, &array);
  }
  bson_strfreev(names);
}

void Client::drop_database(const char *db) {
  check_database_name(db);
  Lease lease = this->lease();
  mongoc_database_t *database = mongoc_client_get_database(lease.get(), db);
  bson_error_t error;
  const bool ok = mongoc_database_drop_with_opts(database, nullptr, &error);
  mongoc_database_destroy(database);
  if (!ok && !(error.code == 26 || std::strstr(error.message, "ns not found"))) {
    fail_from_bson_error(error, "drop_database");
  }
}

}  // namespace mongo_odm
