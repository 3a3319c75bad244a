// Bulk writes (mongo_odm/bulk.h): operations queued on the client, then sent with libmongoc's
// bulk operation in batches of at most kMaxBatch, their results summed.
//
// The rules, written once here:
//  - every operation is checked and copied when it is queued (a bad one is refused then, and
//    nothing is queued for it);
//  - execute() takes the whole queue (the writer is empty afterwards, whatever happens) and
//    sends it in batches of kMaxBatch operations, each batch one libmongoc bulk operation run
//    through Client::run(); ordered: the first failing operation stops everything after it,
//    unordered: every operation is attempted, every batch sent;
//  - the reply is libmongoc's (and pymongo's raw BulkWriteResult): nInserted, nMatched,
//    nModified, nRemoved, nUpserted, upserted [{index, _id}], writeErrors [{index, code,
//    errmsg}], writeConcernErrors, summed over the batches, every index the operation's
//    position in the whole queue;
//  - a write error throws (after the reply is filled): DUPLICATE_KEY when the first failed
//    operation's code is a duplicate key, SERVER otherwise, server_code that code, the message
//    naming its index. An error that is not a write error (connection lost, timeout) throws it
//    with the reply summing the batches that completed.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "collection.hpp"

namespace mongo_odm::core {

class Document;
class Model;

class Bulk {
 public:
  static constexpr size_t kMaxBatch = 1000;

  // `model` (may be null; borrowed for the call): the model of mongo_odm_bulk_new. When it
  // checks updates (its switch, read now), the writer keeps a copy of its declared fields and
  // update() applies the update check (update_check.hpp) with it; the model itself need not
  // outlive the writer for that (0.1 programs may destroy it after mongo_odm_bulk_new).
  Bulk(Collection coll, bool ordered, const Model *model = nullptr);
  ~Bulk();
  Bulk(const Bulk &) = delete;
  Bulk &operator=(const Bulk &) = delete;

  const Collection &collection() const { return coll_; }
  bool ordered() const { return ordered_; }
  size_t size() const { return ops_.size(); }

  // ENCODING for a document the server cannot store (check_storable); libmongoc gives a
  // document without "_id" an ObjectId.
  void insert(const bson_t *document);
  void replace_one(const bson_t *filter, const bson_t *replacement, bool upsert);
  // INVALID_ARGUMENT when `update` is neither an operator document nor a pipeline; VALIDATION
  // when the writer keeps a model's declarations and `update` would not fit them.
  void update(const bson_t *filter, const bson_t *update, bool upsert, bool many);
  void remove(const bson_t *filter, bool many);
  // A model document: its to_bson(false) inserted, or upserted whole by _id (lightodm's save,
  // without revisions or changed-field tracking). MISSING_ID / VALIDATION as for save.
  void insert_document(const Document &doc);
  void save_document(const Document &doc, bool exclude_none);

  // Sends the queue (see above); `reply` (initialized) receives the summed result.
  void execute(bson_t *reply);

 private:
  struct Op;
  Collection coll_;
  bool ordered_;
  std::unique_ptr<Model> checked_;  // the declared fields updates are checked against, or null
  std::vector<std::unique_ptr<Op>> ops_;
};

}  // namespace mongo_odm::core
