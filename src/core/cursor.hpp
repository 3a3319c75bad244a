// A query cursor: owns its pooled connection, its libmongoc cursor and, for model cursors,
// the one document it hands out at a time. The connection goes back to the pool as soon as the
// cursor is exhausted (or failed), not only when it is destroyed.
//
// The first batch is requested by the first next(). If that finds no server (nothing was sent),
// the query is made anew by the cursor's factory on a fresh connection, with Client::run()'s
// retry policy, until serverSelectionTimeoutMS.
//
// A cursor opened before fork() is the parent's: its libmongoc cursor reads from the parent's
// socket (shared with the child by fork). In the child it fails with CONNECTION instead of
// reading, and destroying it there leaves the parent's cursor alone (no killCursors is sent
// on the parent's socket; the little memory it holds is abandoned, like the parent's pool).
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "client.hpp"
#include "document.hpp"
#include "error.hpp"

namespace mongo_odm::core {

class Model;

class Cursor {
 public:
  // Makes the libmongoc cursor of the query on a libmongoc collection.
  using Factory = std::function<mongoc_cursor_t *(mongoc_collection_t *)>;

  // Takes ownership of `collection` and `cursor`, which were made from `lease` (the collection
  // `db`.`name`) by `make`.
  Cursor(std::shared_ptr<Client> client, Client::Lease lease, mongoc_collection_t *collection,
         mongoc_cursor_t *cursor, const Model *model, std::string db, std::string name, Factory make);
  ~Cursor();
  Cursor(const Cursor &) = delete;
  Cursor &operator=(const Cursor &) = delete;

  // Raw next; false at the end or on an error (see error()).
  bool next_bson(const bson_t **doc);
  // Model next: loads the document into the cursor's own Document. A document that does not
  // fit the model stops the cursor (VALIDATION), unless skip_invalid is on: then it is passed
  // over and counted in skipped().
  bool next_doc(const Document **doc);
  // Model next that never stops on a document that does not fit: either `*doc` (it fits) or
  // `*raw` (borrowed until the next call) with the VALIDATION error in `*invalid`.
  bool next_doc_or_raw(const Document **doc, const bson_t **raw, std::optional<Error> *invalid);
  void set_skip_invalid(bool on) { skip_invalid_ = on; }
  int64_t skipped() const { return skipped_; }

  const std::optional<Error> &error() const { return error_; }
  const Model *model() const { return model_; }
  // The server's cursor id (0 before the first batch, once exhausted or released).
  int64_t id() const { return cursor_ ? mongoc_cursor_get_id(cursor_) : 0; }

 private:
  // The libmongoc cursor's error as the library's Error, or nothing.
  std::optional<Error> mongoc_error();
  // Gives the connection back (after the end, or a failure).
  void release();
  // The first batch found no server: the query again, on a fresh connection.
  void restart();
  // True in a child process for a cursor its parent opened before fork().
  bool inherited() const;

  std::shared_ptr<Client> client_;
  std::optional<Client::Lease> lease_;  // empty once released
  mongoc_collection_t *collection_ = nullptr;
  mongoc_cursor_t *cursor_ = nullptr;
  const Model *model_;
  std::string db_, name_;
  Factory make_;
  bool started_ = false;  // the first batch arrived
  std::optional<Error> error_;
  bool exhausted_ = false;  // the end was reached: next calls return false without an error
  std::optional<Document> current_;
  bool skip_invalid_ = false;
  int64_t skipped_ = 0;
};

}  // namespace mongo_odm::core
