// A query cursor: owns its pooled connection, its libmongoc cursor and, for model cursors,
// the one document it hands out at a time.
//
// A cursor opened before fork() is the parent's: its libmongoc cursor reads from the parent's
// socket (shared with the child by fork). In the child it fails with CONNECTION instead of
// reading, and destroying it there leaves the parent's cursor alone (no killCursors is sent
// on the parent's socket; the little memory it holds is abandoned, like the parent's pool).
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <memory>
#include <optional>

#include "client.hpp"
#include "document.hpp"
#include "error.hpp"

namespace mongo_odm {

class Model;

class Cursor {
 public:
  // Takes ownership of `collection` and `cursor`, which were made from `lease`.
  Cursor(std::shared_ptr<Client> client, Client::Lease lease, mongoc_collection_t *collection,
         mongoc_cursor_t *cursor, const Model *model);
  ~Cursor();
  Cursor(const Cursor &) = delete;
  Cursor &operator=(const Cursor &) = delete;

  // Raw next; false at the end or on an error (see error()).
  bool next_bson(const bson_t **doc);
  // Model next: loads the document into the cursor's own Document.
  bool next_doc(const Document **doc);

  const std::optional<Error> &error() const { return error_; }
  const Model *model() const { return model_; }

 private:
  void record_mongoc_error();
  // True in a child process for a cursor its parent opened before fork().
  bool inherited() const;

  std::shared_ptr<Client> client_;
  Client::Lease lease_;
  mongoc_collection_t *collection_;
  mongoc_cursor_t *cursor_;
  const Model *model_;
  std::optional<Error> error_;
  bool exhausted_ = false;  // the end was reached: next calls return false without an error
  std::optional<Document> current_;
};

}  // namespace mongo_odm
