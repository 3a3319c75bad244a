/*
 * mongo_odm/model.h - models: the C twin of a lightodm MongoBaseModel subclass and its
 * inner Settings (collection name, composite key) plus its declared fields.
 *
 * Configure a model once, then share it read-only across threads; configuring it while other
 * threads use it is a data race.
 */
#ifndef MONGO_ODM_MODEL_H
#define MONGO_ODM_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* Creates a model for `collection_name`. NULL is allowed: the model can build documents, but
 * every database operation fails with NOT_IMPLEMENTED (like a model without Settings.name).
 * Errors: INVALID_ARGUMENT when the name is not a valid collection name (empty, not UTF-8,
 * containing '$' or NUL, starting with "system."). Release with mongo_odm_model_destroy(),
 * after every document and cursor of the model. */
MONGO_ODM_API(mongo_odm_model_t *) mongo_odm_model_new(const char *collection_name, mongo_odm_error_t *error);

/* NULL is a no-op. */
MONGO_ODM_API(void) mongo_odm_model_destroy(mongo_odm_model_t *model);

/* The collection name, or NULL when the model has none. Borrowed from the model. */
MONGO_ODM_API(const char *) mongo_odm_model_collection_name(const mongo_odm_model_t *model);

/* Settings.composite_key: document ids become md5(str(v1) + str(v2) + ...) of these fields'
 * values, in this order, each rendered as Python's str() renders it (see id.h and
 * mongo_odm_doc_id()). The field names are copied. Replaces a previous key.
 * Errors: VALIDATION "composite_key must be a non-empty list" when n_fields is 0;
 * INVALID_ARGUMENT for NULL arguments, a NULL or invalid field name, or "id"/"_id". */
MONGO_ODM_API(bool) mongo_odm_model_set_composite_key(mongo_odm_model_t *model, const char *const *fields,
                                                      size_t n_fields, mongo_odm_error_t *error);

/* The number of composite-key fields (0 when the model has none) and the i-th one (borrowed;
 * NULL when out of range). */
MONGO_ODM_API(size_t) mongo_odm_model_composite_key_size(const mongo_odm_model_t *model);
MONGO_ODM_API(const char *) mongo_odm_model_composite_key_field(const mongo_odm_model_t *model, size_t i);

/* Declared field types. ANY accepts every BSON type. */
typedef enum {
  MONGO_ODM_TYPE_ANY = 0,
  MONGO_ODM_TYPE_UTF8,
  MONGO_ODM_TYPE_INT32,
  MONGO_ODM_TYPE_INT64,
  MONGO_ODM_TYPE_DOUBLE,
  MONGO_ODM_TYPE_BOOL,
  MONGO_ODM_TYPE_DATETIME,
  MONGO_ODM_TYPE_OID,
  MONGO_ODM_TYPE_DOCUMENT,
  MONGO_ODM_TYPE_ARRAY,
  MONGO_ODM_TYPE_BINARY,
  MONGO_ODM_TYPE_DECIMAL128
} mongo_odm_field_type_t;

/* Field flags. */
enum {
  MONGO_ODM_FIELD_REQUIRED = 1u << 0, /* must be present in a saved or loaded document */
  MONGO_ODM_FIELD_NULLABLE = 1u << 1  /* may hold null */
};

/* Declares a field (the schema). Undeclared fields are "extra" and always allowed and kept.
 * Validation rules: a REQUIRED field must be present; a present field must have its type, or
 * be null when NULLABLE; int32 is accepted where int64 or double is declared (Pydantic's lax
 * mode). Violations are VALIDATION errors that name the field.
 * Errors: INVALID_ARGUMENT for a NULL model or name, an invalid name (empty, not UTF-8,
 * starting with '$', "id" or "_id"), an unknown type or unknown flag bits, or a field declared
 * twice. */
MONGO_ODM_API(bool) mongo_odm_model_add_field(mongo_odm_model_t *model, const char *name,
                                              mongo_odm_field_type_t type, unsigned flags,
                                              mongo_odm_error_t *error);

/* The number of declared fields. */
MONGO_ODM_API(size_t) mongo_odm_model_field_count(const mongo_odm_model_t *model);

/* Bring your own connection: the model's operations use `collection` (borrowed: it must
 * outlive the model, or be replaced first) instead of the default client's database.
 * NULL restores the default. Errors: INVALID_ARGUMENT for a NULL model. */
MONGO_ODM_API(bool) mongo_odm_model_set_collection(mongo_odm_model_t *model,
                                                   mongo_odm_collection_t *collection,
                                                   mongo_odm_error_t *error);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_MODEL_H */
