/*
 * mongo_odm/connection.h - the process-wide default connection (lightodm's connect() and
 * MongoConnection singleton).
 *
 * Models without a collection of their own (mongo_odm_model_set_collection) run their
 * operations on the default client, in the default database. All functions here are
 * thread-safe.
 *
 * Pool and timeout defaults, the ones lightodm gives pymongo where libmongoc has an equivalent:
 * maxPoolSize=50, serverSelectionTimeoutMS=5000, connectTimeoutMS=20000,
 * socketTimeoutMS=20000, heartbeatFrequencyMS=10000, waitQueueTimeoutMS=10000,
 * retryWrites=true, retryReads=true. An option written in the URL always wins.
 * (minPoolSize, maxIdleTimeMS and maxConnecting have no libmongoc equivalent and are not set.)
 *
 * fork(): clients, collections and models made before a fork() keep working in the child,
 * which gets a pool of its own at its first operation (the parent's is left to the parent).
 * fork() waits, up to 2 s, for operations other threads have in flight and holds new ones
 * back until it returns, so that no lock they take (libmongoc's, OpenSSL's) is inherited
 * locked. A cursor opened before fork() stays the parent's (see cursor.h).
 */
#ifndef MONGO_ODM_CONNECTION_H
#define MONGO_ODM_CONNECTION_H

#include <stdbool.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* Opens the default connection and pings the server.
 *
 * Each NULL argument falls back to an environment variable: url to MONGO_URL, username to
 * MONGO_USER, password to MONGO_PASSWORD, db_name to MONGO_DB_NAME. The URL is required.
 * Username and password are optional (a server without authentication is fine, and
 * credentials may be written in the URL instead). The database name falls back to the URL's
 * default database ("mongodb://host/dbname").
 *
 * Calling it again replaces the default connection: the old client is closed once no
 * operation uses it any more. On failure the previous connection, if any, is closed too and
 * nothing is left half-open: mongo_odm_is_connected() is then false.
 *
 * Errors: CONFIGURATION when there is no URL (message contains "MongoDB connection
 * parameters") or no database name; INVALID_ARGUMENT for a URL libmongoc cannot parse or
 * arguments that are not UTF-8; CONNECTION when the ping fails (unreachable server,
 * authentication or TLS failure, a username without a password), its message starting
 * "Failed to initialize MongoDB". A server that requires authentication answers the ping of a
 * client without credentials: such a connect succeeds, and the operations then fail with
 * SERVER (server_code 13, Unauthorized). */
MONGO_ODM_API(bool) mongo_odm_connect(const char *url, const char *username, const char *password,
                                      const char *db_name, mongo_odm_error_t *error);

/* The parameters mongo_odm_connect() would use for these arguments, for a client of your own
 * made like the default connection (the Python package's async client is): each NULL argument
 * replaced by its environment variable as mongo_odm_connect() does. `out` (may be NULL) is always
 * initialized and must be bson_destroy()ed; it receives {"url": ...} and, when set, "username",
 * "password" and "db_name" (strings; without "db_name", the URL's default database applies).
 * It holds the password: keep it out of logs. No server call. (Since 0.2.)
 * Errors: CONFIGURATION when there is no URL (the message of mongo_odm_connect()). */
MONGO_ODM_API(bool) mongo_odm_connection_settings(const char *url, const char *username, const char *password,
                                                  const char *db_name, bson_t *out, mongo_odm_error_t *error);

/* True while a default connection is open. */
MONGO_ODM_API(bool) mongo_odm_is_connected(void);

/* Closes the default connection (lightodm's close_connection()). Idempotent. Operations that
 * are running finish on the old client; handles borrowed from mongo_odm_default_client() must
 * not be used afterwards. */
MONGO_ODM_API(void) mongo_odm_disconnect(void);

/* The default client, connecting from the environment on first use (like MongoConnection()).
 * Borrowed: do not destroy it; it stays valid until mongo_odm_disconnect(), the next
 * mongo_odm_connect() or mongo_odm_cleanup(). Returns NULL with the errors of
 * mongo_odm_connect(). */
MONGO_ODM_API(mongo_odm_client_t *) mongo_odm_default_client(mongo_odm_error_t *error);

/* The default database's name, or NULL when not connected. Borrowed; valid until the default
 * connection changes. */
MONGO_ODM_API(const char *) mongo_odm_default_database_name(void);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_CONNECTION_H */
