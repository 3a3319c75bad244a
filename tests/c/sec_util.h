/*
 * Helpers of the security suites (test_sec_auth, test_sec_tls, test_sec_log).
 *
 * Their servers and certificates are made at test time by tests/security/sec_servers.py, run by
 * CTest as the fixture "sec_servers" (see CMakeLists.txt), which writes KEY=value settings to
 * the file named by MONGO_ODM_SEC_ENV. Without it a suite fails (it is never skipped).
 */
#ifndef MONGO_ODM_SEC_UTIL_H
#define MONGO_ODM_SEC_UTIL_H

#include "test_util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A setting of the fixture (SEC_PASSWORD, SEC_CA_FILE, SEC_AUTH_PORT, ...); fails the test when
 * it is missing. Borrowed, valid for the process's lifetime. */
const char *sec(const char *key);

/* "mongodb://[userinfo@]host:<port of setting port_key>/?<options>" (options may be "").
 * Free with free(). */
char *sec_url(const char *userinfo, const char *host, const char *port_key, const char *options);

/* "sec_user:<password percent-encoded>", the userinfo of the SCRAM instance. Free with free(). */
char *sec_userinfo(void);

/* Percent-encodes every byte but RFC 3986's unreserved characters. Free with free(). */
char *sec_percent_encode(const char *text);

/* Fails the test when `text` contains a secret of the fixture in any form: the SCRAM password and
 * the client key's passphrase as given and percent-encoded, and each run of letters and digits of
 * them (a password cut at one of its special characters is still a leak), plus `extra` (may be
 * NULL) as given and percent-encoded. `what` names the text in the failure message. */
void sec_assert_no_secret(const char *what, const char *text, const char *extra);

/* Log capture: every message of the library's log handler, kept in memory. */
void sec_log_capture(mongo_odm_log_level_t level); /* installs the handler, clears the buffer */
void sec_log_release(void);                         /* default handler, level OFF */
/* The number of captured messages of `domain` (NULL: any) containing `needle` (NULL: any). */
size_t sec_log_count(const char *domain, const char *needle);
/* sec_assert_no_secret() over every captured message. */
void sec_log_assert_no_secret(const char *extra);
/* Prints the captured messages (for a failing test). */
void sec_log_dump(void);

/* Group setup of the auth and TLS suites: unsets MONGO_URL/USER/PASSWORD/DB_NAME (they would be
 * connect()'s fallbacks and override URL credentials; these suites pass everything
 * explicitly) and initializes the library. Group teardown: log handler back, disconnect,
 * cleanup. Per test: debug logging captured; after it, disconnect and no message may hold a
 * secret. cmocka signatures. */
int sec_suite_setup(void **state);
int sec_suite_teardown(void **state);
int sec_test_setup(void **state);
int sec_test_teardown(void **state);
/* A test of the auth and TLS suites, between sec_test_setup and sec_test_teardown. */
#define SEC_TEST(test) cmocka_unit_test_setup_teardown(test, sec_test_setup, sec_test_teardown)

/* Through `client`, in database `db`: inserts {_id: "a", v: 1} into a new collection, finds
 * it, counts 1, drops the collection. Fails the test on any error. */
void sec_crud_roundtrip(mongo_odm_client_t *client, const char *db);

/* Seconds on a monotonic clock. */
double sec_now(void);

/* Asserts `err` is CONNECTION, came within `max_seconds` of `start` and has no secret. */
void sec_assert_connection_error(const mongo_odm_error_t *err, double start, double max_seconds,
                                 const char *extra_secret);

#ifdef __cplusplus
}
#endif

#endif /* MONGO_ODM_SEC_UTIL_H */
