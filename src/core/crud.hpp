// CRUD on models: lightodm's operations and return-value rules over Collection.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>

#include "collection.hpp"
#include "cursor.hpp"
#include "document.hpp"
#include "model.hpp"

namespace mongo_odm::core {
namespace crud {

// The collection a model's operations run on: its own, or the default connection's.
Collection resolve(const Model &model);

void save(Document &doc, bool exclude_none);
bool remove(const Document &doc);  // false when the id is unset/empty (no server call)
std::unique_ptr<Document> get(const Model &model, const char *id);
std::unique_ptr<Document> find_one(const Model &model, const bson_t *filter, const bson_t *opts);
std::unique_ptr<Cursor> find(const Model &model, const bson_t *filter, const bson_t *opts);
int64_t count(const Model &model, const bson_t *filter);
bool update_one(const Model &model, const bson_t *filter, const bson_t *update, bool upsert);
int64_t update_many(const Model &model, const bson_t *filter, const bson_t *update);
bool delete_one(const Model &model, const bson_t *filter);
int64_t delete_many(const Model &model, const bson_t *filter);
void insert_many(const Model &model, const Document *const *docs, size_t n);
std::unique_ptr<Cursor> aggregate(const Model &model, const bson_t *pipeline, const bson_t *opts);

}  // namespace crud
}  // namespace mongo_odm::core
