// mongo_odm/collection.h
#include "../core/bson_util.hpp"
#include "capi.hpp"

using mongo_odm::capi::client_of;
using mongo_odm::capi::guard;
using mongo_odm::core::require;

namespace {

const mongo_odm::core::Collection &impl_of(const mongo_odm_collection_t *collection) {
  require(collection, "collection");
  return *collection->impl;
}

}  // namespace

extern "C" {

mongo_odm_collection_t *mongo_odm_collection_new(mongo_odm_client_t *client, const char *db_name,
                                                 const char *collection_name, mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_collection_t *>(nullptr), [&] {
    auto impl = client_of(client);
    require(db_name, "db_name");
    require(collection_name, "collection_name");
    auto coll = std::make_shared<mongo_odm::core::Collection>(impl, db_name, collection_name);
    return new mongo_odm_collection_t{std::move(coll), mongo_odm_client_t{std::move(impl), true}};
  });
}

void mongo_odm_collection_destroy(mongo_odm_collection_t *collection) { delete collection; }

const char *mongo_odm_collection_name(const mongo_odm_collection_t *collection) {
  return collection ? collection->impl->name().c_str() : nullptr;
}

const char *mongo_odm_collection_database_name(const mongo_odm_collection_t *collection) {
  return collection ? collection->impl->db().c_str() : nullptr;
}

mongo_odm_client_t *mongo_odm_collection_client(const mongo_odm_collection_t *collection) {
  // Part of the collection (marked borrowed, so destroying it is a no-op).
  return collection ? const_cast<mongo_odm_client_t *>(&collection->client) : nullptr;
}

bool mongo_odm_collection_find_one(mongo_odm_collection_t *collection, const bson_t *filter, const bson_t *opts,
                                   bson_t *out, bool *found, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(out);
  if (found) *found = false;
  return guard(error, false, [&] {
    const auto &coll = impl_of(collection);
    require(found, "found");
    mongo_odm::core::Bson doc;
    *found = coll.find_one(filter, opts, doc.get());
    if (out && *found) bson_concat(out, doc.get());
    return true;
  });
}

mongo_odm_cursor_t *mongo_odm_collection_find(mongo_odm_collection_t *collection, const bson_t *filter,
                                              const bson_t *opts, mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_cursor_t *>(nullptr),
               [&] { return wrap(impl_of(collection).find(filter, opts, nullptr).release()); });
}

bool mongo_odm_collection_insert_one(mongo_odm_collection_t *collection, const bson_t *document, const bson_t *opts,
                                     bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).insert_one(document, opts, reply);
    return true;
  });
}

bool mongo_odm_collection_insert_many(mongo_odm_collection_t *collection, const bson_t *const *documents,
                                      size_t n_documents, const bson_t *opts, bson_t *reply,
                                      mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).insert_many(documents, n_documents, opts, reply);
    return true;
  });
}

bool mongo_odm_collection_replace_one(mongo_odm_collection_t *collection, const bson_t *filter,
                                      const bson_t *replacement, const bson_t *opts, bson_t *reply,
                                      mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).replace_one(filter, replacement, opts, reply);
    return true;
  });
}

bool mongo_odm_collection_update_one(mongo_odm_collection_t *collection, const bson_t *filter, const bson_t *update,
                                     const bson_t *opts, bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).update(filter, update, opts, reply, false);
    return true;
  });
}

bool mongo_odm_collection_update_many(mongo_odm_collection_t *collection, const bson_t *filter, const bson_t *update,
                                      const bson_t *opts, bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).update(filter, update, opts, reply, true);
    return true;
  });
}

bool mongo_odm_collection_delete_one(mongo_odm_collection_t *collection, const bson_t *filter, const bson_t *opts,
                                     bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).remove(filter, opts, reply, false);
    return true;
  });
}

bool mongo_odm_collection_delete_many(mongo_odm_collection_t *collection, const bson_t *filter, const bson_t *opts,
                                      bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).remove(filter, opts, reply, true);
    return true;
  });
}

bool mongo_odm_collection_count_documents(mongo_odm_collection_t *collection, const bson_t *filter,
                                          const bson_t *opts, int64_t *count, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    const auto &coll = impl_of(collection);
    require(count, "count");
    *count = coll.count(filter, opts);
    return true;
  });
}

mongo_odm_cursor_t *mongo_odm_collection_aggregate(mongo_odm_collection_t *collection, const bson_t *pipeline,
                                                   const bson_t *opts, mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_cursor_t *>(nullptr),
               [&] { return wrap(impl_of(collection).aggregate(pipeline, opts).release()); });
}

bool mongo_odm_collection_drop(mongo_odm_collection_t *collection, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    impl_of(collection).drop();
    return true;
  });
}

bool mongo_odm_collection_create_index(mongo_odm_collection_t *collection, const bson_t *keys, const bson_t *opts,
                                       bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).create_index(keys, opts, reply);
    return true;
  });
}

}  // extern "C"
