/*
 * mongo_odm/collection_extra.h - pymongo's remaining Collection methods, in C: the
 * find-one-and-modify family, distinct, the estimated count, index management and rename.
 * (Since 0.2; issue 16.)
 *
 * collection.h's common rules apply: arguments are borrowed for the call; `opts` may be NULL and
 * holds MongoDB's command option names, unknown ones being passed to the server; `out` and
 * `reply` are uninitialized caller storage, always initialized (also on failure), that the
 * caller bson_destroy()s; the shared errors are INVALID_ARGUMENT (NULL handle or required
 * argument), CONNECTION, TIMEOUT (REASON_EXECUTION_TIMEOUT for maxTimeMS, server code 50),
 * SERVER (server_code set), CANCELLED. Every function is safe to call from several threads on
 * one collection handle; each borrows a pooled connection for its duration.
 */
#ifndef MONGO_ODM_COLLECTION_EXTRA_H
#define MONGO_ODM_COLLECTION_EXTRA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* The findAndModify command: atomically finds the first document matching `filter` (required;
 * {} for any) in "sort" order, and updates, replaces or deletes it. `out` receives the document
 * as it was before the change, or after it with opts {"returnDocument": "after"}; `*found`
 * (required) is false when no document matched (and, for an upsert returning the old
 * document, when the document was inserted). Options: "sort", "projection" (sent as
 * findAndModify's "fields"), "returnDocument" ("before" (default) or "after"; not for delete),
 * "upsert" (bool; not for delete), "arrayFilters" (update), "hint", "maxTimeMS", "collation",
 * "comment", "let"; others are sent as given.
 * update:  `update` is operators ({"$inc": ...}) or a pipeline array; anything else is
 *          INVALID_ARGUMENT (use find_one_and_replace).
 * replace: ENCODING when `replacement` has a top-level key starting with '$' (collection.h's
 *          rules for stored documents).
 * Errors: DUPLICATE_KEY (a unique index refused the change), INVALID_ARGUMENT for a
 * "returnDocument" other than "before"/"after", and the shared ones.
 * The test server, FerretDB 1.24, answers NotImplemented (SERVER, server_code 238) to a
 * projection, and reports a duplicate key of findAndModify with server_code 1 (its SQLite
 * constraint message; still DUPLICATE_KEY). */
MONGO_ODM_API(bool) mongo_odm_collection_find_one_and_update(mongo_odm_collection_t *collection,
                                                             const bson_t *filter, const bson_t *update,
                                                             const bson_t *opts, bson_t *out, bool *found,
                                                             mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_collection_find_one_and_replace(mongo_odm_collection_t *collection,
                                                              const bson_t *filter, const bson_t *replacement,
                                                              const bson_t *opts, bson_t *out, bool *found,
                                                              mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_collection_find_one_and_delete(mongo_odm_collection_t *collection,
                                                             const bson_t *filter, const bson_t *opts,
                                                             bson_t *out, bool *found, mongo_odm_error_t *error);

/* The distinct values of `key` (a dotted path; required, non-empty) among the documents
 * matching `filter` (NULL: all). `reply` (required) receives {"values": [...]} in the server's
 * order. Options: "maxTimeMS", "collation", "comment", "hint". */
MONGO_ODM_API(bool) mongo_odm_collection_distinct(mongo_odm_collection_t *collection, const char *key,
                                                  const bson_t *filter, const bson_t *opts, bson_t *reply,
                                                  mongo_odm_error_t *error);

/* The collection's document count from its metadata (the count command without a filter;
 * pymongo's estimated_document_count): 0 for a collection that does not exist. `*count`
 * (required) is set on success. Options: "maxTimeMS", "comment". */
MONGO_ODM_API(bool) mongo_odm_collection_estimated_document_count(mongo_odm_collection_t *collection,
                                                                  const bson_t *opts, int64_t *count,
                                                                  mongo_odm_error_t *error);

/* Creates `n_indexes` indexes in one createIndexes command, no questions asked (compare
 * mongo_odm_collection_ensure_indexes() in index.h, which checks existing ones). Each
 * specification is index.h's {"key": {...}, "name"?, options...} (pymongo's
 * IndexModel.document); a specification without "name" gets pymongo's default name.
 * `reply` (may be NULL) receives {"names": [...]} in the order given. `opts`: "maxTimeMS",
 * "comment", "commitQuorum". n_indexes == 0 is a successful no-op without a server call.
 * Errors: INVALID_ARGUMENT (NULL indexes with n_indexes > 0, a NULL specification, one without
 * a non-empty "key" document, a "name" that is not a string), SERVER (85/86 for a conflict with
 * an existing index; FerretDB 1.24: 238 for TTL and partial indexes). */
MONGO_ODM_API(bool) mongo_odm_collection_create_indexes(mongo_odm_collection_t *collection,
                                                        const bson_t *const *indexes, size_t n_indexes,
                                                        const bson_t *opts, bson_t *reply,
                                                        mongo_odm_error_t *error);

/* Drops the index named `index_name` (required); "*" drops every index but _id's (pymongo's
 * drop_indexes()). `opts`: "maxTimeMS", "comment". Errors: SERVER (27 IndexNotFound for a name
 * the collection lacks; 26 NamespaceNotFound when the collection does not exist, on MongoDB). */
MONGO_ODM_API(bool) mongo_odm_collection_drop_index(mongo_odm_collection_t *collection, const char *index_name,
                                                    const bson_t *opts, mongo_odm_error_t *error);

/* Renames the collection to `new_name` in the same database (the handle keeps naming the old
 * name, as a pymongo Collection does). `drop_target`: replace an existing collection of that
 * name (otherwise SERVER, code 48 NamespaceExists). `opts`: "comment", write concern.
 * Errors: INVALID_ARGUMENT (NULL or invalid new_name, collection.h's naming rules), SERVER
 * (26 when the collection does not exist). FerretDB 1.24 answers NotImplemented (238) to
 * drop_target = true. */
MONGO_ODM_API(bool) mongo_odm_collection_rename(mongo_odm_collection_t *collection, const char *new_name,
                                                bool drop_target, const bson_t *opts, mongo_odm_error_t *error);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_COLLECTION_EXTRA_H */
