/*
 * mongo_odm/client.h - clients of your own (bring your own connection) and database-level
 * commands.
 *
 * A client is a libmongoc connection pool: safe to share across threads, each operation
 * borrows a pooled connection for its duration. It applies the same option defaults as the
 * default connection (see connection.h); options written in the URL win.
 */
#ifndef MONGO_ODM_CLIENT_H
#define MONGO_ODM_CLIENT_H

#include <stdbool.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* Creates a client for `url` (required). username and password are optional and, when given,
 * override credentials in the URL (also with an authMechanism written in the URL); they are
 * never read from the environment here. Does not contact the server: call
 * mongo_odm_client_ping() to check it. A user without a password (or with an empty one) for
 * SCRAM or PLAIN authentication is accepted here, but every operation of the client then fails
 * with CONNECTION ("Authentication failed: ...") without contacting the server. TLS options
 * come from the URL (tls, tlsCAFile, tlsCertificateKeyFile, tlsCertificateKeyFilePassword,
 * tlsAllowInvalidCertificates, tlsAllowInvalidHostnames, ...); TLS failures are CONNECTION
 * errors of the operations. The passphrase of an encrypted client key is never asked on the
 * terminal: without tlsCertificateKeyFilePassword such a key fails to load (CONNECTION).
 * Returns a new client to release with mongo_odm_client_destroy(), or NULL with:
 * INVALID_ARGUMENT when url is NULL, not UTF-8 or not a valid MongoDB URI, or when it asks for
 * authMechanism=MONGODB-X509 without enabling TLS. */
MONGO_ODM_API(mongo_odm_client_t *) mongo_odm_client_new(const char *url, const char *username,
                                                         const char *password,
                                                         mongo_odm_error_t *error);

/* Closes the client's pool. NULL is a no-op. Collections created from it keep the pool alive
 * until they are destroyed too. Never call it on mongo_odm_default_client(). */
MONGO_ODM_API(void) mongo_odm_client_destroy(mongo_odm_client_t *client);

/* Runs {ping: 1} on "admin". Errors: INVALID_ARGUMENT (NULL client), CONNECTION, TIMEOUT. */
MONGO_ODM_API(bool) mongo_odm_client_ping(mongo_odm_client_t *client, mongo_odm_error_t *error);

/* Runs `command` on database `db_name` (like pymongo's db.command()). `reply` (may be NULL) is
 * always initialized and must be bson_destroy()ed by the caller; on a server error it holds
 * the server's reply. Errors: INVALID_ARGUMENT (NULL client/db_name/command, bad db name),
 * CONNECTION, TIMEOUT, SERVER (server_code set), DUPLICATE_KEY. */
MONGO_ODM_API(bool) mongo_odm_client_command(mongo_odm_client_t *client, const char *db_name,
                                             const bson_t *command, bson_t *reply,
                                             mongo_odm_error_t *error);

/* The database named in the client's URL ("mongodb://host/dbname"), or NULL. Borrowed; valid
 * while the client lives. */
MONGO_ODM_API(const char *) mongo_odm_client_default_database_name(const mongo_odm_client_t *client);

/* Lists the collection names of `db_name` into `reply` as {"names": ["a", "b", ...]} (always
 * initialized; the caller destroys it). `filter` (may be NULL) filters the listCollections
 * result, e.g. {"name": "users"}. Errors: INVALID_ARGUMENT, CONNECTION, TIMEOUT, SERVER. */
MONGO_ODM_API(bool) mongo_odm_client_list_collection_names(mongo_odm_client_t *client,
                                                           const char *db_name, const bson_t *filter,
                                                           bson_t *reply, mongo_odm_error_t *error);

/* Drops database `db_name`. Dropping a database that does not exist succeeds.
 * Errors: INVALID_ARGUMENT, CONNECTION, TIMEOUT, SERVER. */
MONGO_ODM_API(bool) mongo_odm_client_drop_database(mongo_odm_client_t *client, const char *db_name,
                                                   mongo_odm_error_t *error);

/* ---- issue 16 ---------------------------------------------------------------------------- */

/* True when `name` is a MongoDB URI option the library's driver (libmongoc) knows, or one the
 * library reads itself ("timeoutMS", which libmongoc 1.x does not know), compared without
 * regard to case ("serverSelectionTimeoutMS", "tls", "authSource", "appname",
 * "authMechanismProperties", ...). mongo_odm_client_new() passes unknown options on with a
 * warning; bindings use this to refuse them as pymongo does (ConfigurationError). False for
 * NULL. Thread-safe, no server call. (Since 0.2.) */
MONGO_ODM_API(bool) mongo_odm_uri_option_is_known(const char *name);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_CLIENT_H */
