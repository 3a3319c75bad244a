// The process-wide default connection (lightodm's MongoConnection singleton).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "client.hpp"

namespace mongo_odm::core {
namespace connection {

struct State {
  std::shared_ptr<Client> client;
  std::string db;
};

// The parameters a connect() with these arguments uses: each NULL argument replaced by its
// environment variable (MONGO_URL, MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME; empty ones count
// as unset). The one place of that rule and of the missing-URL message (CONFIGURATION).
// db_name stays empty when neither gives one (connect() then takes the URL's).
struct Settings {
  std::string url;
  std::optional<std::string> username, password;
  std::string db_name;
};
Settings resolve(const char *url, const char *username, const char *password, const char *db_name);

// Opens (or replaces) the default connection with resolve()'s parameters, and pings the server.
void connect(const char *url, const char *username, const char *password, const char *db_name);
bool is_connected();
void disconnect();

// The current connection, or nullptr.
std::shared_ptr<const State> current();
// The current connection, opened from the environment when there is none.
std::shared_ptr<const State> current_or_connect();

// Hold the state mutex across fork() (library.cpp's pthread_atfork handlers).
void lock_for_fork();
void unlock_after_fork();

}  // namespace connection
}  // namespace mongo_odm::core
