#include "connection.hpp"

#include <cstdlib>
#include <mutex>

#include "error.hpp"
#include "library.hpp"
#include "names.hpp"

namespace mongo_odm::core {
namespace connection {

namespace {

// g_connect_mutex serializes whole connects (which wait for a ping); g_state_mutex only guards
// the pointer swap, so readers never wait for a slow connect of another thread.
std::mutex g_connect_mutex;
std::mutex g_state_mutex;
// Never destroyed: a connection still open at exit is not torn down by static destructors,
// which may run after libmongoc's own cleanup. mongo_odm_cleanup()/disconnect() close it.
std::shared_ptr<const State> &g_state = *new std::shared_ptr<const State>();

void publish(std::shared_ptr<const State> next) {
  std::shared_ptr<const State> old;
  {
    std::lock_guard<std::mutex> lock(g_state_mutex);
    old = std::move(g_state);
    g_state = std::move(next);
  }
  // `old` is released here, outside the lock: its pool closes once in-flight users finish.
}

const char *env_or(const char *value, const char *name) {
  if (value) return value;
  const char *env = std::getenv(name);
  return (env && *env) ? env : nullptr;
}

void connect_locked(const char *url, const char *username, const char *password, const char *db_name) {
  Settings settings;
  std::shared_ptr<Client> client;
  try {
    settings = resolve(url, username, password, db_name);
    client = Client::create(settings.url.c_str(), settings.username ? settings.username->c_str() : nullptr,
                            settings.password ? settings.password->c_str() : nullptr);
  } catch (const Error &) {
    publish(nullptr);
    throw;
  }
  // Without a database name in the arguments or the environment: the URL's default database.
  if (settings.db_name.empty() && client->default_database()) settings.db_name = client->default_database();
  try {
    if (settings.db_name.empty()) {
      fail(Code::configuration,
           "MongoDB connection parameters are not set: no database name (pass db_name, set MONGO_DB_NAME "
           "or name a default database in the URL)");
    }
    try {
      check_database_name(settings.db_name.c_str());
    } catch (const Error &e) {
      throw Error(Code::configuration, "invalid database name: " + e.message());
    }
  } catch (const Error &) {
    publish(nullptr);
    throw;
  }
  try {
    client->ping();
  } catch (const Error &e) {
    publish(nullptr);
    throw Error(Code::connection, "Failed to initialize MongoDB connection: " + e.message(), e.server_code());
  }
  auto state = std::make_shared<State>();
  state->client = std::move(client);
  state->db = std::move(settings.db_name);
  publish(std::move(state));
}

}  // namespace

Settings resolve(const char *url, const char *username, const char *password, const char *db_name) {
  url = env_or(url, "MONGO_URL");
  username = env_or(username, "MONGO_USER");
  password = env_or(password, "MONGO_PASSWORD");
  db_name = env_or(db_name, "MONGO_DB_NAME");
  if (!url) {
    fail(Code::configuration,
         "MongoDB connection parameters are not set. Please pass a URL or set MONGO_URL "
         "(MONGO_USER and MONGO_PASSWORD when the server requires authentication).");
  }
  Settings settings;
  settings.url = url;
  if (username) settings.username = username;
  if (password) settings.password = password;
  if (db_name) settings.db_name = db_name;
  return settings;
}

void connect(const char *url, const char *username, const char *password, const char *db_name) {
  library::ensure_initialized();
  std::lock_guard<std::mutex> lock(g_connect_mutex);
  connect_locked(url, username, password, db_name);
}

bool is_connected() { return current() != nullptr; }

void disconnect() {
  std::lock_guard<std::mutex> lock(g_connect_mutex);
  publish(nullptr);
}

std::shared_ptr<const State> current() {
  std::lock_guard<std::mutex> lock(g_state_mutex);
  return g_state;
}

void lock_for_fork() { g_state_mutex.lock(); }
void unlock_after_fork() { g_state_mutex.unlock(); }

std::shared_ptr<const State> current_or_connect() {
  if (auto state = current()) return state;
  library::ensure_initialized();
  std::lock_guard<std::mutex> lock(g_connect_mutex);
  if (auto state = current()) return state;  // another thread connected meanwhile
  connect_locked(nullptr, nullptr, nullptr, nullptr);
  return current();
}

}  // namespace connection
}  // namespace mongo_odm::core
