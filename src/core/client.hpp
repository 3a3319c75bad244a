// A client: the library's own pool of single-threaded libmongoc clients (one connection each)
// plus what the library knows about the deployment's URL.
//
// Why not mongoc_client_pool_t: its operations wait inside libmongoc (on a condition variable
// for server selection, in poll() on its own sockets) for as long as their timeouts allow, and
// libmongoc 2.x refuses a stream initiator of one's own on pooled clients. Single-threaded
// clients accept one in every version, so each of them talks through src/core/transport.cpp's
// interruptible stream, scans the deployment itself (no monitor threads), and this pool bounds
// them like libmongoc's pool would (maxPoolSize, waitQueueTimeoutMS) plus pymongo's
// maxConnecting: at most kMaxConnecting connections are being established at a time, and a call
// rather waits for a connection another call gives back than opens one more. Each new
// connection pays the handshake and the SCRAM key derivation; libmongoc 1.23 caches the derived
// keys per libmongoc client only, and derives them with one OpenSSL HMAC() call per iteration.
//
// Shared (std::shared_ptr) by the C handle, by every collection and cursor made from it and by
// in-flight operations, so the pool is destroyed only after its last user is done.
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "error.hpp"
#include "interrupt.hpp"
#include "library.hpp"
#include "log.hpp"
#include "redact.hpp"
#include "transport.hpp"

namespace mongo_odm::core {

class Client {
 public:
  // Connections being established at a time (pymongo's maxConnecting default).
  static constexpr size_t kMaxConnecting = 2;
  // How long closing a pool may talk to the server (endSessions of each connection).
  static constexpr int64_t kCloseTimeoutMs = 2000;

  // Parses `url` with credentials overridden by username/password when they are non-NULL
  // (INVALID_ARGUMENT when it is not a MongoDB URI, or asks for MONGODB-X509 without TLS),
  // applies the library's option defaults where the URL sets none, and reads the options the
  // library implements itself (timeoutMS). No server call.
  static std::shared_ptr<Client> create(const char *url, const char *username, const char *password);
  ~Client();
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;

  struct Pool;
  struct Conn;

  // A pooled connection for one call, given back when the lease ends. It is also the call's
  // library::OperationScope (fork() waits for it); a lease moved into a Cursor leaves the scope
  // behind, to end with the calling function.
  class Lease {
   public:
    Lease(Lease &&other) noexcept;
    Lease &operator=(Lease &&) = delete;
    Lease(const Lease &) = delete;
    ~Lease();
    mongoc_client_t *get() const;
    // The fork generation the connection was borrowed in (library::fork_generation()).
    unsigned generation() const { return generation_; }
    // The connection is not given back but closed (it found no server: its libmongoc client
    // would skip the server for cooldownMS, 5 s, in its next scans).
    void discard() { discard_ = true; }
    // The connection finished a call: it no longer counts as being established.
    void established() const;

    // Marks the lease's connection established when the scope ends (unless cancelled); holds
    // what it needs, so that the lease itself may be moved meanwhile.
    class Established {
     public:
      explicit Established(const Lease &lease) : pool_(lease.pool_), conn_(lease.conn_) {}
      ~Established() {
        if (conn_) Client::established(*pool_, conn_);
      }
      void cancel() { conn_ = nullptr; }

     private:
      std::shared_ptr<Pool> pool_;
      Conn *conn_;
    };

   private:
    friend class Client;
    Lease(std::shared_ptr<Pool> pool, Conn *conn, unsigned generation, library::OperationScope scope);
    std::shared_ptr<Pool> pool_;
    Conn *conn_;
    unsigned generation_;
    bool discard_ = false;
    std::optional<library::OperationScope> scope_;  // empty in a moved-to lease
  };

  // Runs one call: body(Lease &) on a pooled connection, inside an interrupt::Operation bound
  // by this client's timeoutMS. A call that finds no server (server selection failed: nothing
  // was sent) is tried again on a fresh connection, pausing between attempts, until
  // serverSelectionTimeoutMS has passed since the first one; the last failure is then thrown,
  // as the pooled libmongoc client reported it ("No suitable servers found:
  // `serverSelectionTimeoutMS` expired: [...]").
  template <typename F>
  auto run(F &&body) -> decltype(body(std::declval<Lease &>()));

  class SelectionRetry;

  // A pooled connection, waiting (interruptibly) for one to be free; TIMEOUT after
  // waitQueueTimeoutMS, CONNECTION without a server call when the credentials name a user but
  // no password. Calls use run(); a cursor leases again when its first batch is retried.
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
  // timeoutMS of the URL (0: none).
  int64_t timeout_ms() const { return timeout_ms_; }
  int64_t server_selection_timeout_ms() const { return server_selection_timeout_ms_; }

  // Connections open now (idle or leased), for tests and diagnostics.
  size_t open_connections() const;

 private:
  Client() = default;
  void check_credentials_and_tls();
  void read_options();
  std::shared_ptr<Pool> pool();
  // `conn` finished a call: it no longer counts as connecting.
  static void established(Pool &pool, Conn *conn);
  mongoc_client_t *new_mongoc_client();
  void close_pool(Pool &pool);
  [[noreturn]] static void fail_selection(const Error &last);

  mongoc_uri_t *uri_ = nullptr;
  transport::Config transport_;
  bool own_transport_ = false;  // false: libmongoc's streams (see transport::configure)
  std::shared_ptr<Pool> pool_;  // replaced in a forked child (std::atomic_load/store)
  std::string default_db_;
  int64_t timeout_ms_ = 0;
  int64_t server_selection_timeout_ms_ = 30000;
  int64_t wait_queue_timeout_ms_ = 0;
  int64_t min_heartbeat_ms_ = 500;
  size_t max_pool_size_ = 100;
  std::unique_ptr<SecretRegistration> secret_;
  std::unique_ptr<SecretRegistration> key_secret_;  // tlsCertificateKeyFilePassword
  bool password_missing_ = false;                   // a user without a password: never authenticates
};

// One libmongoc client of the pool, and whether it has ever finished a call (until then it
// counts as connecting).
struct Client::Conn {
  mongoc_client_t *client;
  bool established;
};

// The pool's state, replaced as a whole in a forked child (whose copy may hold a mutex some
// other thread of the parent had locked).
struct Client::Pool {
  std::mutex mutex;
  std::condition_variable available;
  std::vector<Conn *> idle;
  size_t open = 0;        // connections in existence: idle + leased
  size_t connecting = 0;  // opened, never finished a call
  size_t waiters = 0;
  unsigned generation = 0;
};

// The server-selection retry policy of one call (run(), a cursor's first batch): an attempt
// that found no server sent nothing; after a pause (libmongoc scans at most once per
// minHeartbeatFrequencyMS) the call is tried again on a fresh connection, until
// serverSelectionTimeoutMS has passed since the call got its first connection.
class Client::SelectionRetry {
 public:
  SelectionRetry(const Client &client, interrupt::Operation &op) : client_(client), op_(op) {}
  // Called with an attempt's server-selection failure (its lease already discarded): returns
  // after the pause when another attempt is due, throws the call's final error otherwise.
  void failed(const Error &e) {
    if (log::enabled(log::debug)) log::write(log::debug, "no server found, will retry: " + e.message());
    // The first retry is at once, on a fresh connection: the failure may have been a libmongoc
    // client's cooldown rather than a scan.
    if (retries_++ == 0 && interrupt::now_us() < op_.selection_deadline_us()) return;
    if (interrupt::now_us() < op_.selection_deadline_us()) {
      const int64_t next = interrupt::now_us() + client_.min_heartbeat_ms_ * 1000;
      if (interrupt::sleep_until(std::min(next, op_.selection_deadline_us()), true)) return;
      if (op_.reason() != interrupt::Reason::selection_deadline) interrupt::fail_stopped("server selection");
    }
    fail_selection(e);
  }

 private:
  const Client &client_;
  interrupt::Operation &op_;
  int retries_ = 0;
};

template <typename F>
auto Client::run(F &&body) -> decltype(body(std::declval<Lease &>())) {
  interrupt::Operation op(timeout_ms_, server_selection_timeout_ms_);
  SelectionRetry retry(*this, op);
  for (bool first = true;; first = false) {
    std::optional<Error> failure;
    {
      Lease lease = this->lease();
      if (first) op.start_selection_clock();  // the wait for a pooled connection is not selection
      Lease::Established established(lease);  // the body may move the lease into a cursor
      try {
        return body(lease);
      } catch (const Error &e) {
        if (op.reason() != interrupt::Reason::none) {
          // Stopped: the connection (and its libmongoc client, whose scan the stop failed) is
          // dropped, so that the next call starts clean.
          established.cancel();
          lease.discard();
          throw;
        }
        if (e.cause() != Cause::server_selection) throw;
        established.cancel();
        lease.discard();
        failure = e;
      }
    }  // the connection that found no server is closed before the pause
    retry.failed(*failure);
  }
}

}  // namespace mongo_odm::core
