// mongo_odm/projection.h
#include "../core/bson_util.hpp"
#include "../core/projection.hpp"
#include "capi.hpp"

using mongo_odm::capi::guard;
using mongo_odm::core::require;
namespace projection = mongo_odm::core::projection;

extern "C" {

bool mongo_odm_model_projection(const mongo_odm_model_t *model, bson_t *out, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(out);
  return guard(error, false, [&] {
    require(model, "model");
    require(out, "out");
    mongo_odm::core::Bson proj;
    projection::of_model(*unwrap(model), proj.get());
    bson_concat(out, proj.get());
    return true;
  });
}

mongo_odm_cursor_t *mongo_odm_find_as(const mongo_odm_model_t *model, const mongo_odm_model_t *as,
                                      const bson_t *filter, const bson_t *opts, mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_cursor_t *>(nullptr), [&] {
    require(model, "model");
    require(as, "projection");
    return wrap(projection::find_as(*unwrap(model), *unwrap(as), filter, opts).release());
  });
}

mongo_odm_doc_t *mongo_odm_find_one_as(const mongo_odm_model_t *model, const mongo_odm_model_t *as,
                                       const bson_t *filter, const bson_t *opts, mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_doc_t *>(nullptr), [&] {
    require(model, "model");
    require(as, "projection");
    return wrap(projection::find_one_as(*unwrap(model), *unwrap(as), filter, opts).release());
  });
}

bool mongo_odm_try_find_one_as(const mongo_odm_model_t *model, const mongo_odm_model_t *as, const bson_t *filter,
                               const bson_t *opts, mongo_odm_doc_t **out, bool *found, mongo_odm_error_t *error) {
  // crud.cpp's try_lookup: failed (false), not found (true, *found false), found (true).
  if (out) *out = nullptr;
  if (found) *found = false;
  return guard(error, false, [&] {
    require(model, "model");
    require(as, "projection");
    require(out, "out");
    require(found, "found");
    auto doc = projection::find_one_as(*unwrap(model), *unwrap(as), filter, opts);
    *found = static_cast<bool>(doc);
    *out = wrap(doc.release());
    return true;
  });
}

}  // extern "C"
