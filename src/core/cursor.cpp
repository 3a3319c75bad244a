#include "cursor.hpp"

#include "interrupt.hpp"
#include "library.hpp"
#include "model.hpp"

namespace mongo_odm::core {

Cursor::Cursor(std::shared_ptr<Client> client, Client::Lease lease, mongoc_collection_t *collection,
               mongoc_cursor_t *cursor, const Model *model, std::string db, std::string name, Factory make)
    : client_(std::move(client)),
      lease_(std::move(lease)),
      collection_(collection),
      cursor_(cursor),
      model_(model),
      db_(std::move(db)),
      name_(std::move(name)),
      make_(std::move(make)) {}

Cursor::~Cursor() {
  // Before the lease returns the connection to the pool (member destruction runs after this).
  current_.reset();
  release();
}

void Cursor::release() {
  if (!lease_) return;
  // In a child, mongoc_cursor_destroy() would send killCursors on the parent's socket and kill
  // the parent's server cursor: the inherited libmongoc objects are abandoned instead.
  if (!inherited()) {
    // killCursors for a cursor not read to its end: bounded, so that a server that does not
    // answer cannot hold the caller up.
    interrupt::Operation op(Client::kCloseTimeoutMs, Client::kCloseTimeoutMs);
    mongoc_cursor_destroy(cursor_);
    mongoc_collection_destroy(collection_);
  }
  cursor_ = nullptr;
  collection_ = nullptr;
  lease_.reset();
}

bool Cursor::inherited() const { return lease_ && lease_->generation() != library::fork_generation(); }

std::optional<Error> Cursor::mongoc_error() {
  bson_error_t error;
  if (!mongoc_cursor_error(cursor_, &error)) return std::nullopt;
  try {
    fail_from_bson_error(error, "cursor");
  } catch (const Error &e) {
    return e;
  }
  return std::nullopt;
}

void Cursor::restart() {
  mongoc_cursor_destroy(cursor_);
  mongoc_collection_destroy(collection_);
  cursor_ = nullptr;
  collection_ = nullptr;
  lease_->discard();
  lease_.reset();
  lease_.emplace(client_->lease());
  collection_ = mongoc_client_get_collection(lease_->get(), db_.c_str(), name_.c_str());
  cursor_ = make_(collection_);
}

bool Cursor::next_bson(const bson_t **doc) {
  *doc = nullptr;
  if (error_ || exhausted_) return false;
  if (inherited()) {
    error_ = Error(Code::connection,
                   "cursor: this cursor was opened before fork() and its connection belongs to the parent "
                   "process; open a new cursor in the child");
    return false;
  }
  library::OperationScope scope;  // the first next() sends the query; later ones getMore
  interrupt::Operation op(client_->timeout_ms(), client_->server_selection_timeout_ms());
  std::optional<Client::SelectionRetry> retry;
  for (;;) {
    if (mongoc_cursor_next(cursor_, doc)) {
      if (!started_) {
        started_ = true;
        lease_->established();
      }
      return true;
    }
    *doc = nullptr;
    std::optional<Error> failure = mongoc_error();
    if (!failure) {
      // Advancing an exhausted libmongoc cursor again is an error ("Cannot advance a completed
      // or failed cursor"); the end is not. A tailable cursor stays alive (more() is true) and
      // may be advanced again.
      started_ = true;
      if (!mongoc_cursor_more(cursor_)) {
        exhausted_ = true;
        release();
      }
      return false;
    }
    if (started_ || failure->cause() != Cause::server_selection || op.reason() != interrupt::Reason::none) {
      // A stopped next() drops its connection (cancel.h): its reply may still be on its way.
      if (op.reason() != interrupt::Reason::none) lease_->discard();
      error_ = std::move(failure);
      release();
      return false;
    }
    try {
      if (!retry) retry.emplace(*client_, op);
      retry->failed(*failure);  // pauses, or throws the final error
      restart();
    } catch (const Error &e) {
      error_ = e;
      release();
      return false;
    }
  }
}

bool Cursor::next_doc(const Document **doc) {
  *doc = nullptr;
  for (;;) {
    const bson_t *raw = nullptr;
    std::optional<Error> invalid;
    if (!next_doc_or_raw(doc, &raw, &invalid)) return false;
    if (*doc) return true;
    if (!skip_invalid_) {
      error_ = std::move(invalid);
      return false;
    }
    ++skipped_;
  }
}

bool Cursor::next_doc_or_raw(const Document **doc, const bson_t **raw, std::optional<Error> *invalid) {
  *doc = nullptr;
  *raw = nullptr;
  invalid->reset();
  if (error_) return false;
  if (!model_) {
    error_ = Error(Code::invalid_argument, "this cursor yields raw documents: use mongo_odm_cursor_next_bson()");
    return false;
  }
  const bson_t *next = nullptr;
  if (!next_bson(&next)) return false;
  try {
    if (!current_) current_.emplace(model_, Document::no_id);
    current_->load(next, /*untrusted=*/false);
  } catch (const Error &e) {
    if (e.code() != Code::validation) {
      error_ = e;
      return false;
    }
    current_.reset();  // half loaded: never handed out
    *raw = next;
    *invalid = e;
    return true;
  }
  *doc = &*current_;
  return true;
}

}  // namespace mongo_odm::core
