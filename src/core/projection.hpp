// Projections (mongo_odm/projection.h): reading a model's documents as a smaller model, whose
// declared fields make the projection.
#pragma once

#include <bson/bson.h>

#include <memory>

#include "cursor.hpp"
#include "document.hpp"

namespace mongo_odm::core {

class Model;

namespace projection {

// Appends {field: 1, ...} for `model`'s declared fields and its composite-key fields, in
// declaration order ("_id" is returned by the server unless the caller's filter says
// otherwise; documents need it for their id). INVALID_ARGUMENT when the model declares none.
void of_model(const Model &model, bson_t *out);

// find / find_one on `source`'s collection (crud::resolve) with the projection of `as`; the
// documents are documents of `as`. `opts` as for find, without "projection"
// (INVALID_ARGUMENT: it comes from `as`).
std::unique_ptr<Cursor> find_as(const Model &source, const Model &as, const bson_t *filter, const bson_t *opts);
std::unique_ptr<Document> find_one_as(const Model &source, const Model &as, const bson_t *filter, const bson_t *opts);

}  // namespace projection
}  // namespace mongo_odm::core
