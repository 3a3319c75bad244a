// mongo_odm/connection.h
#include <pthread.h>

#include <mutex>
#include <vector>

#include "../core/bson_util.hpp"
#include "../core/connection.hpp"
#include "../core/library.hpp"
#include "capi.hpp"

using mongo_odm::capi::guard;

namespace {

// The handle lent out by mongo_odm_default_client(). When the default connection changes, the
// old handle is retired (its client reference dropped, so the old pool can close) but kept
// allocated until mongo_odm_cleanup(): a stale borrowed pointer then fails cleanly.
std::mutex g_handle_mutex;
mongo_odm_client_t *g_handle = nullptr;
std::vector<mongo_odm_client_t *> &retired() {
  static auto *v = new std::vector<mongo_odm_client_t *>();
  return *v;
}

// Returns the retired handle's client reference: the caller drops it after unlocking, so that
// closing a pool (network I/O, other locks) never happens under g_handle_mutex.
std::shared_ptr<mongo_odm::core::Client> retire_locked() {
  if (!g_handle) return nullptr;
  auto impl = std::atomic_exchange(&g_handle->impl, std::shared_ptr<mongo_odm::core::Client>());
  retired().push_back(g_handle);
  g_handle = nullptr;
  return impl;
}

// g_handle_mutex is held across fork() like the core's mutexes (see library.hpp): a child
// forked while another thread was in mongo_odm_default_client() would find it locked forever.
void lock_handle_for_fork() { g_handle_mutex.lock(); }
void unlock_handle_after_fork() { g_handle_mutex.unlock(); }

void hold_handle_mutex_across_fork() {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(lock_handle_for_fork, unlock_handle_after_fork, unlock_handle_after_fork); });
}

}  // namespace

namespace mongo_odm {
namespace capi {

// Frees every default-client handle; called once the library has shut down (library.cpp).
void free_default_client_handles() {
  std::lock_guard<std::mutex> lock(g_handle_mutex);
  (void)retire_locked();
  for (mongo_odm_client_t *h : retired()) delete h;
  retired().clear();
}

}  // namespace capi
}  // namespace mongo_odm

extern "C" {

bool mongo_odm_connect(const char *url, const char *username, const char *password, const char *db_name,
                       mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    mongo_odm::core::library::ensure_initialized();
    hold_handle_mutex_across_fork();
    std::shared_ptr<mongo_odm::core::Client> old;
    {
      std::lock_guard<std::mutex> lock(g_handle_mutex);
      old = retire_locked();
    }
    old.reset();
    mongo_odm::core::connection::connect(url, username, password, db_name);
    return true;
  });
}

bool mongo_odm_connection_settings(const char *url, const char *username, const char *password, const char *db_name,
                                   bson_t *out, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(out);
  return guard(error, false, [&] {
    const auto settings = mongo_odm::core::connection::resolve(url, username, password, db_name);
    if (out) {
      BSON_APPEND_UTF8(out, "url", settings.url.c_str());
      if (settings.username) BSON_APPEND_UTF8(out, "username", settings.username->c_str());
      if (settings.password) BSON_APPEND_UTF8(out, "password", settings.password->c_str());
      if (!settings.db_name.empty()) BSON_APPEND_UTF8(out, "db_name", settings.db_name.c_str());
    }
    return true;
  });
}

bool mongo_odm_is_connected(void) {
  return mongo_odm::capi::quiet(false, [] { return mongo_odm::core::connection::is_connected(); });
}

void mongo_odm_disconnect(void) {
  mongo_odm::capi::quiet(0, [] {
    std::shared_ptr<mongo_odm::core::Client> old;
    {
      std::lock_guard<std::mutex> lock(g_handle_mutex);
      old = retire_locked();
    }
    old.reset();
    mongo_odm::core::connection::disconnect();
    return 0;
  });
}

mongo_odm_client_t *mongo_odm_default_client(mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_client_t *>(nullptr), [&] {
    auto state = mongo_odm::core::connection::current_or_connect();
    hold_handle_mutex_across_fork();  // after current_or_connect() initialized the library
    std::shared_ptr<mongo_odm::core::Client> old;
    std::lock_guard<std::mutex> lock(g_handle_mutex);
    if (g_handle && std::atomic_load(&g_handle->impl) == state->client) return g_handle;
    old = retire_locked();
    g_handle = new mongo_odm_client_t{state->client, true};
    return g_handle;
  });
}

const char *mongo_odm_default_database_name(void) {
  return mongo_odm::capi::quiet(static_cast<const char *>(nullptr), []() -> const char * {
    // Borrowed from the connection state, which lives until the connection changes.
    auto state = mongo_odm::core::connection::current();
    return state ? state->db.c_str() : nullptr;
  });
}

}  // extern "C"
