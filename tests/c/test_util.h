/*
 * Helpers shared by the C test suites.
 *
 * Integration suites need a server: scripts/test.sh starts FerretDB and exports MONGO_URL,
 * MONGO_USER, MONGO_PASSWORD and MONGO_DB_NAME. Without MONGO_URL an integration suite fails
 * (it is never silently skipped).
 */
#ifndef MONGO_ODM_TEST_UTIL_H
#define MONGO_ODM_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h declares its functions without C linkage for C++ callers. */
#ifdef __cplusplus
extern "C" {
#endif
#include <cmocka.h>
#ifdef __cplusplus
}
#endif

#include <mongo_odm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fails the test when `err` is not OK, printing the error. */
#define assert_ok(err)                                                                         \
  do {                                                                                         \
    if ((err).code != MONGO_ODM_OK) {                                                          \
      print_error("unexpected error %s (server code %d): %s\n", mongo_odm_error_code_name((err).code), \
                  (int)(err).server_code, (err).message);                                      \
      fail();                                                                                  \
    }                                                                                          \
  } while (0)

/* Fails the test unless `err` carries `expected` and a non-empty message. */
#define assert_code(err, expected)                                                             \
  do {                                                                                         \
    if ((err).code != (uint32_t)(expected)) {                                                  \
      print_error("expected %s, got %s: %s\n", mongo_odm_error_code_name(expected),           \
                  mongo_odm_error_code_name((err).code), (err).message);                       \
      fail();                                                                                  \
    }                                                                                          \
    assert_true((err).message[0] != '\0');                                                     \
  } while (0)

/* Asserts that `haystack` contains `needle`. */
#define assert_contains(haystack, needle)                                                      \
  do {                                                                                         \
    if (!strstr((haystack), (needle))) {                                                       \
      print_error("'%s' does not contain '%s'\n", (haystack), (needle));                       \
      fail();                                                                                  \
    }                                                                                          \
  } while (0)

/* The value of a required environment variable of the test server (fails the test if unset). */
const char *tu_env(const char *name);

/* Connects the default connection from the environment; fails the test on error. */
void tu_connect(void);

/* A name unique to this process and call, e.g. "crud_12345_7" (static buffer per call site is
 * not used: the result is malloc()ed; free it with free()). */
char *tu_unique_name(const char *prefix);

/* A model on a fresh, uniquely named collection of the test database. */
mongo_odm_model_t *tu_model(const char *prefix);

/* Drops the model's collection through the default client (best effort, for teardown). */
void tu_drop(const mongo_odm_model_t *model);

/* Parses JSON (relaxed extended JSON) into a new bson_t; fails the test on a parse error. */
bson_t *tu_bson(const char *json);

/* Reads a whole file (for test data); fails the test on error. Free with free(). */
char *tu_read_file(const char *path);

/* cmocka group setup/teardown for integration suites: init + connect / disconnect + cleanup. */
int tu_setup_connected(void **state);
int tu_teardown_connected(void **state);

/* Group setup/teardown for unit suites: init / cleanup only. */
int tu_setup_library(void **state);
int tu_teardown_library(void **state);

/* A handle on the model's collection in the default database of the default client (for
 * checking what a model operation wrote). Destroy with mongo_odm_collection_destroy(). */
mongo_odm_collection_t *tu_collection(const mongo_odm_model_t *model);

/* The number of documents in the model's collection matching `json` (NULL: all), counted with
 * the raw collection API. */
int64_t tu_count(const mongo_odm_model_t *model, const char *json);

/* Asserts that `doc` has the int32/int64/double field `key` equal to `expected`. */
void tu_assert_bson_int(const bson_t *doc, const char *key, int64_t expected);

/* Asserts that `doc` has the string field `key` equal to `expected`. */
void tu_assert_bson_utf8(const bson_t *doc, const char *key, const char *expected);

/* The keys of `doc` joined by ',' into `buf` (e.g. "_id,a,b"). Returns buf. */
char *tu_keys(const bson_t *doc, char *buf, size_t size);

/* "mongodb://<userinfo>@<host:port of MONGO_URL><suffix>" (userinfo may be NULL), e.g.
 * tu_server_url(NULL, "/?maxPoolSize=1"). Free with free(). */
char *tu_server_url(const char *userinfo, const char *suffix);

/* Applies MONGO_ODM_TEST_SKIP (a cmocka glob, e.g. "test_fork_*") to the suite about to run:
 * matching tests are reported as skipped. Used by tests/valgrind/run.sh, nowhere else. */
void tu_apply_skip_filter(void);

/* Loopback ports of the kernel's choice (127.0.0.1; fail the test on error):
 * tu_listen_loopback() returns a socket listening on one, its port in *port: connections
 * complete their TCP handshake and are never read (a server that never answers; close() the
 * socket when done). tu_dead_port() returns a port nothing listens on (bound once, then
 * closed). */
int tu_listen_loopback(int *port);
int tu_dead_port(void);

/* Sets/restores an environment variable around a test (value NULL unsets). tu_env_save()
 * returns the old value (malloc()ed or NULL) for tu_env_restore(). */
char *tu_env_save(const char *name);
void tu_env_restore(const char *name, char *saved);

#ifdef __cplusplus
}
#endif

#endif /* MONGO_ODM_TEST_UTIL_H */
