// A client: one libmongoc connection pool plus what the library knows about it.
//
// Shared (std::shared_ptr) by the C handle, by every collection and cursor made from it and
// by in-flight operations, so the pool is destroyed only after its last user is done.
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "library.hpp"
#include "redact.hpp"

namespace mongo_odm {

class Client {
 public:
  // Parses `url` with credentials overridden by username/password when they are non-NULL
  // (INVALID_ARGUMENT when it is not a MongoDB URI, or asks for MONGODB-X509 without TLS),
  // applies the library's option defaults where the URL sets none, and creates the pool.
  // No server call.
  static std::shared_ptr<Client> create(const char *url, const char *username, const char *password);
  ~Client();
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;

  // A pooled connection, returned to the pool when the lease ends. The lease lease() returns
  // is also the operation's library::OperationScope (fork() waits for it); a lease moved
  // elsewhere (into a Cursor) leaves the scope behind, to end with the calling function.
  class Lease {
   public:
    Lease(Client *owner, mongoc_client_pool_t *pool, mongoc_client_t *client, unsigned generation,
          library::OperationScope scope)
        : owner_(owner), pool_(pool), client_(client), generation_(generation), scope_(std::move(scope)) {}
    Lease(Lease &&other) noexcept;
    Lease &operator=(Lease &&) = delete;
    Lease(const Lease &) = delete;
    ~Lease();
    mongoc_client_t *get() const { return client_; }
    // The fork generation the connection was borrowed in (library::fork_generation()).
    unsigned generation() const { return generation_; }

   private:
    Client *owner_;
    mongoc_client_pool_t *pool_;
    mongoc_client_t *client_;
    unsigned generation_;
    std::optional<library::OperationScope> scope_;  // empty in a moved-to lease
  };

  // Borrows a connection; TIMEOUT when none frees up within waitQueueTimeoutMS, CONNECTION
  // without a server call when the credentials name a user but no password.
  Lease lease();

  // {ping: 1} on admin.
  void ping();
  // Runs `command` on `db`; the server's reply (also on a server error) is appended to
  // `reply` (an initialized document, or NULL).
  void command(const char *db, const bson_t *command, bson_t *reply);
  // {"names": [...]} of the collections in `db`.
  void list_collection_names(const char *db, const bson_t *filter, bson_t *reply);
  void drop_database(const char *db);

  // The database named in the URL, or nullptr.
  const char *default_database() const { return default_db_.empty() ? nullptr : default_db_.c_str(); }

 private:
  Client() = default;
  void reset_after_fork(unsigned generation);

  mongoc_uri_t *uri_ = nullptr;
  std::atomic<mongoc_client_pool_t *> pool_{nullptr};
  std::atomic<unsigned> generation_{0};
  std::mutex fork_mutex_;
  std::string default_db_;
  std::unique_ptr<SecretRegistration> secret_;
  std::unique_ptr<SecretRegistration> key_secret_;  // tlsCertificateKeyFilePassword
  bool password_missing_ = false;                   // a user without a password: never authenticates
};

}  // namespace mongo_odm
