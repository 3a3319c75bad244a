/*
 * mongo_odm/crud.h - CRUD on models, with lightodm's results.
 *
 * Each operation runs on the model's collection: the one set with
 * mongo_odm_model_set_collection(), or else the collection named like the model in the
 * default database of the default connection (connecting from the environment on first use).
 *
 * Errors shared by every function here:
 *  - INVALID_ARGUMENT: a NULL argument where one is required (filters of update and delete
 *    functions included: pass an empty document to mean "all").
 *  - NOT_IMPLEMENTED: the model has no collection name.
 *  - CONFIGURATION / CONNECTION: the default connection could not be opened.
 *  - CONNECTION, TIMEOUT, SERVER, DUPLICATE_KEY, ENCODING: from the operation itself.
 */
#ifndef MONGO_ODM_CRUD_H
#define MONGO_ODM_CRUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* Saves (upserts) the document: replace_one({"_id": id}, to_bson(doc), upsert=true).
 * Errors: MISSING_ID when the id is unset ("Document ID is required"), VALIDATION (as for
 * mongo_odm_doc_to_bson()), and the shared ones. */
MONGO_ODM_API(bool) mongo_odm_doc_save(mongo_odm_doc_t *doc, bool exclude_none, mongo_odm_error_t *error);

/* Deletes the document by id. `*deleted` (may be NULL) tells whether a document was removed;
 * with no id it is false and the call succeeds without contacting the server (lightodm). */
MONGO_ODM_API(bool) mongo_odm_doc_delete(const mongo_odm_doc_t *doc, bool *deleted, mongo_odm_error_t *error);

/* Looks up the document whose _id is the string `id`. Three outcomes, told apart without
 * reading the error code:
 *   returns false             the lookup failed (`error` says why; `*out` is NULL, `*found` false);
 *   returns true, *found false no such document (`*out` is NULL);
 *   returns true, *found true  `*out` is the document, the caller's to mongo_odm_doc_destroy().
 *
 *   mongo_odm_doc_t *doc;
 *   bool found;
 *   if (!mongo_odm_try_get(model, "42", &doc, &found, &error)) {
 *     // failed: error.message says why
 *   } else if (!found) {
 *     // not found
 *   } else {
 *     // use doc, then:
 *     mongo_odm_doc_destroy(doc);
 *   }
 *
 * `out` and `found` are required (INVALID_ARGUMENT). Errors: VALIDATION when the stored document
 * does not fit the model, and the shared ones. (Since 0.2.) */
MONGO_ODM_API(bool) mongo_odm_try_get(const mongo_odm_model_t *model, const char *id, mongo_odm_doc_t **out,
                                      bool *found, mongo_odm_error_t *error);

/* mongo_odm_try_get() for the first document matching `filter` (NULL = {}), with the options of
 * mongo_odm_find_one(). Same outcomes and ownership. (Since 0.2.) */
MONGO_ODM_API(bool) mongo_odm_try_find_one(const mongo_odm_model_t *model, const bson_t *filter,
                                           const bson_t *opts, mongo_odm_doc_t **out, bool *found,
                                           mongo_odm_error_t *error);

/* Deprecated (kept for programs built against 0.1): prefer mongo_odm_try_get(), whose result
 * cannot be misread. The document whose _id is the string `id`, or NULL. NULL with error code
 * MONGO_ODM_OK means "not found"; check the code to tell it from a failure. VALIDATION when the
 * stored document does not fit the model. The returned document is the caller's to destroy. */
MONGO_ODM_API(mongo_odm_doc_t *) mongo_odm_get(const mongo_odm_model_t *model, const char *id,
                                               mongo_odm_error_t *error);

/* Deprecated (kept for programs built against 0.1): prefer mongo_odm_try_find_one(). The
 * first document matching `filter` (NULL = {}), with find options (sort, skip, projection,
 * ...), or NULL; "not found" as for mongo_odm_get(). */
MONGO_ODM_API(mongo_odm_doc_t *) mongo_odm_find_one(const mongo_odm_model_t *model, const bson_t *filter,
                                                    const bson_t *opts, mongo_odm_error_t *error);

/* A cursor over the documents matching `filter` (NULL = {}); options "sort", "limit",
 * "skip", "projection", "batchSize", "hint", "maxTimeMS". Read it with mongo_odm_cursor_next().
 * Returns NULL only when the operation cannot start (argument, model or connection errors);
 * errors after that are reported by the cursor. */
MONGO_ODM_API(mongo_odm_cursor_t *) mongo_odm_find(const mongo_odm_model_t *model, const bson_t *filter,
                                                   const bson_t *opts, mongo_odm_error_t *error);

/* Counts documents matching `filter` (NULL = {}) into `*count` (required). */
MONGO_ODM_API(bool) mongo_odm_count(const mongo_odm_model_t *model, const bson_t *filter, int64_t *count,
                                    mongo_odm_error_t *error);

/* update_one(filter, update, upsert). `*changed` (may be NULL) is lightodm's result:
 * modified_count > 0 or (upsert and a document was upserted). */
MONGO_ODM_API(bool) mongo_odm_update_one(const mongo_odm_model_t *model, const bson_t *filter,
                                         const bson_t *update, bool upsert, bool *changed,
                                         mongo_odm_error_t *error);

/* update_many(filter, update). `*modified_count` (may be NULL) gets the number modified. */
MONGO_ODM_API(bool) mongo_odm_update_many(const mongo_odm_model_t *model, const bson_t *filter,
                                          const bson_t *update, int64_t *modified_count,
                                          mongo_odm_error_t *error);

/* delete_one(filter). `*deleted` (may be NULL): whether a document was removed. */
MONGO_ODM_API(bool) mongo_odm_delete_one(const mongo_odm_model_t *model, const bson_t *filter, bool *deleted,
                                         mongo_odm_error_t *error);

/* delete_many(filter). `*deleted_count` (may be NULL): how many were removed. */
MONGO_ODM_API(bool) mongo_odm_delete_many(const mongo_odm_model_t *model, const bson_t *filter,
                                          int64_t *deleted_count, mongo_odm_error_t *error);

/* Inserts the documents (each converted with mongo_odm_doc_to_bson(doc, false)). Every
 * document is converted and checked before anything is sent: a VALIDATION or ENCODING error
 * means nothing was written. n_docs == 0 is a successful no-op without a server call.
 * Documents must belong to `model`. Ordered: on DUPLICATE_KEY the documents before the
 * failing one stay inserted, as in MongoDB. */
MONGO_ODM_API(bool) mongo_odm_insert_many(const mongo_odm_model_t *model, mongo_odm_doc_t *const *docs,
                                          size_t n_docs, mongo_odm_error_t *error);

/* Runs an aggregation pipeline (a BSON array of stages, or {"pipeline": [...]}) with options
 * "allowDiskUse", "batchSize", "maxTimeMS", "comment". The cursor yields raw documents: read
 * it with mongo_odm_cursor_next_bson(). */
MONGO_ODM_API(mongo_odm_cursor_t *) mongo_odm_aggregate(const mongo_odm_model_t *model, const bson_t *pipeline,
                                                        const bson_t *opts, mongo_odm_error_t *error);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_CRUD_H */
