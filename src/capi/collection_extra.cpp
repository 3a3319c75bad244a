// mongo_odm/collection_extra.h
#include "../core/bson_util.hpp"
#include "capi.hpp"

using mongo_odm::capi::guard;
using mongo_odm::core::require;
using Modify = mongo_odm::core::Collection::Modify;

namespace {

const mongo_odm::core::Collection &impl_of(const mongo_odm_collection_t *collection) {
  require(collection, "collection");
  return *collection->impl;
}

bool find_one_and(Modify kind, mongo_odm_collection_t *collection, const bson_t *filter, const bson_t *change,
                  const bson_t *opts, bson_t *out, bool *found, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(out);
  if (found) *found = false;
  return guard(error, false, [&] {
    const auto &coll = impl_of(collection);
    require(found, "found");
    *found = coll.find_one_and_modify(kind, filter, change, opts, out);
    return true;
  });
}

}  // namespace

extern "C" {

bool mongo_odm_collection_find_one_and_update(mongo_odm_collection_t *collection, const bson_t *filter,
                                              const bson_t *update, const bson_t *opts, bson_t *out, bool *found,
                                              mongo_odm_error_t *error) {
  if (!update) {  // required here (find_one_and_modify ignores `change` for deletes)
    mongo_odm::core::init_out(out);
    if (found) *found = false;
    return guard(error, false, [&] {
      require(update, "update");
      return true;
    });
  }
  return find_one_and(Modify::update, collection, filter, update, opts, out, found, error);
}

bool mongo_odm_collection_find_one_and_replace(mongo_odm_collection_t *collection, const bson_t *filter,
                                               const bson_t *replacement, const bson_t *opts, bson_t *out,
                                               bool *found, mongo_odm_error_t *error) {
  if (!replacement) {
    mongo_odm::core::init_out(out);
    if (found) *found = false;
    return guard(error, false, [&] {
      require(replacement, "replacement");
      return true;
    });
  }
  return find_one_and(Modify::replace, collection, filter, replacement, opts, out, found, error);
}

bool mongo_odm_collection_find_one_and_delete(mongo_odm_collection_t *collection, const bson_t *filter,
                                              const bson_t *opts, bson_t *out, bool *found,
                                              mongo_odm_error_t *error) {
  return find_one_and(Modify::remove, collection, filter, nullptr, opts, out, found, error);
}

bool mongo_odm_collection_distinct(mongo_odm_collection_t *collection, const char *key, const bson_t *filter,
                                   const bson_t *opts, bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).distinct(key, filter, opts, reply);
    return true;
  });
}

bool mongo_odm_collection_estimated_document_count(mongo_odm_collection_t *collection, const bson_t *opts,
                                                   int64_t *count, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    const auto &coll = impl_of(collection);
    require(count, "count");
    *count = coll.estimated_count(opts);
    return true;
  });
}

bool mongo_odm_collection_create_indexes(mongo_odm_collection_t *collection, const bson_t *const *indexes,
                                         size_t n_indexes, const bson_t *opts, bson_t *reply,
                                         mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    impl_of(collection).create_indexes(indexes, n_indexes, opts, reply);
    return true;
  });
}

bool mongo_odm_collection_drop_index(mongo_odm_collection_t *collection, const char *index_name,
                                     const bson_t *opts, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    impl_of(collection).drop_index(index_name, opts);
    return true;
  });
}

bool mongo_odm_collection_rename(mongo_odm_collection_t *collection, const char *new_name, bool drop_target,
                                 const bson_t *opts, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    impl_of(collection).rename(new_name, drop_target, opts);
    return true;
  });
}

}  // extern "C"
