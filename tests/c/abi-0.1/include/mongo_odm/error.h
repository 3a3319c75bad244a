/*
 * mongo_odm/error.h - error codes and the error out-parameter.
 *
 * Every fallible function takes `mongo_odm_error_t *error` as its last parameter. It may be
 * NULL when the caller does not want details. On failure the library fills it; on success it
 * sets its code to MONGO_ODM_OK (and an empty message). The structure is plain data: declare it
 * on the stack, no init or destroy call is needed.
 */
#ifndef MONGO_ODM_ERROR_H
#define MONGO_ODM_ERROR_H

#include <stdint.h>

#include "macros.h"

MONGO_ODM_BEGIN_DECLS

typedef enum {
  MONGO_ODM_OK = 0,
  /* A NULL pointer where one is required, a bad name, a bad option or an out-of-range value. */
  MONGO_ODM_ERROR_INVALID_ARGUMENT = 1,
  /* Connection parameters missing: no URL given and MONGO_URL unset, no database name.
   * (Python: ValueError.) */
  MONGO_ODM_ERROR_CONFIGURATION = 2,
  /* The server is unreachable, the handshake, authentication or TLS failed, or no server was
   * selected within serverSelectionTimeoutMS. (Python: ConnectionFailure, a ConnectionError.) */
  MONGO_ODM_ERROR_CONNECTION = 3,
  /* The model has no collection name. (Python: NotImplementedError.) */
  MONGO_ODM_ERROR_NOT_IMPLEMENTED = 4,
  /* save without an id. (Python: ValueError "Document ID is required".) */
  MONGO_ODM_ERROR_MISSING_ID = 5,
  /* The document does not fit its model: a required field is missing, a field has the wrong
   * type, a composite-key field is missing or null. The message names the field. */
  MONGO_ODM_ERROR_VALIDATION = 6,
  /* The server refused a write for a duplicate key (server code 11000 or 11001). */
  MONGO_ODM_ERROR_DUPLICATE_KEY = 7,
  /* Any other server-side failure; server_code holds the server's code. */
  MONGO_ODM_ERROR_SERVER = 8,
  /* Invalid BSON, invalid UTF-8, a forbidden key, or a document over the size limit. */
  MONGO_ODM_ERROR_ENCODING = 9,
  /* A socket or operation timeout (maxTimeMS, socketTimeoutMS) after a server was selected,
   * no pooled connection became free within waitQueueTimeoutMS, or the call ran past its
   * client-side limit (the URL's timeoutMS, a cancel token's deadline). See
   * mongo_odm_error_reason() for which. */
  MONGO_ODM_ERROR_TIMEOUT = 10,
  /* A bug or an allocation failure inside the library. */
  MONGO_ODM_ERROR_INTERNAL = 11,
  /* The call was interrupted through the cancel token attached to the thread (cancel.h): the
   * token was triggered, or its check function asked to stop. (Since 0.2.) */
  MONGO_ODM_ERROR_CANCELLED = 12,
  /* A save of a model that uses revisions (mongo_odm_model_set_use_revision(), changes.h) found
   * that the stored document's revision is no longer the one the document was loaded (or last
   * saved) with, or that a document with its id exists although it was never loaded: another
   * writer got there first. Nothing was written; reload the document and apply the change
   * again. (Python: mongo_odm.errors.RevisionConflictError.) (Since 0.2.) */
  MONGO_ODM_ERROR_REVISION_CONFLICT = 13
} mongo_odm_error_code_t;

/* Exactly 512 bytes, stable across versions. */
typedef struct mongo_odm_error_t {
  uint32_t code;         /* a mongo_odm_error_code_t */
  int32_t server_code;   /* the server's or the driver's error code; 0 when there is none.
                          * Conditions the library detects itself have fixed values:
                          * 13053 (libmongoc's) for a failed server selection, -1 for a
                          * passed timeoutMS or token deadline, -2 for waitQueueTimeoutMS.
                          * mongo_odm_error_reason() reads them for you. */
  char message[504];     /* NUL-terminated English text; never contains a password */
} mongo_odm_error_t;

/* The enumerator's name, e.g. "MONGO_ODM_ERROR_DUPLICATE_KEY"; "MONGO_ODM_ERROR_UNKNOWN" for a
 * value outside the enumeration. Static storage: never free it. */
MONGO_ODM_API(const char *) mongo_odm_error_code_name(uint32_t code);

/* The finer cause of an error, for programs that treat some failures apart (retry after a
 * server-selection failure, tell a server-side maxTimeMS from a client-side deadline). (Since
 * 0.2.) */
typedef enum {
  MONGO_ODM_REASON_NONE = 0,               /* code is MONGO_ODM_OK */
  MONGO_ODM_REASON_OTHER = 1,              /* nothing finer than the code to say */
  MONGO_ODM_REASON_SERVER_SELECTION = 2,   /* CONNECTION: no suitable server within
                                            * serverSelectionTimeoutMS (pymongo's
                                            * ServerSelectionTimeoutError) */
  MONGO_ODM_REASON_NETWORK = 3,            /* CONNECTION: a connection failed or broke, or the
                                            * handshake, TLS or authentication failed */
  MONGO_ODM_REASON_NETWORK_TIMEOUT = 4,    /* TIMEOUT: socketTimeoutMS or connectTimeoutMS ran
                                            * out on a connection (pymongo's NetworkTimeout) */
  MONGO_ODM_REASON_EXECUTION_TIMEOUT = 5,  /* TIMEOUT: the server stopped the operation at its
                                            * maxTimeMS, server code 50 (ExecutionTimeout) */
  MONGO_ODM_REASON_DEADLINE = 6,           /* TIMEOUT: the URL's timeoutMS or the cancel token's
                                            * deadline passed */
  MONGO_ODM_REASON_WAIT_QUEUE_TIMEOUT = 7, /* TIMEOUT: no pooled connection became free within
                                            * waitQueueTimeoutMS (WaitQueueTimeoutError) */
  MONGO_ODM_REASON_CANCELLED = 8           /* CANCELLED */
} mongo_odm_error_reason_t;

/* The reason of `error`, read from its code and server_code. NULL gives MONGO_ODM_REASON_NONE. */
MONGO_ODM_API(mongo_odm_error_reason_t) mongo_odm_error_reason(const mongo_odm_error_t *error);

/* The enumerator's name, e.g. "MONGO_ODM_REASON_SERVER_SELECTION"; "MONGO_ODM_REASON_UNKNOWN"
 * outside the enumeration. Static storage. */
MONGO_ODM_API(const char *) mongo_odm_error_reason_name(mongo_odm_error_reason_t reason);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_ERROR_H */
