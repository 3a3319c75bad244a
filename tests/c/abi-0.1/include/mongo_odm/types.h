/*
 * mongo_odm/types.h - the opaque handle types.
 *
 * Every handle is created by a mongo_odm_X_new() (or returned by an operation) and released by
 * mongo_odm_X_destroy(), which accepts NULL. Handles are never copied by value.
 */
#ifndef MONGO_ODM_TYPES_H
#define MONGO_ODM_TYPES_H

#include "macros.h"

MONGO_ODM_BEGIN_DECLS

/* A connection pool to one deployment; safe to share across threads. */
typedef struct mongo_odm_client_t mongo_odm_client_t;
/* A (client, database, collection) triple for raw operations; safe to share across threads. */
typedef struct mongo_odm_collection_t mongo_odm_collection_t;
/* The result of a query; belongs to one thread at a time. */
typedef struct mongo_odm_cursor_t mongo_odm_cursor_t;
/* A document schema: collection name, composite key and declared fields. Share it read-only
 * once configured. */
typedef struct mongo_odm_model_t mongo_odm_model_t;
/* One document of a model: an id, typed declared fields and extra fields, in insertion order.
 * Belongs to one thread at a time. */
typedef struct mongo_odm_doc_t mongo_odm_doc_t;

/* A bulk writer: queued write operations of one collection, sent together (bulk.h). Belongs
 * to one thread at a time. (Since 0.2.) */
typedef struct mongo_odm_bulk_t mongo_odm_bulk_t;

/* A cancel token: interrupts the blocking calls of the threads it is attached to (cancel.h).
 * Safe to trigger from any thread or signal handler. */
typedef struct mongo_odm_cancel_t mongo_odm_cancel_t;

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_TYPES_H */
