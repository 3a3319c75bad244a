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

#include <bson/bson.h>

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

/* The declaration of the field `name` (top-level, as given to mongo_odm_model_add_field();
 * borrowed for the call). Returns true and writes its type to *type and its flags
 * (MONGO_ODM_FIELD_*) to *flags (when not NULL) if the model declares it; returns false and
 * writes nothing for an undeclared ("extra") field or a dotted path, and for a NULL model, name
 * or type. No error struct: there is no other failure. Thread-safe on a configured model (see
 * the top of this header). The C++ wrapper's integer setters use it to pick int32 or int64.
 * Since 0.2. */
MONGO_ODM_API(bool) mongo_odm_model_field_type(const mongo_odm_model_t *model, const char *name,
                                               mongo_odm_field_type_t *type, unsigned *flags);

/* Bring your own connection: the model's operations use `collection` (borrowed: it must
 * outlive the model, or be replaced first) instead of the default client's database.
 * NULL restores the default. Errors: INVALID_ARGUMENT for a NULL model. */
MONGO_ODM_API(bool) mongo_odm_model_set_collection(mongo_odm_model_t *model,
                                                   mongo_odm_collection_t *collection,
                                                   mongo_odm_error_t *error);

/* Checked updates (since 0.2). mongo_odm_update_one() and mongo_odm_update_many() check the
 * update operators against the declared fields before anything is sent, and fail with
 * VALIDATION (the message names the operator and the field; nothing is sent) when the update
 * would leave a document that no longer fits the model:
 *   $set, $setOnInsert, $min, $max   a value that does not fit the field's type (or null on a
 *                                   field that is not NULLABLE);
 *   $inc, $mul                      a field that is not numeric, a non-numeric operand, or a
 *                                   result type the field does not take ($inc of a double on
 *                                   an int32 field);
 *   $bit                            a field that is not int32/int64;
 *   $unset, $rename                 a REQUIRED field (renaming it removes it), or a rename onto
 *                                   a declared field of another type;
 *   $currentDate                    a field that is not a datetime (timestamp: not ANY);
 *   $push $addToSet $pop $pull $pullAll  a field that is not an array.
 * Only top-level declared fields are checked: extra fields, dotted sub-paths ("a.b"), unknown
 * operators and pipeline updates (an array of stages) are left to the server. A model without
 * declared fields checks nothing. Models check by default; programs built against 0.1 get the
 * check too (an update that would have stored a document its model cannot read now fails).
 *
 * Opt-outs for raw updates: mongo_odm_model_set_check_updates(model, false) for a model, or the
 * raw mongo_odm_collection_update_one()/_update_many() (collection.h), never checked.
 * Configure before sharing the model (see the top of this header). Errors: INVALID_ARGUMENT for
 * a NULL model. */
MONGO_ODM_API(bool) mongo_odm_model_set_check_updates(mongo_odm_model_t *model, bool enabled,
                                                      mongo_odm_error_t *error);
/* Whether the model checks updates (false for NULL). */
MONGO_ODM_API(bool) mongo_odm_model_check_updates(const mongo_odm_model_t *model);

/* Checks `update` against the model's declared fields as mongo_odm_update_one() does, without
 * sending anything and whatever mongo_odm_model_check_updates() says. Returns true when it
 * passes. Errors: INVALID_ARGUMENT (NULL model or update), ENCODING (corrupt BSON), VALIDATION
 * (as above). Thread-safe on a configured model. */
MONGO_ODM_API(bool) mongo_odm_model_check_update(const mongo_odm_model_t *model, const bson_t *update,
                                                 mongo_odm_error_t *error);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_MODEL_H */
