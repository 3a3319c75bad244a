/*
 * mongo_odm/doc.h - documents: bson_t-backed handles with an id, typed declared fields and
 * extra fields, in insertion order.
 *
 * Keys: valid UTF-8, not empty, not starting with '$'. "id" and "_id" both address the id.
 * Setting a key that exists replaces its value in place (its position is kept); setting a new
 * key appends it. A value set on a declared field must fit the field's type (see model.h),
 * otherwise the call fails with VALIDATION and the document is unchanged.
 *
 * Ids. By default an id is a string: mongo_odm_doc_new() gives a new ObjectId's 24-hex string
 * (lightodm stores str(ObjectId())). A document loaded with a non-string _id keeps that value
 * and its type: mongo_odm_doc_id() returns the 24-hex form of an ObjectId and NULL for other
 * types, mongo_odm_doc_get(doc, "_id") returns the raw value, and save/delete match on the
 * original value and type. A model with a composite key derives the id from its key fields
 * (an explicit id is overridden, as in lightodm).
 *
 * Borrowed results (`const char *`, `const bson_value_t *`, `const bson_t *`) stay valid until
 * the document is next modified or destroyed.
 */
#ifndef MONGO_ODM_DOC_H
#define MONGO_ODM_DOC_H

#include <stdbool.h>
#include <stdint.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* MongoDB's limits on a document, which the library enforces (ENCODING errors) wherever a
 * document is stored, encoded or read (since 0.2):
 * MONGO_ODM_MAX_DOCUMENT_SIZE  the largest document, in bytes of BSON (16 MiB);
 * MONGO_ODM_MAX_DOCUMENT_DEPTH the deepest nesting of documents and arrays, the top-level
 *                              document counting as the first level. */
#define MONGO_ODM_MAX_DOCUMENT_SIZE 16777216
#define MONGO_ODM_MAX_DOCUMENT_DEPTH 100

/* A new empty document of `model` whose id is a new ObjectId string (for a composite-key
 * model the id is derived once the key fields are set). Returns NULL only when `model` is
 * NULL or memory is exhausted. The model must outlive the document. */
MONGO_ODM_API(mongo_odm_doc_t *) mongo_odm_doc_new(const mongo_odm_model_t *model);

/* A document of `model` from `bson` (copied), validated against the model: "_id" becomes the
 * id (a null one leaves the id unset) and every other field is kept in order, an "id" key
 * included; without "_id", an "id" key becomes the id. A composite-key model recomputes the id from the key fields when they
 * are all present.
 * Errors: INVALID_ARGUMENT (NULL model or bson), ENCODING (corrupt BSON, invalid UTF-8, an
 * empty key or a top-level key starting with '$'), VALIDATION (a declared field missing or of
 * the wrong type; the message names it). */
MONGO_ODM_API(mongo_odm_doc_t *) mongo_odm_doc_from_bson(const mongo_odm_model_t *model, const bson_t *bson,
                                                         mongo_odm_error_t *error);

/* A deep copy of `doc` (NULL when `doc` is NULL). */
MONGO_ODM_API(mongo_odm_doc_t *) mongo_odm_doc_copy(const mongo_odm_doc_t *doc);

/* NULL is a no-op. */
MONGO_ODM_API(void) mongo_odm_doc_destroy(mongo_odm_doc_t *doc);

/* The model of the document (borrowed). */
MONGO_ODM_API(const mongo_odm_model_t *) mongo_odm_doc_model(const mongo_odm_doc_t *doc);

/* The id as a string: the string id, the 24-hex form of an ObjectId id, or for a
 * composite-key model the md5 of the key fields. NULL when the id is unset, of another type,
 * or (composite key) a key field is missing or null. */
MONGO_ODM_API(const char *) mongo_odm_doc_id(const mongo_odm_doc_t *doc);

/* Sets a string id; NULL clears it (a cleared id makes save fail with MISSING_ID).
 * Errors: INVALID_ARGUMENT (NULL doc), ENCODING (id not UTF-8). On a composite-key model the
 * call succeeds but the derived id still wins, as in lightodm. */
MONGO_ODM_API(bool) mongo_odm_doc_set_id(mongo_odm_doc_t *doc, const char *id, mongo_odm_error_t *error);

/* Typed setters. Errors: INVALID_ARGUMENT (NULL doc or key, NULL value where a pointer is
 * required), ENCODING (invalid key, invalid UTF-8 in a string, corrupt BSON value),
 * VALIDATION (the key is a declared field of another type, or null on a field that is not
 * NULLABLE). set_document/set_array copy `value`; set_array expects keys "0", "1", ... */
MONGO_ODM_API(bool) mongo_odm_doc_set_utf8(mongo_odm_doc_t *doc, const char *key, const char *value,
                                           mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_doc_set_int32(mongo_odm_doc_t *doc, const char *key, int32_t value,
                                            mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_doc_set_int64(mongo_odm_doc_t *doc, const char *key, int64_t value,
                                            mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_doc_set_double(mongo_odm_doc_t *doc, const char *key, double value,
                                             mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_doc_set_bool(mongo_odm_doc_t *doc, const char *key, bool value,
                                           mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_doc_set_null(mongo_odm_doc_t *doc, const char *key, mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_doc_set_datetime(mongo_odm_doc_t *doc, const char *key, int64_t ms_since_epoch,
                                               mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_doc_set_document(mongo_odm_doc_t *doc, const char *key, const bson_t *value,
                                               mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_doc_set_array(mongo_odm_doc_t *doc, const char *key, const bson_t *value,
                                            mongo_odm_error_t *error);
/* Any BSON value (copied). On "id"/"_id" a UTF-8 value sets a string id, null clears the id
 * (as mongo_odm_doc_set_id(doc, NULL) and mongo_odm_doc_set_null(doc, "id") do: Python's
 * id=None), and any other type sets a raw id of that type. */
MONGO_ODM_API(bool) mongo_odm_doc_set_value(mongo_odm_doc_t *doc, const char *key, const bson_value_t *value,
                                            mongo_odm_error_t *error);

/* True when `key` is present ("id"/"_id": when the id is set). False for NULL arguments. */
MONGO_ODM_API(bool) mongo_odm_doc_has(const mongo_odm_doc_t *doc, const char *key);

/* True when `key` is present and not a declared field of the model (never for the id). */
MONGO_ODM_API(bool) mongo_odm_doc_is_extra(const mongo_odm_doc_t *doc, const char *key);

/* The value of `key` (borrowed), or NULL when absent or on NULL arguments. "id"/"_id" give
 * the id value (a UTF-8 value for string and composite ids). */
MONGO_ODM_API(const bson_value_t *) mongo_odm_doc_get(const mongo_odm_doc_t *doc, const char *key);

/* Typed getters: the value when present and of the type (int64 and double getters also take
 * an int32, double also an int64), else NULL / false. get_utf8 returns a borrowed string. */
MONGO_ODM_API(const char *) mongo_odm_doc_get_utf8(const mongo_odm_doc_t *doc, const char *key);
MONGO_ODM_API(bool) mongo_odm_doc_get_int32(const mongo_odm_doc_t *doc, const char *key, int32_t *out);
MONGO_ODM_API(bool) mongo_odm_doc_get_int64(const mongo_odm_doc_t *doc, const char *key, int64_t *out);
MONGO_ODM_API(bool) mongo_odm_doc_get_double(const mongo_odm_doc_t *doc, const char *key, double *out);
MONGO_ODM_API(bool) mongo_odm_doc_get_bool(const mongo_odm_doc_t *doc, const char *key, bool *out);

/* Removes `key` ("id"/"_id" clear the id). Returns true when something was removed. A REQUIRED
 * field may be removed; saving the document then fails with VALIDATION. */
MONGO_ODM_API(bool) mongo_odm_doc_remove(mongo_odm_doc_t *doc, const char *key);

/* The fields other than the id, in insertion order, as a borrowed BSON document (iterate it
 * with bson_iter_init()). NULL when `doc` is NULL. */
MONGO_ODM_API(const bson_t *) mongo_odm_doc_fields(const mongo_odm_doc_t *doc);

/* lightodm's _to_mongo_dict(): "_id" first (the id, the composite id, or null when unset),
 * then the fields in insertion order; exclude_none drops null-valued fields (and a null id).
 * `out` is always initialized and must be bson_destroy()ed by the caller.
 * Errors: INVALID_ARGUMENT (NULL doc), VALIDATION (a REQUIRED field is missing; a
 * composite-key field is missing or null: "Composite key field 'x' is None. All fields must
 * have values."), ENCODING (a composite-key value that has no string form). */
MONGO_ODM_API(bool) mongo_odm_doc_to_bson(const mongo_odm_doc_t *doc, bool exclude_none, bson_t *out,
                                          mongo_odm_error_t *error);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_DOC_H */
