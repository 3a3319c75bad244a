#include "cursor.hpp"

#include "library.hpp"
#include "model.hpp"

namespace mongo_odm {

Cursor::Cursor(std::shared_ptr<Client> client, Client::Lease lease, mongoc_collection_t *collection,
               mongoc_cursor_t *cursor, const Model *model)
    : client_(std::move(client)),
      lease_(std::move(lease)),
      collection_(collection),
      cursor_(cursor),
      model_(model) {}

Cursor::~Cursor() {
  // Before the lease returns the connection to the pool (member destruction runs after this).
  current_.reset();
  // In a child, mongoc_cursor_destroy() would send killCursors on the parent's socket and kill
  // the parent's server cursor: the inherited libmongoc objects are abandoned instead.
  if (inherited()) return;
  mongoc_cursor_destroy(cursor_);
  mongoc_collection_destroy(collection_);
}

bool Cursor::inherited() const { return lease_.generation() != library::fork_generation(); }

void Cursor::record_mongoc_error() {
  bson_error_t error;
  if (mongoc_cursor_error(cursor_, &error)) {
    try {
      fail_from_bson_error(error, "cursor");
    } catch (const Error &e) {
      error_ = e;
    }
  }
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
  if (mongoc_cursor_next(cursor_, doc)) return true;
  *doc = nullptr;
  record_mongoc_error();
  // Advancing an exhausted libmongoc cursor again is an error ("Cannot advance a completed or
  // failed cursor"); the end is not. A tailable cursor stays alive (more() is true) and may
  // be advanced again.
  if (!error_ && !mongoc_cursor_more(cursor_)) exhausted_ = true;
  return false;
}

bool Cursor::next_doc(const Document **doc) {
  *doc = nullptr;
  if (error_) return false;
  if (!model_) {
    error_ = Error(Code::invalid_argument, "this cursor yields raw documents: use mongo_odm_cursor_next_bson()");
    return false;
  }
  const bson_t *raw = nullptr;
  if (!next_bson(&raw)) return false;
  try {
    if (!current_) current_.emplace(model_, Document::no_id);
    current_->load(raw, /*untrusted=*/false);
  } catch (const Error &e) {
    error_ = e;
    return false;
  }
  *doc = &*current_;
  return true;
}

}  // namespace mongo_odm
