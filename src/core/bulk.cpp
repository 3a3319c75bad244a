#include "bulk.hpp"

#include <mongoc/mongoc.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "bson_util.hpp"
#include "client.hpp"
#include "document.hpp"
#include "error.hpp"
#include "model.hpp"
#include "update_check.hpp"

namespace mongo_odm::core {

namespace {

using BsonPtr = std::unique_ptr<bson_t, void (*)(bson_t *)>;

BsonPtr copy_of(const bson_t *doc) { return BsonPtr(doc ? bson_copy(doc) : nullptr, bson_destroy); }

// Operators ({"$set": ...}) or a pipeline ({"0": {...}, ...}), as Collection::update checks.
void check_update_shape(const bson_t *update, const char *op) {
  bson_iter_t it;
  if (!bson_iter_init(&it, update) || !bson_iter_next(&it)) {
    fail(Code::invalid_argument, std::string(op) + ": update document is empty");
  }
  const char *first = bson_iter_key(&it);
  if (first[0] != '$' && std::strcmp(first, "0") != 0) {
    fail(Code::invalid_argument, std::string(op) + ": update only works with $ operators and pipelines (key '" + first +
                                     "'); use replace_one to replace a document");
  }
}

bool non_empty_array(const bson_t *doc, const char *field) {
  bson_iter_t it, item;
  return bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &item) &&
         bson_iter_next(&item);
}

bool is_duplicate_key(int64_t code) { return code == 11000 || code == 11001 || code == 12582; }

// The sums of the batches' replies.
class Totals {
 public:
  // Adds one batch's libmongoc reply; `offset` is the queue position of its first operation.
  void add(const bson_t *reply, uint32_t offset) {
    inserted_ += reply_count(reply, "nInserted");
    matched_ += reply_count(reply, "nMatched");
    modified_ += reply_count(reply, "nModified");
    removed_ += reply_count(reply, "nRemoved");
    upserted_count_ += reply_count(reply, "nUpserted");
    append_indexed(reply, "upserted", offset, upserted_.get(), &n_upserted_);
    append_indexed(reply, "writeErrors", offset, write_errors_.get(), &n_write_errors_);
    append_indexed(reply, "writeConcernErrors", 0, write_concern_errors_.get(), &n_wce_, /*reindex=*/false);
  }
  uint32_t write_errors() const { return n_write_errors_; }
  uint32_t write_concern_errors() const { return n_wce_; }
  const bson_t *write_error_list() const { return write_errors_.get(); }
  const bson_t *write_concern_error_list() const { return write_concern_errors_.get(); }

  void append_to(bson_t *reply) const {
    BSON_APPEND_INT64(reply, "nInserted", inserted_);
    BSON_APPEND_INT64(reply, "nMatched", matched_);
    BSON_APPEND_INT64(reply, "nModified", modified_);
    BSON_APPEND_INT64(reply, "nRemoved", removed_);
    BSON_APPEND_INT64(reply, "nUpserted", upserted_count_);
    BSON_APPEND_ARRAY(reply, "upserted", upserted_.get());
    BSON_APPEND_ARRAY(reply, "writeErrors", write_errors_.get());
    BSON_APPEND_ARRAY(reply, "writeConcernErrors", write_concern_errors_.get());
  }

 private:
  // Copies the documents of the array `field` of `reply` into `out`, their "index" shifted by
  // `offset` (libmongoc numbers them within its bulk operation).
  static void append_indexed(const bson_t *reply, const char *field, uint32_t offset, bson_t *out, uint32_t *n,
                             bool reindex = true) {
    bson_iter_t it, item;
    if (!bson_iter_init_find(&it, reply, field) || !bson_iter_recurse(&it, &item)) return;
    char buf[16];
    while (bson_iter_next(&item)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&item)) continue;
      const char *key;
      bson_uint32_to_string((*n)++, &key, buf, sizeof buf);
      bson_iter_t fields;
      bson_t entry;
      bson_append_document_begin(out, key, -1, &entry);
      bson_iter_recurse(&item, &fields);
      while (bson_iter_next(&fields)) {
        if (reindex && std::strcmp(bson_iter_key(&fields), "index") == 0) {
          BSON_APPEND_INT64(&entry, "index", bson_iter_as_int64(&fields) + offset);
        } else {
          bson_append_iter(&entry, nullptr, 0, &fields);
        }
      }
      bson_append_document_end(out, &entry);
    }
  }

  int64_t inserted_ = 0, matched_ = 0, modified_ = 0, removed_ = 0, upserted_count_ = 0;
  Bson upserted_, write_errors_, write_concern_errors_;
  uint32_t n_upserted_ = 0, n_write_errors_ = 0, n_wce_ = 0;
};

// The error of a bulk write whose operations failed: the first failed one's code and index.
[[noreturn]] void fail_write_errors(const Totals &totals, bool ordered) {
  bson_iter_t it, first;
  int64_t code = 0, index = -1;
  std::string errmsg = "write error";
  const bson_t *list = totals.write_errors() ? totals.write_error_list() : totals.write_concern_error_list();
  if (bson_iter_init(&it, list) && bson_iter_next(&it) && bson_iter_recurse(&it, &first)) {
    while (bson_iter_next(&first)) {
      const char *key = bson_iter_key(&first);
      if (std::strcmp(key, "code") == 0) code = bson_iter_as_int64(&first);
      if (std::strcmp(key, "index") == 0) index = bson_iter_as_int64(&first);
      if (std::strcmp(key, "errmsg") == 0 && BSON_ITER_HOLDS_UTF8(&first)) errmsg = bson_iter_utf8(&first, nullptr);
    }
  }
  std::string message;
  if (totals.write_errors()) {
    message = "bulk_write: operation " + std::to_string(index) + " failed: " + errmsg;
    if (totals.write_errors() > 1) message += " (and " + std::to_string(totals.write_errors() - 1) + " more)";
    message += ordered ? "; the operations after it were not attempted" : "; the other operations were attempted";
  } else {
    message = "bulk_write: write concern error: " + errmsg;
  }
  fail(is_duplicate_key(code) ? Code::duplicate_key : Code::server, message, static_cast<int32_t>(code));
}

}  // namespace

namespace {

// The per-operation options of a batch: documents were checked when queued (validate: false).
struct OpOptions {
  Bson insert, update_upsert, update, replace_upsert, replace;
  OpOptions() {
    BSON_APPEND_BOOL(insert.get(), "validate", false);
    BSON_APPEND_BOOL(update_upsert.get(), "upsert", true);
    BSON_APPEND_BOOL(update.get(), "upsert", false);
    BSON_APPEND_BOOL(replace_upsert.get(), "upsert", true);
    BSON_APPEND_BOOL(replace_upsert.get(), "validate", false);
    BSON_APPEND_BOOL(replace.get(), "upsert", false);
    BSON_APPEND_BOOL(replace.get(), "validate", false);
  }
};

}  // namespace

struct Bulk::Op {
  enum class Kind { insert, replace_one, update_one, update_many, delete_one, delete_many } kind;
  BsonPtr filter;
  BsonPtr doc;  // the document, replacement or update
  bool upsert;

  // Adds this operation to libmongoc's bulk operation (a case per kind); false with `error` set
  // when libmongoc refuses it.
  bool queue(mongoc_bulk_operation_t *bulk, const OpOptions &o, bson_error_t *error) const {
    switch (kind) {
      case Kind::insert:
        return mongoc_bulk_operation_insert_with_opts(bulk, doc.get(), o.insert.get(), error);
      case Kind::replace_one:
        return mongoc_bulk_operation_replace_one_with_opts(bulk, filter.get(), doc.get(),
                                                           upsert ? o.replace_upsert.get() : o.replace.get(), error);
      case Kind::update_one:
        return mongoc_bulk_operation_update_one_with_opts(bulk, filter.get(), doc.get(),
                                                          upsert ? o.update_upsert.get() : o.update.get(), error);
      case Kind::update_many:
        return mongoc_bulk_operation_update_many_with_opts(bulk, filter.get(), doc.get(),
                                                           upsert ? o.update_upsert.get() : o.update.get(), error);
      case Kind::delete_one:
        return mongoc_bulk_operation_remove_one_with_opts(bulk, filter.get(), nullptr, error);
      case Kind::delete_many:
        return mongoc_bulk_operation_remove_many_with_opts(bulk, filter.get(), nullptr, error);
    }
    return false;
  }
};

Bulk::Bulk(Collection coll, bool ordered, const Model *model) : coll_(std::move(coll)), ordered_(ordered) {
  if (model && model->check_updates() && !model->fields().empty()) {
    // A copy of the declarations (not of the Model: its index holds views into its own fields).
    checked_ = std::make_unique<Model>(nullptr);
    for (const Field &f : model->fields()) {
      checked_->add_field(f.name.c_str(), static_cast<int>(f.type),
                          (f.required ? kFieldRequired : 0u) | (f.nullable ? kFieldNullable : 0u));
    }
  }
}

Bulk::~Bulk() = default;

void Bulk::insert(const bson_t *document) {
  require(document, "document");
  check_storable(document, ("bulk insert (operation " + std::to_string(ops_.size()) + ")").c_str());
  ops_.push_back(std::make_unique<Op>(Op{Op::Kind::insert, copy_of(nullptr), copy_of(document), false}));
}

void Bulk::replace_one(const bson_t *filter, const bson_t *replacement, bool upsert) {
  require(filter, "filter");
  require(replacement, "replacement");
  check_storable(replacement, ("bulk replace_one (operation " + std::to_string(ops_.size()) + ")").c_str());
  ops_.push_back(std::make_unique<Op>(Op{Op::Kind::replace_one, copy_of(filter), copy_of(replacement), upsert}));
}

void Bulk::update(const bson_t *filter, const bson_t *update, bool upsert, bool many) {
  require(filter, "filter");
  require(update, "update");
  const char *op = many ? "bulk update_many" : "bulk update_one";
  check_update_shape(update, op);
  // The same check as update_one/update_many on the model (issue 17): VALIDATION naming the
  // operator and the field, with the operation's position in the queue.
  if (checked_) {
    try {
      check_update(*checked_, update);
    } catch (const Error &e) {
      if (e.code() != Code::validation) throw;
      fail(Code::validation, std::string(op) + " (operation " + std::to_string(ops_.size()) + "): " + e.message());
    }
  }
  ops_.push_back(std::make_unique<Op>(
      Op{many ? Op::Kind::update_many : Op::Kind::update_one, copy_of(filter), copy_of(update), upsert}));
}

void Bulk::remove(const bson_t *filter, bool many) {
  require(filter, "filter");
  ops_.push_back(std::make_unique<Op>(
      Op{many ? Op::Kind::delete_many : Op::Kind::delete_one, copy_of(filter), copy_of(nullptr), false}));
}

void Bulk::insert_document(const Document &doc) {
  Bson body;
  doc.to_bson(false, body.get());
  insert(body.get());
}

void Bulk::save_document(const Document &doc, bool exclude_none) {
  if (!doc.model()->has_composite_key() && !doc.has_effective_id()) fail(Code::missing_id, "Document ID is required");
  Bson body, filter;
  doc.to_bson(exclude_none, body.get());
  doc.append_id(filter.get());
  replace_one(filter.get(), body.get(), true);
}

void Bulk::execute(bson_t *reply) {
  std::vector<std::unique_ptr<Op>> ops;
  ops.swap(ops_);  // the writer is empty from here on, whatever happens
  Totals totals;
  try {
    for (size_t start = 0; start < ops.size(); start += kMaxBatch) {
      const size_t end = std::min(ops.size(), start + kMaxBatch);
      Bson batch_reply;
      coll_.client()->run([&](Client::Lease &lease) {
        bson_reinit(batch_reply.get());  // a retried attempt (no server found) starts over
        std::unique_ptr<mongoc_collection_t, void (*)(mongoc_collection_t *)> c(
            mongoc_client_get_collection(lease.get(), coll_.db().c_str(), coll_.name().c_str()),
            mongoc_collection_destroy);
        Bson opts;
        BSON_APPEND_BOOL(opts.get(), "ordered", ordered_);
        std::unique_ptr<mongoc_bulk_operation_t, void (*)(mongoc_bulk_operation_t *)> bulk(
            mongoc_collection_create_bulk_operation_with_opts(c.get(), opts.get()), mongoc_bulk_operation_destroy);
        const OpOptions options;
        bson_error_t error;
        for (size_t i = start; i < end; ++i) {
          if (!ops[i]->queue(bulk.get(), options, &error)) {
            fail_from_bson_error(error, ("bulk_write: operation " + std::to_string(i)).c_str());
          }
        }
        bson_t mreply;
        const bool ok = mongoc_bulk_operation_execute(bulk.get(), &mreply, &error) != 0;
        bson_concat(batch_reply.get(), &mreply);
        bson_destroy(&mreply);
        // A failure without write errors (connection, timeout, a refused command) is thrown;
        // write errors are summed and thrown once every batch due has run.
        if (!ok && !non_empty_array(batch_reply.get(), "writeErrors") &&
            !non_empty_array(batch_reply.get(), "writeConcernErrors")) {
          fail_from_bson_error(error, "bulk_write");
        }
      });
      totals.add(batch_reply.get(), static_cast<uint32_t>(start));
      if (ordered_ && totals.write_errors()) break;
    }
  } catch (...) {
    if (reply) totals.append_to(reply);
    throw;
  }
  if (reply) totals.append_to(reply);
  if (totals.write_errors() || totals.write_concern_errors()) fail_write_errors(totals, ordered_);
}

}  // namespace mongo_odm::core
