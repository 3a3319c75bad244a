#include "client.hpp"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "bson_util.hpp"
#include "error.hpp"
#include "library.hpp"
#include "log.hpp"
#include "names.hpp"

namespace mongo_odm::core {

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

// Removes the URI option `name` (lowercase) from the query of `url` and returns its value:
// libmongoc does not know the options the library implements itself (it would warn about them).
std::optional<std::string> take_option(std::string &url, const char *name) {
  const size_t query = url.find('?');
  if (query == std::string::npos) return std::nullopt;
  size_t start = query + 1;
  while (start < url.size()) {
    size_t end = url.find_first_of("&;", start);
    if (end == std::string::npos) end = url.size();
    const std::string pair = url.substr(start, end - start);
    const size_t eq = pair.find('=');
    std::string key = pair.substr(0, eq);
    for (char &c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == name) {
      std::string value = eq == std::string::npos ? std::string() : pair.substr(eq + 1);
      // Drop the pair and one separator next to it.
      if (end < url.size()) {
        url.erase(start, end - start + 1);
      } else {
        url.erase(start - 1, end - start + 1);
      }
      return value;
    }
    start = end + 1;
  }
  return std::nullopt;
}

int64_t parse_timeout_ms(const std::string &value, const char *name) {
  char *end = nullptr;
  errno = 0;
  const long long ms = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end || errno || ms < 0) {
    fail(Code::invalid_argument, std::string("invalid MongoDB URL: ") + name + " must be a non-negative integer");
  }
  return ms;
}

#ifdef MONGO_ODM_HAVE_USLEEP_IMPL
// libmongoc's sleeps (a single-threaded client waits up to minHeartbeatFrequencyMS before a
// rescan) go through the library's interruptible wait.
void interruptible_usleep(int64_t usec, void *) {
  interrupt::sleep_until(interrupt::now_us() + usec, true);
}
#endif

}  // namespace

namespace {

void check_text(const char *text, const char *what) {
  if (text && !valid_utf8(text, std::strlen(text))) fail(Code::invalid_argument, std::string(what) + " is not valid UTF-8");
}

}  // namespace

std::shared_ptr<Client> Client::create(const char *url, const char *username, const char *password) {
  library::ensure_initialized();
  require(url, "url");
  check_text(url, "url");
  check_text(username, "username");
  check_text(password, "password");
  // Registered first, so any message built below (even a parse error) is already redacted.
  std::unique_ptr<SecretRegistration> secret;
  if (password && *password) secret = std::make_unique<SecretRegistration>(password);
  std::string full_url = with_credentials(url, username, password);
  // The password written in the URL, as written, for the duration of the parse: libmongoc
  // quotes it in some parse errors and warnings ('Password "..." must not have unescaped
  // chars'), which are not URL forms redact_url() would recognize.
  SecretRegistration url_secret(url_password_as_written(full_url.c_str()));
  std::shared_ptr<Client> client(new Client());
  if (auto timeout = take_option(full_url, "timeoutms")) client->timeout_ms_ = parse_timeout_ms(*timeout, "timeoutMS");

  bson_error_t error;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(full_url.c_str(), &error);
  if (!uri) fail(Code::invalid_argument, std::string("invalid MongoDB URL: ") + error.message);
  client->uri_ = uri;
  if (!secret) {
    const char *url_password = mongoc_uri_get_password(uri);
    if (url_password && *url_password) secret = std::make_unique<SecretRegistration>(url_password);
  }
  client->secret_ = std::move(secret);
  client->check_credentials_and_tls();
  apply_defaults(uri);
  client->read_options();
  auto pool = std::make_shared<Pool>();
  pool->generation = library::fork_generation();
  client->pool_ = std::move(pool);
  // A first libmongoc client, made and dropped at once, checks what libmongoc checks of a URI
  // when a client is made (no server call).
  mongoc_client_destroy(client->new_mongoc_client());
  return client;
}

// What libmongoc would get wrong in the URL's credentials and TLS options.
void Client::check_credentials_and_tls() {
  // The passphrase of an encrypted client key is a secret too.
  const char *key_password = mongoc_uri_get_option_as_utf8(uri_, MONGOC_URI_TLSCERTIFICATEKEYFILEPASSWORD, nullptr);
  if (key_password && *key_password) key_secret_ = std::make_unique<SecretRegistration>(key_password);
  // libmongoc 1.23 dereferences a NULL password in SCRAM (a crash, fixed upstream by
  // CDRIVER-5550) and fails an empty one with a SCRAM error: such a client never reaches the
  // server, its operations fail as an authentication failure (see lease()).
  password_missing_ = password_missing(uri_);
  // MONGODB-X509 makes libmongoc open TLS streams even when the URL does not enable TLS, with
  // no TLS options: it crashes in its monitor thread. X.509 needs TLS and a client certificate.
  const char *mechanism = mongoc_uri_get_auth_mechanism(uri_);
  if (mechanism && !std::strcmp(mechanism, "MONGODB-X509") && !mongoc_uri_get_tls(uri_)) {
    fail(Code::invalid_argument,
         "authMechanism=MONGODB-X509 needs TLS: set tls=true and tlsCertificateKeyFile in the URL");
  }
  // Without a passphrase, OpenSSL asks for the one of an encrypted key on the terminal (and
  // blocks). An empty passphrase makes loading an encrypted key fail instead, as a TLS error.
  if (mongoc_uri_get_option_as_utf8(uri_, MONGOC_URI_TLSCERTIFICATEKEYFILE, nullptr) && !key_password) {
    mongoc_uri_set_option_as_utf8(uri_, MONGOC_URI_TLSCERTIFICATEKEYFILEPASSWORD, "");
  }
}

// The options the library implements itself (the pool, server-selection retries, streams).
void Client::read_options() {
  if (const char *db = mongoc_uri_get_database(uri_)) default_db_ = db;
  server_selection_timeout_ms_ = mongoc_uri_get_option_as_int32(uri_, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 30000);
  wait_queue_timeout_ms_ = mongoc_uri_get_option_as_int32(uri_, MONGOC_URI_WAITQUEUETIMEOUTMS, 0);
  const int32_t max_pool = mongoc_uri_get_option_as_int32(uri_, MONGOC_URI_MAXPOOLSIZE, 100);
  max_pool_size_ = max_pool > 0 ? static_cast<size_t>(max_pool) : 100;
  own_transport_ = transport::configure(uri_, &transport_);
  if (!own_transport_) {
    log::write(log::warning,
               "tlsDisableOCSPEndpointCheck / tlsDisableCertificateRevocationCheck: this client uses "
               "libmongoc's own connections, whose waits cannot be interrupted");
  }
}

mongoc_client_t *Client::new_mongoc_client() {
  bson_error_t error;
  mongoc_client_t *c = mongoc_client_new_from_uri_with_error(uri_, &error);
  if (!c) fail(Code::invalid_argument, std::string("cannot create a client for this URL: ") + error.message);
  mongoc_client_set_error_api(c, MONGOC_ERROR_API_VERSION_2);
  if (!mongoc_uri_get_appname(uri_)) mongoc_client_set_appname(c, "mongo_odm");
  if (own_transport_) {
    mongoc_client_set_stream_initiator(c, transport::initiate, &transport_);
    // Setting an initiator takes the TLS handshake out of libmongoc's scan (the initiator is
    // expected to hand over a stream ready for use); the library's initiator leaves it there,
    // where it is asynchronous and reports libmongoc's own errors: set the TLS options again.
    if (transport_.tls) mongoc_client_set_ssl_opts(c, &transport_.ssl);
  }
#ifdef MONGO_ODM_HAVE_USLEEP_IMPL
  mongoc_client_set_usleep_impl(c, interruptible_usleep, nullptr);
#endif
  return c;
}

Client::~Client() {
  std::shared_ptr<Pool> pool = std::atomic_load(&pool_);
  // A pool inherited through fork() belongs to the parent: leave its connections alone.
  if (pool && pool->generation == library::fork_generation()) close_pool(*pool);
  if (uri_) mongoc_uri_destroy(uri_);
}

void Client::close_pool(Pool &pool) {
  std::vector<Conn *> idle;
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    idle.swap(pool.idle);
    pool.open -= idle.size();
  }
  // Closing a connection tells the server its sessions ended (endSessions): bounded, so that a
  // server that does not answer cannot hold the close up.
  interrupt::Operation op(kCloseTimeoutMs, kCloseTimeoutMs);
  for (Conn *conn : idle) {
    mongoc_client_destroy(conn->client);
    delete conn;
  }
}

std::shared_ptr<Client::Pool> Client::pool() {
  std::shared_ptr<Pool> current = std::atomic_load(&pool_);
  const unsigned generation = library::fork_generation();
  if (current->generation == generation) return current;
  // Inherited through fork(): the parent's connections (their sockets, and a mutex another of
  // its threads may have held) are the parent's. The child starts an empty pool; the old one is
  // abandoned, never destroyed here.
  auto fresh = std::make_shared<Pool>();
  fresh->generation = generation;
  if (std::atomic_compare_exchange_strong(&pool_, &current, fresh)) {
    new std::shared_ptr<Pool>(std::move(current));  // kept alive (leaked) on purpose
    log::write(log::info, "fork detected: the child process got a new connection pool");
    return fresh;
  }
  return current;  // another thread of the child replaced it first
}

size_t Client::open_connections() const {
  std::shared_ptr<Pool> pool = std::atomic_load(&pool_);
  std::lock_guard<std::mutex> lock(pool->mutex);
  return pool->open;
}

Client::Lease Client::lease() {
  if (password_missing_) {
    fail(Code::connection,
         "Authentication failed: a username without a password (SCRAM and PLAIN authentication need one)");
  }
  library::OperationScope scope;  // before the fork generation is read
  const unsigned generation = library::fork_generation();
  std::shared_ptr<Pool> pool = this->pool();
  const int64_t give_up =
      wait_queue_timeout_ms_ > 0 ? interrupt::now_us() + wait_queue_timeout_ms_ * 1000 : interrupt::kNever;
  Conn *conn = nullptr;
  bool create = false;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(pool->mutex);
      auto take = [&] {
        if (!pool->idle.empty()) {
          conn = pool->idle.back();
          pool->idle.pop_back();
          return true;
        }
        // pymongo's maxConnecting: a call opens a connection only while fewer than
        // kMaxConnecting are being established, else it waits for one to be given back.
        if (pool->open < max_pool_size_ && pool->connecting < kMaxConnecting) {
          ++pool->open;
          ++pool->connecting;
          create = true;
          return true;
        }
        return false;
      };
      if (take()) break;
      const int ms = interrupt::slice_ms(give_up);
      if (ms > 0) {
        ++pool->waiters;
        pool->available.wait_for(lock, std::chrono::milliseconds(ms));
        --pool->waiters;
        if (take()) break;
      }
    }
    // Checked without the pool's lock held: a token's check function may take other locks.
    if (interrupt::should_stop()) interrupt::fail_stopped("waiting for a pooled connection");
    if (interrupt::now_us() >= give_up) {
      fail(Code::timeout,
           "no pooled connection became free within waitQueueTimeoutMS (" + std::to_string(wait_queue_timeout_ms_) +
               " ms; maxPoolSize=" + std::to_string(max_pool_size_) + ")",
           kServerCodeWaitQueueTimeout);
    }
  }
  if (create) {
    try {
      conn = new Conn{new_mongoc_client(), false};
    } catch (...) {
      {
        std::lock_guard<std::mutex> lock(pool->mutex);
        --pool->open;
        --pool->connecting;
      }
      pool->available.notify_one();
      throw;
    }
  } else if (!conn->established) {
    std::lock_guard<std::mutex> lock(pool->mutex);
    ++pool->connecting;
  }
  return Lease(std::move(pool), conn, generation, std::move(scope));
}

void Client::established(Pool &pool, Conn *conn) {
  if (!conn) return;
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (conn->established) return;
    conn->established = true;
    --pool.connecting;
  }
  pool.available.notify_one();
}

void Client::fail_selection(const Error &last) {
  // A single-threaded libmongoc client tries once; the library tried until the timeout.
  std::string message = last.message();
  static const char kTryOnce[] = "No suitable servers found (`serverSelectionTryOnce` set)";
  const size_t at = message.find(kTryOnce);
  if (at != std::string::npos) {
    message.replace(at, sizeof kTryOnce - 1, "No suitable servers found: `serverSelectionTimeoutMS` expired");
  }
  throw Error(Code::connection, message, kServerCodeServerSelection);
}

void Client::Lease::established() const {
  if (conn_) Client::established(*pool_, conn_);
}

Client::Lease::Lease(std::shared_ptr<Pool> pool, Conn *conn, unsigned generation, library::OperationScope scope)
    : pool_(std::move(pool)), conn_(conn), generation_(generation), scope_(std::move(scope)) {}

Client::Lease::Lease(Lease &&other) noexcept
    : pool_(std::move(other.pool_)), conn_(other.conn_), generation_(other.generation_), discard_(other.discard_) {
  other.conn_ = nullptr;
}

mongoc_client_t *Client::Lease::get() const { return conn_->client; }

Client::Lease::~Lease() {
  if (!conn_) return;
  // A connection borrowed before a fork() is the parent's: not given to the child's pool.
  if (generation_ != library::fork_generation()) return;
  Pool &pool = *pool_;
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (!conn_->established) {
      --pool.connecting;
      conn_->established = !discard_;
    }
    if (discard_) {
      --pool.open;
    } else {
      pool.idle.push_back(conn_);
    }
  }
  pool.available.notify_one();
  if (discard_) {
    mongoc_client_destroy(conn_->client);
    delete conn_;
  }
}

void Client::ping() {
  run([&](Lease &lease) {
    bson_t cmd = BSON_INITIALIZER;
    BSON_APPEND_INT32(&cmd, "ping", 1);
    bson_error_t error;
    const bool ok = mongoc_client_command_simple(lease.get(), "admin", &cmd, nullptr, nullptr, &error);
    bson_destroy(&cmd);
    if (!ok) fail_from_bson_error(error, "ping");
  });
}

void Client::command(const char *db, const bson_t *command, bson_t *reply) {
  check_database_name(db);
  if (!command) fail(Code::invalid_argument, "command is NULL");
  run([&](Lease &lease) {
    bson_t mreply;  // libmongoc initializes it, also on failure
    bson_error_t error;
    const bool ok = mongoc_client_command_simple(lease.get(), db, command, nullptr, &mreply, &error);
    if (reply) bson_concat(reply, &mreply);
    bson_destroy(&mreply);
    if (!ok) fail_from_bson_error(error, "command");
  });
}

void Client::list_collection_names(const char *db, const bson_t *filter, bson_t *reply) {
  check_database_name(db);
  run([&](Lease &lease) {
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
  });
}

void Client::drop_database(const char *db) {
  check_database_name(db);
  run([&](Lease &lease) {
    mongoc_database_t *database = mongoc_client_get_database(lease.get(), db);
    bson_error_t error;
    const bool ok = mongoc_database_drop_with_opts(database, nullptr, &error);
    mongoc_database_destroy(database);
    if (!ok && !(error.code == 26 || std::strstr(error.message, "ns not found"))) {
      fail_from_bson_error(error, "drop_database");
    }
  });
}

}  // namespace mongo_odm::core
