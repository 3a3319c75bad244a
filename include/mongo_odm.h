/*
 * mongo_odm.h - libmongo_odm, a MongoDB object-document mapper with a stable C API.
 *
 * Include this header only; it brings <bson/bson.h> and every mongo_odm module:
 *   library.h     init/cleanup, version, mongo_odm_free
 *   error.h       mongo_odm_error_t, the error codes and reasons
 *   cancel.h      deadlines and cancel tokens: interrupting blocking calls
 *   log.h         the log handler (libmongoc's messages included)
 *   id.h          ObjectId, composite and pair ids
 *   connection.h  the default connection (connect(), MongoConnection)
 *   client.h      clients of your own, database commands
 *   collection.h  raw collection operations
 *   collection_extra.h  find_one_and_*, distinct, estimated count, create_indexes, drop_index, rename
 *   cursor.h      reading results
 *   model.h       models: collection name, composite key, declared fields
 *   doc.h         documents of a model
 *   crud.h        CRUD on models
 *   changes.h     changed-field saves and revisions (optimistic concurrency)
 *   index.h       indexes declared on models, ensured by one call
 *   bulk.h        bulk writes
 *   projection.h  reading documents as a smaller model
 *
 * Link with `pkg-config --cflags --libs libmongo_odm`, or in CMake
 * find_package(mongo_odm CONFIG) and target_link_libraries(app mongo_odm::mongo_odm).
 *
 * Conventions: every handle is opaque and mongo_odm_X_destroy(NULL) is a no-op; the last
 * parameter of a fallible function is `mongo_odm_error_t *error` (may be NULL); no C++
 * exception crosses this API; a NULL where a pointer is required is
 * MONGO_ODM_ERROR_INVALID_ARGUMENT, never a crash.
 */
#ifndef MONGO_ODM_H
#define MONGO_ODM_H

#include <bson/bson.h>

#include "mongo_odm/macros.h"
#include "mongo_odm/version.h"
#include "mongo_odm/types.h"
#include "mongo_odm/error.h"
#include "mongo_odm/cancel.h"
#include "mongo_odm/library.h"
#include "mongo_odm/log.h"
#include "mongo_odm/id.h"
#include "mongo_odm/connection.h"
#include "mongo_odm/client.h"
#include "mongo_odm/collection.h"
#include "mongo_odm/collection_extra.h"
#include "mongo_odm/cursor.h"
#include "mongo_odm/model.h"
#include "mongo_odm/doc.h"
#include "mongo_odm/crud.h"
#include "mongo_odm/changes.h"
#include "mongo_odm/index.h"
#include "mongo_odm/bulk.h"
#include "mongo_odm/projection.h"

#endif /* MONGO_ODM_H */
