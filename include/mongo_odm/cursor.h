/*
 * mongo_odm/cursor.h - reading query results.
 *
 * Cursors come from mongo_odm_find() (model documents) and from mongo_odm_aggregate(),
 * mongo_odm_collection_find() and mongo_odm_collection_aggregate() (raw documents). A cursor
 * belongs to one thread at a time and holds one pooled connection until it is destroyed;
 * documents are fetched from the server in batches ("batchSize" option) as they are read, so
 * memory stays bounded by one batch whatever the size of the result.
 *
 *   const mongo_odm_doc_t *doc;
 *   while (mongo_odm_cursor_next(cursor, &doc)) {
 *     // use doc (borrowed until the next call)
 *   }
 *   if (mongo_odm_cursor_error(cursor, &error)) {
 *     // the iteration stopped on an error: error.message says why
 *   }
 *   mongo_odm_cursor_destroy(cursor);
 *
 * After fork(), a cursor opened before it belongs to the parent (it reads from the parent's
 * connection): in the child, mongo_odm_cursor_next() and mongo_odm_cursor_next_bson() fail
 * with MONGO_ODM_ERROR_CONNECTION, and mongo_odm_cursor_destroy() releases it without telling
 * the server (the parent keeps reading it). Open a new cursor in the child.
 */
#ifndef MONGO_ODM_CURSOR_H
#define MONGO_ODM_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* Advances to the next document of a model cursor (from mongo_odm_find()). Returns true and
 * sets `*doc` to a document borrowed from the cursor, valid until the next call or until the
 * cursor is destroyed (copy what you keep, e.g. with mongo_odm_doc_copy()). Returns false at
 * the end of the results or on an error, with `*doc` set to NULL; tell them apart with
 * mongo_odm_cursor_error(). A document that does not fit the model stops the iteration with a
 * VALIDATION error, unless mongo_odm_cursor_set_skip_invalid() is on; to read such documents,
 * use mongo_odm_cursor_next_or_raw(). On a raw cursor (no model) it fails with INVALID_ARGUMENT. NULL arguments
 * return false (a NULL cursor records nothing). */
MONGO_ODM_API(bool) mongo_odm_cursor_next(mongo_odm_cursor_t *cursor, const mongo_odm_doc_t **doc);

/* Stored documents that no longer fit the model (since 0.2). Two ways through, instead of the
 * VALIDATION error that stops mongo_odm_cursor_next():
 *
 * 1. Skip them: after mongo_odm_cursor_set_skip_invalid(cursor, true), mongo_odm_cursor_next()
 *    passes over documents that do not fit (other errors still stop it) and
 *    mongo_odm_cursor_skipped_count() says how many it passed over.
 *
 * 2. Read them raw: mongo_odm_cursor_next_or_raw() returns each document either as a model
 *    document (`*doc`, when it fits) or as the stored BSON (`*raw`, when it does not) with the
 *    VALIDATION error that says why in `invalid` (may be NULL). Both are borrowed until the next
 *    call or until the cursor is destroyed. Returns false at the end or on another error (tell
 *    them apart with mongo_odm_cursor_error()), with both set to NULL.
 *
 *   const mongo_odm_doc_t *doc;
 *   const bson_t *raw;
 *   mongo_odm_error_t why;
 *   while (mongo_odm_cursor_next_or_raw(cursor, &doc, &raw, &why)) {
 *     if (doc) {
 *       // a model document
 *     } else {
 *       // raw BSON; why.message says what is wrong
 *     }
 *   }
 *
 * For one document by id, the raw form is mongo_odm_collection_find_one() on the model's
 * collection. set_skip_invalid: INVALID_ARGUMENT for a NULL cursor. next_or_raw: false for NULL
 * cursor, doc or raw (and on a raw cursor: INVALID_ARGUMENT through mongo_odm_cursor_error()).
 * skipped_count: 0 for NULL. */
MONGO_ODM_API(bool) mongo_odm_cursor_set_skip_invalid(mongo_odm_cursor_t *cursor, bool skip,
                                                      mongo_odm_error_t *error);
MONGO_ODM_API(int64_t) mongo_odm_cursor_skipped_count(const mongo_odm_cursor_t *cursor);
MONGO_ODM_API(bool) mongo_odm_cursor_next_or_raw(mongo_odm_cursor_t *cursor, const mongo_odm_doc_t **doc,
                                                 const bson_t **raw, mongo_odm_error_t *invalid);

/* Advances to the next document as raw BSON (any cursor). `*doc` is borrowed until the next
 * call or until the cursor is destroyed. Returns false at the end or on an error. */
MONGO_ODM_API(bool) mongo_odm_cursor_next_bson(mongo_odm_cursor_t *cursor, const bson_t **doc);

/* True when the cursor stopped on an error, which is copied to `error` (may be NULL); false
 * (with `error` set to OK) while it is fine or merely exhausted. A NULL cursor is reported as
 * an INVALID_ARGUMENT error. */
MONGO_ODM_API(bool) mongo_odm_cursor_error(const mongo_odm_cursor_t *cursor, mongo_odm_error_t *error);

/* Releases the cursor (killing it on the server if it was not exhausted) and its connection.
 * NULL is a no-op. */
MONGO_ODM_API(void) mongo_odm_cursor_destroy(mongo_odm_cursor_t *cursor);

/* ---- issue 16 ---------------------------------------------------------------------------- */

/* The server's id of the cursor (pymongo's Cursor.cursor_id): 0 for NULL, before the first
 * batch arrived, and once the server closed it (all results sent). Killing it on the server
 * (killCursors) makes the next fetch fail with SERVER, server_code 43 (CursorNotFound). Reads
 * the cursor: call it from the thread that owns the cursor. (Since 0.2.) */
MONGO_ODM_API(int64_t) mongo_odm_cursor_id(const mongo_odm_cursor_t *cursor);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_CURSOR_H */
