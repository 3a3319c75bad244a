/*
 * mongo_odm/bulk.h - bulk writes: operations queued on a writer, sent together. (Since 0.2.)
 *
 *   mongo_odm_bulk_t *bulk = mongo_odm_bulk_new(model, true, &error);
 *   mongo_odm_bulk_insert_doc(bulk, doc, &error);
 *   mongo_odm_bulk_update_one(bulk, filter, update, false, &error);
 *   bson_t reply;
 *   if (!mongo_odm_bulk_execute(bulk, &reply, &error)) {
 *     // failed: error.message says why, the reply what was written
 *   }
 *   bson_destroy(&reply);
 *   mongo_odm_bulk_destroy(bulk);
 *
 * Queuing checks and copies each operation (arguments are borrowed for the call): a bad one
 * fails at once and is not queued. Nothing is sent before mongo_odm_bulk_execute(), which
 * sends the queue with libmongoc's bulk operation in batches of at most
 * MONGO_ODM_BULK_MAX_BATCH operations (MongoDB's insert/update/delete commands, which every
 * server takes, FerretDB included; consecutive operations of one kind share a command) and
 * empties it, whatever happens: the writer can be used again.
 *
 * Ordered writers stop at the first failing operation (the ones before it stay written);
 * unordered ones attempt every operation. The reply (pymongo's raw BulkWriteResult, summed
 * over the batches): {"nInserted", "nMatched", "nModified", "nRemoved", "nUpserted" (int64),
 * "upserted": [{"index", "_id"}], "writeErrors": [{"index", "code", "errmsg", ...}],
 * "writeConcernErrors": [...]}, every "index" the operation's position in the queue (0 for the
 * first operation queued since the writer was created or last executed).
 *
 * Revisions and changed-field saves (changes.h) do not apply to bulk writes: save_doc is
 * lightodm's upsert of the whole document by _id.
 *
 * A writer belongs to one thread at a time; it keeps its collection's pool alive.
 */
#ifndef MONGO_ODM_BULK_H
#define MONGO_ODM_BULK_H

#include <stdbool.h>
#include <stddef.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* The most operations one batch sends (MongoDB's maxWriteBatchSize was 1,000 for years). */
#define MONGO_ODM_BULK_MAX_BATCH 1000

/* A writer on `collection` (borrowed for the call; the writer keeps what it needs).
 * Errors: INVALID_ARGUMENT (NULL collection). Release with mongo_odm_bulk_destroy(). */
MONGO_ODM_API(mongo_odm_bulk_t *) mongo_odm_collection_bulk_new(mongo_odm_collection_t *collection, bool ordered,
                                                                mongo_odm_error_t *error);

/* A writer on the model's collection (crud.h: its own, or the default connection's, connecting
 * from the environment on first use; resolved now). The model must outlive the writer when
 * model documents are queued. When the model checks updates (model.h,
 * mongo_odm_model_check_updates(), read now), the writer keeps a copy of its declared fields
 * and checks every queued update against it (see update_* below). Errors: INVALID_ARGUMENT (NULL model), NOT_IMPLEMENTED (no
 * collection name), CONFIGURATION / CONNECTION (the default connection could not be opened). */
MONGO_ODM_API(mongo_odm_bulk_t *) mongo_odm_bulk_new(const mongo_odm_model_t *model, bool ordered,
                                                     mongo_odm_error_t *error);

/* NULL is a no-op. Queued operations that were not executed are dropped. */
MONGO_ODM_API(void) mongo_odm_bulk_destroy(mongo_odm_bulk_t *bulk);

/* The number of queued operations (0 for NULL). */
MONGO_ODM_API(size_t) mongo_odm_bulk_size(const mongo_odm_bulk_t *bulk);

/* Queue operations. Shared errors: INVALID_ARGUMENT (NULL bulk or a required document).
 *  insert:      ENCODING for a document that cannot be stored (collection.h's rules); one
 *               without "_id" gets an ObjectId.
 *  replace_one: ENCODING as for insert (the replacement).
 *  update_*:    INVALID_ARGUMENT when `update` is neither operators nor a pipeline. A writer
 *               of mongo_odm_bulk_new() on a model that checks updates (the default; off with
 *               mongo_odm_model_set_check_updates(model, false) before mongo_odm_bulk_new())
 *               also checks the update against the model's declared fields, as
 *               mongo_odm_update_one/_many do (model.h, mongo_odm_model_check_update()):
 *               VALIDATION naming the operator, the field and the operation's position in the
 *               queue (since 0.2; programs built against 0.1 get the check too, as for
 *               update_one). Writers of mongo_odm_collection_bulk_new() do not check.
 *  delete_*:    a filter is required (pass {} to mean all). */
MONGO_ODM_API(bool) mongo_odm_bulk_insert(mongo_odm_bulk_t *bulk, const bson_t *document, mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_bulk_replace_one(mongo_odm_bulk_t *bulk, const bson_t *filter,
                                               const bson_t *replacement, bool upsert, mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_bulk_update_one(mongo_odm_bulk_t *bulk, const bson_t *filter, const bson_t *update,
                                              bool upsert, mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_bulk_update_many(mongo_odm_bulk_t *bulk, const bson_t *filter, const bson_t *update,
                                               bool upsert, mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_bulk_delete_one(mongo_odm_bulk_t *bulk, const bson_t *filter, mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_bulk_delete_many(mongo_odm_bulk_t *bulk, const bson_t *filter,
                                               mongo_odm_error_t *error);

/* Model documents: insert_doc queues mongo_odm_doc_to_bson(doc, false); save_doc queues
 * replace_one({"_id": id}, mongo_odm_doc_to_bson(doc, exclude_none), upsert=true), lightodm's
 * save. Errors: INVALID_ARGUMENT (NULL bulk or doc), MISSING_ID (save_doc without an id),
 * VALIDATION and ENCODING as for mongo_odm_doc_to_bson(). */
MONGO_ODM_API(bool) mongo_odm_bulk_insert_doc(mongo_odm_bulk_t *bulk, const mongo_odm_doc_t *doc,
                                              mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_bulk_save_doc(mongo_odm_bulk_t *bulk, const mongo_odm_doc_t *doc, bool exclude_none,
                                            mongo_odm_error_t *error);

/* Sends the queued operations and empties the queue (see above). An empty queue is a
 * successful no-op without a server call (its reply holds zero counts). `reply` (may be NULL;
 * uninitialized caller storage, always initialized, also on failure; the caller
 * bson_destroy()s it) receives the summed result.
 * Errors: INVALID_ARGUMENT (NULL bulk); DUPLICATE_KEY when the first failed operation's error
 * is a duplicate key, else SERVER (server_code: that operation's code; the message names its
 * index; writeErrors lists them all); CONNECTION, TIMEOUT, CANCELLED when a batch could not be
 * completed (the reply sums the batches that were). */
MONGO_ODM_API(bool) mongo_odm_bulk_execute(mongo_odm_bulk_t *bulk, bson_t *reply, mongo_odm_error_t *error);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_BULK_H */
