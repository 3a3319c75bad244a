// mongo_odm/bulk.h
#include "../core/bson_util.hpp"
#include "../core/bulk.hpp"
#include "../core/crud.hpp"
#include "capi.hpp"

using mongo_odm::capi::guard;
using mongo_odm::core::require;

static_assert(MONGO_ODM_BULK_MAX_BATCH == mongo_odm::core::Bulk::kMaxBatch, "batch size drifted");

// A writer is the core object itself behind the opaque pointer.
namespace {

mongo_odm::core::Bulk *unwrap_bulk(mongo_odm_bulk_t *b) { return reinterpret_cast<mongo_odm::core::Bulk *>(b); }
const mongo_odm::core::Bulk *unwrap_bulk(const mongo_odm_bulk_t *b) {
  return reinterpret_cast<const mongo_odm::core::Bulk *>(b);
}
mongo_odm_bulk_t *wrap_bulk(mongo_odm::core::Bulk *b) { return reinterpret_cast<mongo_odm_bulk_t *>(b); }

mongo_odm::core::Bulk &bulk_of(mongo_odm_bulk_t *bulk) {
  require(bulk, "bulk");
  return *unwrap_bulk(bulk);
}

// Queues one operation: true, or false with the error.
template <typename F>
bool queue(mongo_odm_bulk_t *bulk, mongo_odm_error_t *error, F &&body) {
  return guard(error, false, [&] {
    body(bulk_of(bulk));
    return true;
  });
}

}  // namespace

extern "C" {

mongo_odm_bulk_t *mongo_odm_collection_bulk_new(mongo_odm_collection_t *collection, bool ordered,
                                                mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_bulk_t *>(nullptr), [&] {
    require(collection, "collection");
    return wrap_bulk(new mongo_odm::core::Bulk(*collection->impl, ordered));
  });
}

mongo_odm_bulk_t *mongo_odm_bulk_new(const mongo_odm_model_t *model, bool ordered, mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_bulk_t *>(nullptr), [&] {
    require(model, "model");
    return wrap_bulk(new mongo_odm::core::Bulk(mongo_odm::core::crud::resolve(*unwrap(model)), ordered, unwrap(model)));
  });
}

void mongo_odm_bulk_destroy(mongo_odm_bulk_t *bulk) { delete unwrap_bulk(bulk); }

size_t mongo_odm_bulk_size(const mongo_odm_bulk_t *bulk) { return bulk ? unwrap_bulk(bulk)->size() : 0; }

bool mongo_odm_bulk_insert(mongo_odm_bulk_t *bulk, const bson_t *document, mongo_odm_error_t *error) {
  return queue(bulk, error, [&](mongo_odm::core::Bulk &b) { b.insert(document); });
}

bool mongo_odm_bulk_replace_one(mongo_odm_bulk_t *bulk, const bson_t *filter, const bson_t *replacement, bool upsert,
                                mongo_odm_error_t *error) {
  return queue(bulk, error, [&](mongo_odm::core::Bulk &b) { b.replace_one(filter, replacement, upsert); });
}

bool mongo_odm_bulk_update_one(mongo_odm_bulk_t *bulk, const bson_t *filter, const bson_t *update, bool upsert,
                               mongo_odm_error_t *error) {
  return queue(bulk, error, [&](mongo_odm::core::Bulk &b) { b.update(filter, update, upsert, false); });
}

bool mongo_odm_bulk_update_many(mongo_odm_bulk_t *bulk, const bson_t *filter, const bson_t *update, bool upsert,
                                mongo_odm_error_t *error) {
  return queue(bulk, error, [&](mongo_odm::core::Bulk &b) { b.update(filter, update, upsert, true); });
}

bool mongo_odm_bulk_delete_one(mongo_odm_bulk_t *bulk, const bson_t *filter, mongo_odm_error_t *error) {
  return queue(bulk, error, [&](mongo_odm::core::Bulk &b) { b.remove(filter, false); });
}

bool mongo_odm_bulk_delete_many(mongo_odm_bulk_t *bulk, const bson_t *filter, mongo_odm_error_t *error) {
  return queue(bulk, error, [&](mongo_odm::core::Bulk &b) { b.remove(filter, true); });
}

bool mongo_odm_bulk_insert_doc(mongo_odm_bulk_t *bulk, const mongo_odm_doc_t *doc, mongo_odm_error_t *error) {
  return queue(bulk, error, [&](mongo_odm::core::Bulk &b) {
    require(doc, "doc");
    b.insert_document(*unwrap(doc));
  });
}

bool mongo_odm_bulk_save_doc(mongo_odm_bulk_t *bulk, const mongo_odm_doc_t *doc, bool exclude_none,
                             mongo_odm_error_t *error) {
  return queue(bulk, error, [&](mongo_odm::core::Bulk &b) {
    require(doc, "doc");
    b.save_document(*unwrap(doc), exclude_none);
  });
}

bool mongo_odm_bulk_execute(mongo_odm_bulk_t *bulk, bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    bulk_of(bulk).execute(reply);
    return true;
  });
}

}  // extern "C"
