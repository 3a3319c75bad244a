// Raw collection operations over a pooled client: the one implementation of every database
// operation the C API and the bindings expose.
#pragma once

#include <bson/bson.h>
#include <mongoc/mongoc.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "client.hpp"
#include "cursor.hpp"

namespace mongo_odm::core {

class Model;

class Collection {
 public:
  // Validates both names (INVALID_ARGUMENT).
  Collection(std::shared_ptr<Client> client, std::string db, std::string name);
  // For names validated already (a model's name, the default connection's database): the
  // per-operation path of model CRUD.
  struct Prevalidated {};
  Collection(std::shared_ptr<Client> client, std::string db, std::string name, Prevalidated)
      : client_(std::move(client)), db_(std::move(db)), name_(std::move(name)) {}

  const std::shared_ptr<Client> &client() const { return client_; }
  const std::string &db() const { return db_; }
  const std::string &name() const { return name_; }

  // Output parameters (`out`, `reply`) are initialized, possibly empty documents supplied by
  // the caller; the functions append to them. Errors are thrown as mongo_odm::Error.

  // True when a document was copied into `out`.
  bool find_one(const bson_t *filter, const bson_t *opts, bson_t *out) const;
  // `model` (may be NULL) makes a model cursor.
  std::unique_ptr<Cursor> find(const bson_t *filter, const bson_t *opts, const Model *model) const;
  void insert_one(const bson_t *document, const bson_t *opts, bson_t *reply) const;
  // `checked`: the caller already ran check_storable() on every document.
  void insert_many(const bson_t *const *documents, size_t n, const bson_t *opts, bson_t *reply,
                   bool checked = false) const;
  void replace_one(const bson_t *filter, const bson_t *replacement, const bson_t *opts, bson_t *reply,
                   bool checked = false) const;
  // replace_one() of a replacement `write_replacement` appends (unchecked) to the document it is
  // given, inside the command that is sent (replace_command.hpp): save() writes a document's
  // fields there without another copy.
  void replace_with(const bson_t *filter, const std::function<void(bson_t *)> &write_replacement, const bson_t *opts,
                    bson_t *reply) const;
  void update(const bson_t *filter, const bson_t *update, const bson_t *opts, bson_t *reply, bool many) const;
  void remove(const bson_t *filter, const bson_t *opts, bson_t *reply, bool many) const;
  int64_t count(const bson_t *filter, const bson_t *opts) const;
  std::unique_ptr<Cursor> aggregate(const bson_t *pipeline, const bson_t *opts) const;
  void drop() const;
  void create_index(const bson_t *keys, const bson_t *opts, bson_t *reply) const;

  // ---- pymongo's remaining Collection methods (mongo_odm/collection_extra.h; collection_extra.cpp)
  enum class Modify { update, replace, remove };
  // findAndModify: true when a document was copied into `out`.
  bool find_one_and_modify(Modify kind, const bson_t *filter, const bson_t *change, const bson_t *opts,
                           bson_t *out) const;
  void distinct(const char *key, const bson_t *filter, const bson_t *opts, bson_t *reply) const;
  int64_t estimated_count(const bson_t *opts) const;
  void create_indexes(const bson_t *const *indexes, size_t n, const bson_t *opts, bson_t *reply) const;
  void drop_index(const char *index_name, const bson_t *opts) const;
  void rename(const char *new_name, bool drop_target, const bson_t *opts) const;

 private:
  // A cursor that `make` creates on a leased connection (and again on a fresh one if its
  // first batch finds no server).
  std::unique_ptr<Cursor> open_cursor(const char *what, const Model *model,
                                      std::function<mongoc_cursor_t *(mongoc_collection_t *)> make) const;

  std::shared_ptr<Client> client_;
  std::string db_;
  std::string name_;
};

// pymongo's default index name: "a_1_b_-1".
std::string default_index_name(const bson_t *keys);

}  // namespace mongo_odm::core
