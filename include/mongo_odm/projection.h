/*
 * mongo_odm/projection.h - reading a model's documents as a smaller model. (Since 0.2.)
 *
 * A projection model declares the fields to read (mongo_odm_model_add_field()); its
 * collection name does not matter (NULL is fine). The query runs on the source model's
 * collection with the projection {field: 1, ...} of those fields (and of its composite-key
 * fields); the server returns "_id" too, which becomes the documents' id. The documents are
 * documents of the projection model, validated against it (a REQUIRED field missing from a
 * stored document is a VALIDATION error, as for any load).
 */
#ifndef MONGO_ODM_PROJECTION_H
#define MONGO_ODM_PROJECTION_H

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* The projection of `model`: `out` (required; uninitialized caller storage, always
 * initialized) receives {field: 1, ...} in declaration order.
 * Errors: INVALID_ARGUMENT (NULL model or out, a model that declares no field). */
MONGO_ODM_API(bool) mongo_odm_model_projection(const mongo_odm_model_t *model, bson_t *out,
                                               mongo_odm_error_t *error);

/* mongo_odm_find() / mongo_odm_find_one() on `model`'s collection, read as documents of
 * `projection` (see above). `opts` as for mongo_odm_find(), without "projection". The cursor
 * (read it with mongo_odm_cursor_next()) and the document are as for those functions.
 * find_one_as is deprecated: prefer mongo_odm_try_find_one_as() below, whose result cannot be
 * misread; find_one_as returns NULL with MONGO_ODM_OK when nothing matched (check the code to
 * tell it from a failure).
 * Errors: INVALID_ARGUMENT (NULL model or projection, a projection model without fields, a
 * "projection" in opts), and crud.h's shared errors. */
MONGO_ODM_API(mongo_odm_cursor_t *) mongo_odm_find_as(const mongo_odm_model_t *model,
                                                      const mongo_odm_model_t *projection, const bson_t *filter,
                                                      const bson_t *opts, mongo_odm_error_t *error);
MONGO_ODM_API(mongo_odm_doc_t *) mongo_odm_find_one_as(const mongo_odm_model_t *model,
                                                       const mongo_odm_model_t *projection, const bson_t *filter,
                                                       const bson_t *opts, mongo_odm_error_t *error);

/* mongo_odm_try_find_one() (crud.h) read as a document of `projection`: the first document of
 * `model`'s collection matching `filter` (NULL = {}), with `opts` as for mongo_odm_find_as().
 * Three outcomes, told apart without reading the error code:
 *   returns false             the lookup failed (`error` says why; `*out` is NULL, `*found` false);
 *   returns true, *found false nothing matched (`*out` is NULL);
 *   returns true, *found true  `*out` is a document of `projection`, the caller's to
 *                              mongo_odm_doc_destroy() (it borrows `projection`, which must
 *                              outlive it).
 * The arguments are borrowed for the call; `out` and `found` are required.
 * Errors: INVALID_ARGUMENT (NULL model, projection, out or found; a projection model without
 * fields; a "projection" in opts), VALIDATION (the stored document does not fit `projection`),
 * and crud.h's shared errors. Thread-safe as mongo_odm_try_find_one() is. (Since 0.2.) */
MONGO_ODM_API(bool) mongo_odm_try_find_one_as(const mongo_odm_model_t *model, const mongo_odm_model_t *projection,
                                              const bson_t *filter, const bson_t *opts, mongo_odm_doc_t **out,
                                              bool *found, mongo_odm_error_t *error);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_PROJECTION_H */
