#include "crud.hpp"

#include <vector>

#include "bson_util.hpp"
#include "changes.hpp"
#include "connection.hpp"
#include "error.hpp"
#include "update_check.hpp"

namespace mongo_odm::core {
namespace crud {

Collection resolve(const Model &model) {
  if (const auto &own = model.collection()) return *own;
  const char *name = model.collection_name();
  if (!name) {
    fail(Code::not_implemented,
         "the model has no collection name (Settings.name); give it one with mongo_odm_model_new() "
         "or a collection with mongo_odm_model_set_collection()");
  }
  auto state = connection::current_or_connect();
  // Both names were checked already: the model's at mongo_odm_model_new(), the database's when
  // the default connection was opened.
  return Collection(state->client, state->db, name, Collection::Prevalidated{});
}

void save(Document &doc, bool exclude_none) {
  // Changed-field saves and revisions (changes.hpp); every other model keeps lightodm's save.
  if (doc.model()->tracks_state()) return changes::save_document(doc, exclude_none);
  Collection coll = resolve(*doc.model());
  if (!doc.model()->has_composite_key() && !doc.has_effective_id()) {
    fail(Code::missing_id, "Document ID is required");
  }
  Bson filter;
  doc.append_id(filter.get());
  const uint64_t id_bytes = filter.get()->len - 5;  // the filter's _id element: stored with the fields
  Bson opts;
  BSON_APPEND_BOOL(opts.get(), "upsert", true);
  // The fields are written straight into the command that is sent (Collection::replace_with).
  coll.replace_with(
      filter.get(),
      [&](bson_t *u) {
        doc.append_replacement(exclude_none, u);
        const uint64_t stored = uint64_t{u->len} + id_bytes;
        if (stored > static_cast<uint64_t>(kMaxBsonSize)) {
          fail(Code::encoding, "document is " + std::to_string(stored) + " bytes, over the 16 MiB (" +
                                   std::to_string(kMaxBsonSize) + " bytes) limit");
        }
      },
      opts.get(), nullptr);
}

bool remove(const Document &doc) {
  if (!doc.id_is_truthy()) return false;
  Collection coll = resolve(*doc.model());
  Bson filter;
  doc.append_id(filter.get());
  Bson reply;
  coll.remove(filter.get(), nullptr, reply.get(), false);
  return reply_count(reply.get(), "deletedCount") > 0;
}

namespace {

std::unique_ptr<Document> load_one(const Model &model, const Collection &coll, const bson_t *filter,
                                   const bson_t *opts) {
  Bson found;
  if (!coll.find_one(filter, opts, found.get())) return nullptr;
  auto doc = std::make_unique<Document>(&model, Document::no_id);
  doc->load(found.get(), /*untrusted=*/false);
  return doc;
}

}  // namespace

std::unique_ptr<Document> get(const Model &model, const char *id) {
  require(id, "id");
  Collection coll = resolve(model);
  Bson filter;
  BSON_APPEND_UTF8(filter.get(), "_id", id);
  return load_one(model, coll, filter.get(), nullptr);
}

std::unique_ptr<Document> find_one(const Model &model, const bson_t *filter, const bson_t *opts) {
  Collection coll = resolve(model);
  return load_one(model, coll, filter, opts);
}

std::unique_ptr<Cursor> find(const Model &model, const bson_t *filter, const bson_t *opts) {
  Collection coll = resolve(model);
  return coll.find(filter, opts, &model);
}

int64_t count(const Model &model, const bson_t *filter) {
  Collection coll = resolve(model);
  return coll.count(filter, nullptr);
}

bool update_one(const Model &model, const bson_t *filter, const bson_t *update, bool upsert) {
  require(filter, "filter");
  require(update, "update");
  if (model.check_updates()) check_update(model, update);
  Collection coll = resolve(model);
  Bson opts;
  BSON_APPEND_BOOL(opts.get(), "upsert", upsert);
  Bson reply;
  coll.update(filter, update, opts.get(), reply.get(), false);
  bson_iter_t iter;
  const bool upserted = bson_iter_init_find(&iter, reply.get(), "upsertedId");
  return reply_count(reply.get(), "modifiedCount") > 0 || (upsert && upserted);
}

int64_t update_many(const Model &model, const bson_t *filter, const bson_t *update) {
  require(filter, "filter");
  require(update, "update");
  if (model.check_updates()) check_update(model, update);
  Collection coll = resolve(model);
  Bson reply;
  coll.update(filter, update, nullptr, reply.get(), true);
  return reply_count(reply.get(), "modifiedCount");
}

bool delete_one(const Model &model, const bson_t *filter) {
  require(filter, "filter");
  Collection coll = resolve(model);
  Bson reply;
  coll.remove(filter, nullptr, reply.get(), false);
  return reply_count(reply.get(), "deletedCount") > 0;
}

int64_t delete_many(const Model &model, const bson_t *filter) {
  require(filter, "filter");
  Collection coll = resolve(model);
  Bson reply;
  coll.remove(filter, nullptr, reply.get(), true);
  return reply_count(reply.get(), "deletedCount");
}

void insert_many(const Model &model, const Document *const *docs, size_t n) {
  if (n == 0) return;  // lightodm returns [] before touching the collection
  require(docs, "docs");
  for (size_t i = 0; i < n; ++i) {
    if (!docs[i]) fail(Code::invalid_argument, "document " + std::to_string(i) + " is NULL");
    if (docs[i]->model() != &model) {
      fail(Code::invalid_argument, "document " + std::to_string(i) + " belongs to another model");
    }
  }
  Collection coll = resolve(model);
  // Convert and check everything before sending anything.
  std::vector<bson_t> bodies(n);
  size_t built = 0;
  struct Cleanup {
    std::vector<bson_t> &bodies;
    size_t &built;
    ~Cleanup() {
      for (size_t i = 0; i < built; ++i) bson_destroy(&bodies[i]);
    }
  } cleanup{bodies, built};
  std::vector<const bson_t *> ptrs(n);
  for (size_t i = 0; i < n; ++i) {
    bson_init(&bodies[i]);
    ++built;
    docs[i]->to_bson(false, &bodies[i]);
    if (bodies[i].len > static_cast<uint32_t>(kMaxBsonSize)) {
      fail(Code::encoding, "document " + std::to_string(i) + " is over the 16 MiB limit");
    }
    ptrs[i] = &bodies[i];
  }
  coll.insert_many(ptrs.data(), n, nullptr, nullptr, /*checked=*/true);
}

std::unique_ptr<Cursor> aggregate(const Model &model, const bson_t *pipeline, const bson_t *opts) {
  require(pipeline, "pipeline");
  Collection coll = resolve(model);
  return coll.aggregate(pipeline, opts);
}

}  // namespace crud
}  // namespace mongo_odm::core
