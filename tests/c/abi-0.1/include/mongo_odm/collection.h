/*
 * mongo_odm/collection.h - raw collection operations (pymongo's Collection methods, in C).
 *
 * A collection handle names (client, database, collection). It keeps its client's pool alive,
 * is safe to share across threads, and every operation borrows a pooled connection for its
 * duration. Documents are plain bson_t; no model validation happens here.
 *
 * Common rules:
 *  - `filter`, `update`, `opts`, documents: borrowed for the call.
 *  - A NULL filter means {} for reads (find, find_one, count_documents); update, replace and
 *    delete operations require a filter (NULL is INVALID_ARGUMENT), so nothing rewrites or
 *    deletes a whole collection by accident: pass an empty document to mean "all".
 *  - `opts` may be NULL. Option names are MongoDB's command option names as libmongoc takes
 *    them ("sort", "limit", "skip", "projection", "batchSize", "hint", "maxTimeMS", "upsert",
 *    "ordered", "allowDiskUse", "comment", ...); unknown names are passed to the server, which
 *    may reject them (SERVER error).
 *  - `reply` (may be NULL) is uninitialized caller storage that is always initialized, also on
 *    failure, and must be bson_destroy()ed by the caller. Its fields follow pymongo's result
 *    objects: insertedId(s), insertedCount, matchedCount, modifiedCount, upsertedCount,
 *    upsertedId, deletedCount.
 *  - Errors shared by all operations: INVALID_ARGUMENT (NULL handle or required argument),
 *    CONNECTION (no server selected, connection lost, authentication failed), TIMEOUT,
 *    SERVER (server_code set), ENCODING (a document libmongoc or the server cannot take).
 */
#ifndef MONGO_ODM_COLLECTION_H
#define MONGO_ODM_COLLECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* Creates a handle on db_name.collection_name of `client`. No server call is made.
 * Errors: INVALID_ARGUMENT for NULL arguments or invalid names (empty, not UTF-8, a database
 * name with / \ . " $ space, a collection name containing '$' or NUL or starting with
 * "system."). The handle must be released with mongo_odm_collection_destroy(). */
MONGO_ODM_API(mongo_odm_collection_t *) mongo_odm_collection_new(mongo_odm_client_t *client,
                                                                 const char *db_name,
                                                                 const char *collection_name,
                                                                 mongo_odm_error_t *error);

/* NULL is a no-op. */
MONGO_ODM_API(void) mongo_odm_collection_destroy(mongo_odm_collection_t *collection);

/* Borrowed names; NULL when `collection` is NULL. */
MONGO_ODM_API(const char *) mongo_odm_collection_name(const mongo_odm_collection_t *collection);
MONGO_ODM_API(const char *) mongo_odm_collection_database_name(const mongo_odm_collection_t *collection);

/* The client the collection was created from (borrowed, lives as long as the collection). */
MONGO_ODM_API(mongo_odm_client_t *) mongo_odm_collection_client(const mongo_odm_collection_t *collection);

/* The first document matching `filter` (options as for find; limit is forced to 1). `out` is
 * always initialized; `*found` (required) tells whether a document was copied into it. */
MONGO_ODM_API(bool) mongo_odm_collection_find_one(mongo_odm_collection_t *collection, const bson_t *filter,
                                                  const bson_t *opts, bson_t *out, bool *found,
                                                  mongo_odm_error_t *error);

/* A cursor over the documents matching `filter`; read it with mongo_odm_cursor_next_bson().
 * Returns NULL only for argument errors; server errors surface from the cursor (see cursor.h).
 * The cursor holds one pooled connection until it is destroyed. */
MONGO_ODM_API(mongo_odm_cursor_t *) mongo_odm_collection_find(mongo_odm_collection_t *collection,
                                                              const bson_t *filter, const bson_t *opts,
                                                              mongo_odm_error_t *error);

/* Inserts `document`. When it has no "_id", a new ObjectId is put first. Reply:
 * {insertedId, insertedCount: 1}. DUPLICATE_KEY when the id exists; ENCODING for a top-level
 * key starting with '$', an empty key or invalid UTF-8. */
MONGO_ODM_API(bool) mongo_odm_collection_insert_one(mongo_odm_collection_t *collection,
                                                    const bson_t *document, const bson_t *opts,
                                                    bson_t *reply, mongo_odm_error_t *error);

/* Inserts n_documents documents (n_documents == 0 is a successful no-op that makes no server
 * call). Documents without "_id" get a new ObjectId. Every document is checked before
 * anything is sent, so an invalid document means nothing was written. Reply:
 * {insertedIds: [...], insertedCount}. With the default ordered=true the server stops at the
 * first failing document; documents before it stay inserted (MongoDB semantics) and
 * insertedCount says how many. */
MONGO_ODM_API(bool) mongo_odm_collection_insert_many(mongo_odm_collection_t *collection,
                                                     const bson_t *const *documents, size_t n_documents,
                                                     const bson_t *opts, bson_t *reply,
                                                     mongo_odm_error_t *error);

/* Replaces the first document matching `filter` by `replacement` (option "upsert": true to
 * insert when nothing matches). Reply: {matchedCount, modifiedCount, upsertedCount[,
 * upsertedId]}. ENCODING when the replacement has a top-level key starting with '$'. */
MONGO_ODM_API(bool) mongo_odm_collection_replace_one(mongo_odm_collection_t *collection, const bson_t *filter,
                                                     const bson_t *replacement, const bson_t *opts,
                                                     bson_t *reply, mongo_odm_error_t *error);

/* Applies `update` (operators like {"$set": ...}, or a pipeline array) to the first / to every
 * document matching `filter`. Reply as for replace_one. INVALID_ARGUMENT when `update` is
 * not an operator document (use replace_one to replace a document). */
MONGO_ODM_API(bool) mongo_odm_collection_update_one(mongo_odm_collection_t *collection, const bson_t *filter,
                                                    const bson_t *update, const bson_t *opts,
                                                    bson_t *reply, mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_collection_update_many(mongo_odm_collection_t *collection, const bson_t *filter,
                                                     const bson_t *update, const bson_t *opts,
                                                     bson_t *reply, mongo_odm_error_t *error);

/* Deletes the first / every document matching `filter`. Reply: {deletedCount}. */
MONGO_ODM_API(bool) mongo_odm_collection_delete_one(mongo_odm_collection_t *collection, const bson_t *filter,
                                                    const bson_t *opts, bson_t *reply,
                                                    mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_collection_delete_many(mongo_odm_collection_t *collection, const bson_t *filter,
                                                     const bson_t *opts, bson_t *reply,
                                                     mongo_odm_error_t *error);

/* Counts the documents matching `filter` (options "limit", "skip", "hint", "maxTimeMS").
 * `*count` (required) is set on success. */
MONGO_ODM_API(bool) mongo_odm_collection_count_documents(mongo_odm_collection_t *collection,
                                                         const bson_t *filter, const bson_t *opts,
                                                         int64_t *count, mongo_odm_error_t *error);

/* Runs an aggregation. `pipeline` is a BSON array of stages ({"0": {...}, "1": {...}}) or a
 * document {"pipeline": [...]}. Options: "allowDiskUse", "batchSize", "maxTimeMS", "comment",
 * ... Read results with mongo_odm_cursor_next_bson(). Returns NULL only for argument errors. */
MONGO_ODM_API(mongo_odm_cursor_t *) mongo_odm_collection_aggregate(mongo_odm_collection_t *collection,
                                                                   const bson_t *pipeline,
                                                                   const bson_t *opts,
                                                                   mongo_odm_error_t *error);

/* Drops the collection. Dropping a collection that does not exist succeeds (as in pymongo). */
MONGO_ODM_API(bool) mongo_odm_collection_drop(mongo_odm_collection_t *collection, mongo_odm_error_t *error);

/* Creates an index on `keys` ({"field": 1, "other": -1}). `opts` may hold index options
 * ("name", "unique", "sparse", ...). Without "name" the name is pymongo's: "field_1_other_-1".
 * Reply: {name: "<index name>"}. Creating an existing identical index succeeds. */
MONGO_ODM_API(bool) mongo_odm_collection_create_index(mongo_odm_collection_t *collection, const bson_t *keys,
                                                      const bson_t *opts, bson_t *reply,
                                                      mongo_odm_error_t *error);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_COLLECTION_H */
