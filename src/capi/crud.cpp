// mongo_odm/crud.h
#include <vector>

#include "../core/crud.hpp"
#include "capi.hpp"

using mongo_odm::capi::guard;
using mongo_odm::core::require;

namespace {

const mongo_odm::core::Model &model_of(const mongo_odm_model_t *model) {
  require(model, "model");
  return *unwrap(model);
}

// The three outcomes of try_get / try_find_one: failed (false), not found (true, *found
// false), found (true, *found true, *out owned by the caller).
template <typename Lookup>
bool try_lookup(mongo_odm_doc_t **out, bool *found, mongo_odm_error_t *error, Lookup &&lookup) {
  if (out) *out = nullptr;
  if (found) *found = false;
  return guard(error, false, [&] {
    require(out, "out");
    require(found, "found");
    auto doc = lookup();
    *found = static_cast<bool>(doc);
    *out = wrap(doc.release());
    return true;
  });
}

}  // namespace

extern "C" {

bool mongo_odm_doc_save(mongo_odm_doc_t *doc, bool exclude_none, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(doc, "doc");
    mongo_odm::core::crud::save(*unwrap(doc), exclude_none);
    return true;
  });
}

bool mongo_odm_doc_delete(const mongo_odm_doc_t *doc, bool *deleted, mongo_odm_error_t *error) {
  if (deleted) *deleted = false;
  return guard(error, false, [&] {
    require(doc, "doc");
    const bool removed = mongo_odm::core::crud::remove(*unwrap(doc));
    if (deleted) *deleted = removed;
    return true;
  });
}

mongo_odm_doc_t *mongo_odm_get(const mongo_odm_model_t *model, const char *id, mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_doc_t *>(nullptr), [&] {
    const auto &m = model_of(model);
    require(id, "id");
    return wrap(mongo_odm::core::crud::get(m, id).release());
  });
}

mongo_odm_doc_t *mongo_odm_find_one(const mongo_odm_model_t *model, const bson_t *filter, const bson_t *opts,
                                    mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_doc_t *>(nullptr),
               [&] { return wrap(mongo_odm::core::crud::find_one(model_of(model), filter, opts).release()); });
}

bool mongo_odm_try_get(const mongo_odm_model_t *model, const char *id, mongo_odm_doc_t **out, bool *found,
                       mongo_odm_error_t *error) {
  return try_lookup(out, found, error, [&] {
    const auto &m = model_of(model);
    require(id, "id");
    return mongo_odm::core::crud::get(m, id);
  });
}

bool mongo_odm_try_find_one(const mongo_odm_model_t *model, const bson_t *filter, const bson_t *opts,
                            mongo_odm_doc_t **out, bool *found, mongo_odm_error_t *error) {
  return try_lookup(out, found, error,
                    [&] { return mongo_odm::core::crud::find_one(model_of(model), filter, opts); });
}

mongo_odm_cursor_t *mongo_odm_find(const mongo_odm_model_t *model, const bson_t *filter, const bson_t *opts,
                                   mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_cursor_t *>(nullptr),
               [&] { return wrap(mongo_odm::core::crud::find(model_of(model), filter, opts).release()); });
}

bool mongo_odm_count(const mongo_odm_model_t *model, const bson_t *filter, int64_t *count, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    const auto &m = model_of(model);
    require(count, "count");
    *count = mongo_odm::core::crud::count(m, filter);
    return true;
  });
}

bool mongo_odm_update_one(const mongo_odm_model_t *model, const bson_t *filter, const bson_t *update, bool upsert,
                          bool *changed, mongo_odm_error_t *error) {
  if (changed) *changed = false;
  return guard(error, false, [&] {
    const bool result = mongo_odm::core::crud::update_one(model_of(model), filter, update, upsert);
    if (changed) *changed = result;
    return true;
  });
}

bool mongo_odm_update_many(const mongo_odm_model_t *model, const bson_t *filter, const bson_t *update,
                           int64_t *modified_count, mongo_odm_error_t *error) {
  if (modified_count) *modified_count = 0;
  return guard(error, false, [&] {
    const int64_t n = mongo_odm::core::crud::update_many(model_of(model), filter, update);
    if (modified_count) *modified_count = n;
    return true;
  });
}

bool mongo_odm_delete_one(const mongo_odm_model_t *model, const bson_t *filter, bool *deleted,
                          mongo_odm_error_t *error) {
  if (deleted) *deleted = false;
  return guard(error, false, [&] {
    const bool result = mongo_odm::core::crud::delete_one(model_of(model), filter);
    if (deleted) *deleted = result;
    return true;
  });
}

bool mongo_odm_delete_many(const mongo_odm_model_t *model, const bson_t *filter, int64_t *deleted_count,
                           mongo_odm_error_t *error) {
  if (deleted_count) *deleted_count = 0;
  return guard(error, false, [&] {
    const int64_t n = mongo_odm::core::crud::delete_many(model_of(model), filter);
    if (deleted_count) *deleted_count = n;
    return true;
  });
}

bool mongo_odm_insert_many(const mongo_odm_model_t *model, mongo_odm_doc_t *const *docs, size_t n_docs,
                           mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    const auto &m = model_of(model);
    if (n_docs == 0) return true;
    require(docs, "docs");
    std::vector<const mongo_odm::core::Document *> ptrs(n_docs);
    for (size_t i = 0; i < n_docs; ++i) ptrs[i] = docs[i] ? unwrap(docs[i]) : nullptr;
    mongo_odm::core::crud::insert_many(m, ptrs.data(), n_docs);
    return true;
  });
}

mongo_odm_cursor_t *mongo_odm_aggregate(const mongo_odm_model_t *model, const bson_t *pipeline, const bson_t *opts,
                                        mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_cursor_t *>(nullptr),
               [&] { return wrap(mongo_odm::core::crud::aggregate(model_of(model), pipeline, opts).release()); });
}

}  // extern "C"
