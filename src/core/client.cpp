#include "client.hpp"

#include <cctype>
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

// `text` with every character but RFC 3986's unreserved ones percent-encoded (for userinfo).
std::string percent_encode(const char *text) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char *p = reinterpret_cast<const unsigned char *>(text); *p; ++p) {
    if (std::isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
      out += static_cast<char>(*p);
    } else {
      out += '%';
      out += hex[*p >> 4];
      out += hex[*p & 15];
    }
  }
  return out;
}

// `url` with its credentials replaced by `username` / `password` where those are non-NULL
// (each part of the URL's own userinfo is kept, as written, otherwise). libmongoc checks the
// credentials against authMechanism while it parses, so an override must be in the text it
// parses: setting it on the parsed URI afterwards is too late for
// "mongodb://host/?authMechanism=SCRAM-SHA-256" with a separate username and password.
// The userinfo ends at the last '@' before the first '/' or '?' after the scheme, as in
// url_password_as_written().
std::string with_credentials(const char *url, const char *username, const char *password) {
  const std::string text(url);
  if (!username && !password) return text;
  const size_t scheme = text.find("://");
  if (scheme == std::string::npos) return text;  // not a URL: libmongoc reports it
  const size_t start = scheme + 3;
  size_t end = text.find_first_of("/?", start);
  if (end == std::string::npos) end = text.size();
  size_t at = text.rfind('@', end);
  if (at != std::string::npos && at < start) at = std::string::npos;
  std::string user_part, password_part;
  bool has_password = false;
  if (at != std::string::npos) {
    const std::string userinfo = text.substr(start, at - start);
    const size_t colon = userinfo.find(':');
    user_part = userinfo.substr(0, colon);
    if (colon != std::string::npos) {
      password_part = userinfo.substr(colon + 1);
      has_password = true;
    }
  }
  if (username) user_part = percent_encode(username);
  if (password) {
    password_part = percent_encode(password);
    has_password = true;
  }
  std::string out = text.substr(0, start);
  if (!user_part.empty() || has_password) {
    out += user_part;
    if (has_password) out += ":" + password_part;
    out += "@";
  }
  out += text.substr(at == std::string::npos ? start : at + 1);
  return out;
}

// True when `uri` names a user but no password (or an empty one) for a mechanism that needs
// one: the default mechanism (SCRAM), SCRAM-SHA-1, SCRAM-SHA-256 or PLAIN.
bool password_missing(const mongoc_uri_t *uri) {
  const char *user = mongoc_uri_get_username(uri);
  const char *password = mongoc_uri_get_password(uri);
  if (!user || !*user || (password && *password)) return false;
  const char *mechanism = mongoc_uri_get_auth_mechanism(uri);
  return !mechanism || !std::strcmp(mechanism, "SCRAM-SHA-1") || !std::strcmp(mechanism, "SCRAM-SHA-256") ||
         !std::strcmp(mechanism, "PLAIN");
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
  const std::string full_url = with_credentials(url, username, password);
  // The password written in the URL, as written, for the duration of the parse: libmongoc
  // quotes it in some parse errors and warnings ('Password "..." must not have unescaped
  // chars'), which are not URL forms redact_url() would recognize.
  SecretRegistration url_secret(url_password_as_written(full_url.c_str()));

  bson_error_t error;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(full_url.c_str(), &error);
  if (!uri) fail(Code::invalid_argument, std::string("invalid MongoDB URL: ") + error.message);
  std::shared_ptr<Client> client(new Client());
  client->uri_ = uri;
  if (!secret) {
    const char *url_password = mongoc_uri_get_password(uri);
    if (url_password && *url_password) secret = std::make_unique<SecretRegistration>(url_password);
  }
  client->secret_ = std::move(secret);
  // The passphrase of an encrypted client key is a secret too.
  const char *key_password = mongoc_uri_get_option_as_utf8(uri, MONGOC_URI_TLSCERTIFICATEKEYFILEPASSWORD, nullptr);
  if (key_password && *key_password) client->key_secret_ = std::make_unique<SecretRegistration>(key_password);
  // libmongoc 1.23 dereferences a NULL password in SCRAM (a crash, fixed upstream by
  // CDRIVER-5550) and fails an empty one with a SCRAM error: such a client never reaches the
  // server, its operations fail as an authentication failure (see lease()).
  client->password_missing_ = password_missing(uri);
  // MONGODB-X509 makes libmongoc open TLS streams even when the URL does not enable TLS, with
  // no TLS options: it crashes in its monitor thread. X.509 needs TLS and a client certificate.
  const char *mechanism = mongoc_uri_get_auth_mechanism(uri);
  if (mechanism && !std::strcmp(mechanism, "MONGODB-X509") && !mongoc_uri_get_tls(uri)) {
    fail(Code::invalid_argument,
         "authMechanism=MONGODB-X509 needs TLS: set tls=true and tlsCertificateKeyFile in the URL");
  }
  // Without a passphrase, OpenSSL asks for the one of an encrypted key on the terminal (from
  // libmongoc's monitor thread, which then blocks, and so does closing the client). An empty
  // passphrase makes loading an encrypted key fail instead, as a TLS error.
  if (mongoc_uri_get_option_as_utf8(uri, MONGOC_URI_TLSCERTIFICATEKEYFILE, nullptr) && !key_password) {
    mongoc_uri_set_option_as_utf8(uri, MONGOC_URI_TLSCERTIFICATEKEYFILEPASSWORD, "");
  }
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
  if (password_missing_) {
    fail(Code::connection,
         "Authentication failed: a username without a password (SCRAM and PLAIN authentication need one)");
  }
  library::OperationScope scope;  // before the fork generation is read
  const unsigned generation = library::fork_generation();
  if (generation != generation_.load(std::memory_order_relaxed)) reset_after_fork(generation);
  mongoc_client_pool_t *pool = pool_.load(std::memory_order_acquire);
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  if (!client) {
    fail(Code::timeout, "no pooled connection became free within waitQueueTimeoutMS");
  }
  return Lease(this, pool, client, generation, std::move(scope));
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
