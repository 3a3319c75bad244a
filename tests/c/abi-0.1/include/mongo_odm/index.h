/*
 * mongo_odm/index.h - indexes declared on a model (Settings.indexes), created by one call.
 * (Since 0.2.)
 *
 * An index specification is a createIndexes entry (pymongo's IndexModel.document):
 *   {"key": {"field": 1, "other": -1}, "name": "...", "unique": true, ...}
 * Directions are non-zero numbers (1, -1) or strings ("text", "2dsphere", "hashed", ...);
 * options are MongoDB's (name, unique, sparse, expireAfterSeconds, partialFilterExpression,
 * collation, hidden, ...) and are passed to the server as given. Without "name" the name is
 * pymongo's: "field_1_other_-1".
 *
 * Ensuring indexes: the collection's indexes are listed (listIndexes); a declared index whose
 * name is not there is created (one createIndexes command for all of them); one whose name is
 * there with the same keys and options is left alone (ensuring is idempotent). When the name
 * exists with other keys or other options, nothing at all is created and the call fails with
 * MONGO_ODM_ERROR_SERVER and MongoDB's own code for that conflict: server_code 86
 * (IndexKeySpecsConflict) for other keys, 85 (IndexOptionsConflict) for other options; the
 * message names the index and shows both. Options compared: every option of the declaration
 * (numbers by value, unique/sparse/hidden false the same as absent), and unique, sparse,
 * hidden, expireAfterSeconds, partialFilterExpression and collation of the existing index even
 * when the declaration lacks them. An index of the same keys under another name is not looked
 * for: the server decides (MongoDB refuses it, code 85).
 *
 * The test server, FerretDB 1.24, answers NotImplemented (SERVER, server_code 238) to TTL
 * (expireAfterSeconds) and partial (partialFilterExpression) indexes.
 */
#ifndef MONGO_ODM_INDEX_H
#define MONGO_ODM_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* Declares an index of the model on `keys` with `opts` (may be NULL), both copied. The
 * specification is checked now (nothing is sent): INVALID_ARGUMENT for a NULL model or keys,
 * empty keys, a direction that is neither a non-zero number nor a string, a "name" that is not
 * a non-empty string, a "key" in opts, or a name (given or default) the model declared
 * already. */
MONGO_ODM_API(bool) mongo_odm_model_add_index(mongo_odm_model_t *model, const bson_t *keys, const bson_t *opts,
                                              mongo_odm_error_t *error);

/* The number of indexes declared on the model (0 for NULL), and the i-th specification
 * ({key, name, options...}; borrowed from the model; NULL when out of range). */
MONGO_ODM_API(size_t) mongo_odm_model_index_count(const mongo_odm_model_t *model);
MONGO_ODM_API(const bson_t *) mongo_odm_model_index(const mongo_odm_model_t *model, size_t i);

/* Ensures the model's declared indexes on its collection (crud.h says which collection), as
 * described above. `reply` (may be NULL; uninitialized caller storage, always initialized, the
 * caller bson_destroy()s it): {"created": [names], "existing": [names]} and, when something
 * was sent, "command": the createIndexes command; on a server error also the server's reply
 * fields. A model without declared indexes makes no server call.
 * Errors: INVALID_ARGUMENT (NULL model), NOT_IMPLEMENTED (no collection name), SERVER (a
 * conflict, as above, or the server refused an index), and crud.h's shared errors. */
MONGO_ODM_API(bool) mongo_odm_ensure_indexes(const mongo_odm_model_t *model, bson_t *reply,
                                             mongo_odm_error_t *error);

/* The same on a collection for `n_indexes` specifications (borrowed; n_indexes == 0 is a
 * successful no-op without a server call). Errors: INVALID_ARGUMENT (NULL collection, NULL
 * indexes with n_indexes > 0, a NULL or invalid specification, a name declared twice), SERVER,
 * and collection.h's shared errors. */
MONGO_ODM_API(bool) mongo_odm_collection_ensure_indexes(mongo_odm_collection_t *collection,
                                                        const bson_t *const *indexes, size_t n_indexes,
                                                        bson_t *reply, mongo_odm_error_t *error);

/* The collection's indexes (listIndexes): `reply` (required; uninitialized caller storage,
 * always initialized) receives {"indexes": [...]}, empty for a collection that does not exist.
 * Errors: INVALID_ARGUMENT (NULL collection or reply), collection.h's shared errors. */
MONGO_ODM_API(bool) mongo_odm_collection_list_indexes(mongo_odm_collection_t *collection, bson_t *reply,
                                                      mongo_odm_error_t *error);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_INDEX_H */
