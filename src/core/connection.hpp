// The process-wide default connection (lightodm's MongoConnection singleton).
#pragma once

#include <memory>
#include <string>

#include "client.hpp"

namespace mongo_odm {
namespace connection {

struct State {
  std::shared_ptr<Client> client;
  std::string db;
};

// Opens (or replaces) the default connection; NULL arguments fall back to MONGO_URL,
// MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME. Pings the server.
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
}  // namespace mongo_odm
