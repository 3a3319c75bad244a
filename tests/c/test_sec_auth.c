/*
 * Authentication against FerretDB's SCRAM mode (instance sec-auth of tests/security/sec_servers.py:
 * user sec_user in admin, a password full of characters a URL must percent-encode).
 *
 * The right password works (default mechanism, SCRAM-SHA-256 and SCRAM-SHA-1 named explicitly,
 * credentials in the URL or as arguments); a wrong password, an unknown user and a user without a
 * password fail with MONGO_ODM_ERROR_CONNECTION; a client without credentials connects (ping needs
 * no authentication) and its operations fail with SERVER / server_code 13 (Unauthorized). No
 * error message and no log message (debug level, custom handler) ever holds a password, in any
 * form.
 */
#include "sec_util.h"

#define DB "sec_c_auth"
#define TIMEOUTS "serverSelectionTimeoutMS=2000"
/* An auth failure is fast (no server selection wait). Safe on a loaded 2-core machine under ASan:
 * 5 s is 2.5x the longest a failing call may wait (the 2 s selection timeout); load adds
 * scheduling delays of tens to hundreds of ms. Still fails a call that hangs on a refused
 * login (libmongoc's 30 s default). */
#define AUTH_FAILURE_SECONDS 5.0

/* listDatabases needs an authenticated user on this server. */
static bool list_databases(mongo_odm_client_t *client, mongo_odm_error_t *err) {
  bson_t *cmd = tu_bson("{\"listDatabases\": 1, \"nameOnly\": true}");
  bson_t reply;
  const bool ok = mongo_odm_client_command(client, "admin", cmd, &reply, err);
  bson_destroy(&reply);
  bson_destroy(cmd);
  return ok;
}

static void assert_own_client_works(const char *url, const char *user, const char *password) {
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_client_new(url, user, password, &err);
  assert_non_null(client);
  assert_true(mongo_odm_client_ping(client, &err));
  if (!list_databases(client, &err)) {
    print_error("listDatabases failed: %s: %s\n", mongo_odm_error_code_name(err.code), err.message);
    fail();
  }
  sec_crud_roundtrip(client, DB);
  mongo_odm_client_destroy(client);
}

/* ------------------------------------------------------------------------------ the right password */

static void test_scram_with_credentials_in_the_url(void **state) {
  (void)state;
  char *userinfo = sec_userinfo();
  char *url = sec_url(userinfo, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS);
  mongo_odm_error_t err;
  assert_true(mongo_odm_connect(url, NULL, NULL, DB, &err));
  assert_ok(err);
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  assert_true(list_databases(client, &err));
  sec_crud_roundtrip(client, DB);
  mongo_odm_disconnect();
  assert_own_client_works(url, NULL, NULL);
  free(url);
  free(userinfo);
}

static void test_scram_sha_256_named_explicitly(void **state) {
  (void)state;
  /* credentials in the URL */
  char *userinfo = sec_userinfo();
  char *url = sec_url(userinfo, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS "&authMechanism=SCRAM-SHA-256&authSource=admin");
  assert_own_client_works(url, NULL, NULL);
  free(url);
  /* credentials as arguments, the mechanism in the URL (regression: libmongoc checks the
   * credentials against authMechanism while parsing; they used to be set after the parse, and
   * this URL was refused as INVALID_ARGUMENT "'SCRAM-SHA-256' authentication mechanism
   * requires username") */
  url = sec_url(NULL, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS "&authMechanism=SCRAM-SHA-256");
  assert_own_client_works(url, sec("SEC_USER"), sec("SEC_PASSWORD"));
  mongo_odm_error_t err;
  assert_true(mongo_odm_connect(url, sec("SEC_USER"), sec("SEC_PASSWORD"), DB, &err));
  assert_ok(err);
  mongo_odm_disconnect();
  free(url);
  /* SCRAM-SHA-1 is the other mechanism FerretDB offers */
  url = sec_url(userinfo, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS "&authMechanism=SCRAM-SHA-1");
  assert_own_client_works(url, NULL, NULL);
  free(url);
  free(userinfo);
}

static void test_scram_with_credentials_as_arguments(void **state) {
  (void)state;
  char *url = sec_url(NULL, "localhost", "SEC_AUTH_PORT", TIMEOUTS);
  mongo_odm_error_t err;
  assert_true(mongo_odm_connect(url, sec("SEC_USER"), sec("SEC_PASSWORD"), DB, &err));
  assert_ok(err);
  mongo_odm_disconnect();
  assert_own_client_works(url, sec("SEC_USER"), sec("SEC_PASSWORD"));
  free(url);
  /* the arguments override wrong credentials written in the URL */
  url = sec_url("someone:wrong", "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS);
  assert_own_client_works(url, sec("SEC_USER"), sec("SEC_PASSWORD"));
  free(url);
}

/* ------------------------------------------------------------------------------ failures */

static void assert_connect_fails(const char *url, const char *user, const char *password, const char *extra_secret) {
  mongo_odm_error_t err;
  const double start = sec_now();
  assert_false(mongo_odm_connect(url, user, password, DB, &err));
  sec_assert_connection_error(&err, start, AUTH_FAILURE_SECONDS, extra_secret);
  assert_true(strncmp(err.message, "Failed to initialize MongoDB", strlen("Failed to initialize MongoDB")) == 0);
  assert_false(mongo_odm_is_connected());

  /* a client of one's own: made without a server call, its operations fail the same way */
  mongo_odm_client_t *client = mongo_odm_client_new(url, user, password, &err);
  assert_non_null(client);
  assert_false(mongo_odm_client_ping(client, &err));
  sec_assert_connection_error(&err, start, 2 * AUTH_FAILURE_SECONDS, extra_secret);
  assert_false(list_databases(client, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  sec_assert_no_secret("error message", err.message, extra_secret);
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, DB, "never", &err);
  assert_non_null(coll);
  bson_t *doc = tu_bson("{\"x\": 1}");
  assert_false(mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  sec_assert_no_secret("error message", err.message, extra_secret);
  bson_destroy(doc);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

static void test_wrong_password_is_a_connection_error(void **state) {
  (void)state;
  const char *wrong = "Wr0ngPassw:rd@x";
  char *url = sec_url(NULL, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS);
  assert_connect_fails(url, sec("SEC_USER"), wrong, wrong);
  free(url);

  /* the wrong password written in the URL, percent-encoded */
  char *encoded = sec_percent_encode(wrong);
  char userinfo[256];
  snprintf(userinfo, sizeof userinfo, "%s:%s", sec("SEC_USER"), encoded);
  url = sec_url(userinfo, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS);
  assert_connect_fails(url, NULL, NULL, wrong);
  free(url);
  /* explicit SCRAM-SHA-256 */
  url = sec_url(userinfo, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS "&authMechanism=SCRAM-SHA-256");
  assert_connect_fails(url, NULL, NULL, wrong);
  free(url);
  free(encoded);
  /* the libmongoc messages about it went through the handler, without the password */
  assert_true(sec_log_count("cluster", "Authentication failed") > 0);
}

static void test_right_password_of_another_user_is_refused(void **state) {
  (void)state;
  /* an unknown user, with the real password */
  char *url = sec_url(NULL, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS);
  assert_connect_fails(url, "no_such_user", sec("SEC_PASSWORD"), NULL);
  free(url);
  char *encoded = sec_percent_encode(sec("SEC_PASSWORD"));
  char userinfo[512];
  snprintf(userinfo, sizeof userinfo, "no_such_user:%s", encoded);
  url = sec_url(userinfo, "localhost", "SEC_AUTH_PORT", TIMEOUTS);
  assert_connect_fails(url, NULL, NULL, NULL);
  free(url);
  free(encoded);
}

/* Regression: libmongoc 1.23 dereferenced the NULL password of "mongodb://user@host" in its
 * SCRAM code (a segfault at the first operation), and failed an empty one with an error of its
 * SCRAM domain that the library reported as INTERNAL. Both are now CONNECTION errors, made
 * without contacting the server. */
/* libmongoc 2.x refuses a URL naming a SCRAM mechanism with a user and no password when it parses
 * the URL (MONGO_ODM_ERROR_INVALID_ARGUMENT, "... authentication mechanism requires a password");
 * 1.x only when it authenticates (a connection error). See docs/design.md. */
static void assert_refused_without_password(const char *url, const char *user, const char *password,
                                            bool mechanism_named) {
#if BSON_MAJOR_VERSION >= 2
  if (mechanism_named) {
    mongo_odm_error_t err;
    assert_false(mongo_odm_connect(url, user, password, DB, &err));
    if (err.code == MONGO_ODM_ERROR_INVALID_ARGUMENT) {
      assert_contains(err.message, "requires a password");
      sec_assert_no_secret("error message", err.message, NULL);
      return;
    }
  }
#else
  (void)mechanism_named;
#endif
  assert_connect_fails(url, user, password, NULL);
}

static void test_user_without_password_is_a_connection_error(void **state) {
  (void)state;
  char userinfo[128];
  snprintf(userinfo, sizeof userinfo, "%s", sec("SEC_USER"));
  const char *mechanisms[] = {TIMEOUTS, TIMEOUTS "&authMechanism=SCRAM-SHA-256", TIMEOUTS "&authMechanism=SCRAM-SHA-1"};
  for (size_t i = 0; i < sizeof mechanisms / sizeof mechanisms[0]; ++i) {
    const bool named = i > 0;
    char *url = sec_url(userinfo, "127.0.0.1", "SEC_AUTH_PORT", mechanisms[i]);
    assert_refused_without_password(url, NULL, NULL, named);
    mongo_odm_error_t err;
    assert_false(mongo_odm_connect(url, NULL, NULL, DB, &err));
    if (err.code == MONGO_ODM_ERROR_CONNECTION || !named) {
      assert_contains(err.message, "Authentication failed: a username without a password");
    }
    free(url);
    /* empty password in the URL ("user:@host") */
    char with_colon[160];
    snprintf(with_colon, sizeof with_colon, "%s:", sec("SEC_USER"));
    url = sec_url(with_colon, "127.0.0.1", "SEC_AUTH_PORT", mechanisms[i]);
    assert_refused_without_password(url, NULL, NULL, named);
    free(url);
    /* username as an argument, no password or an empty one */
    url = sec_url(NULL, "127.0.0.1", "SEC_AUTH_PORT", mechanisms[i]);
    assert_refused_without_password(url, sec("SEC_USER"), NULL, named);
    assert_refused_without_password(url, sec("SEC_USER"), "", named);
    free(url);
  }
}

/* Regression: a password SCRAM itself refuses (SASLprep prohibits control characters) gave an
 * error of libmongoc's SCRAM domain, reported as INTERNAL. */
static void test_password_refused_by_saslprep_is_a_connection_error(void **state) {
  (void)state;
  const char *bad = "Bell\x07Passw0rd";
  char *url = sec_url(NULL, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS "&authMechanism=SCRAM-SHA-256");
  assert_connect_fails(url, sec("SEC_USER"), bad, bad);
  free(url);
}

/* The server answers ping without authentication, so connect() succeeds; every operation that
 * needs a user then fails with the server's Unauthorized (13). */
static void test_no_credentials_then_operations_are_unauthorized(void **state) {
  (void)state;
  char *url = sec_url(NULL, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS);
  mongo_odm_error_t err;
  assert_true(mongo_odm_connect(url, NULL, NULL, DB, &err));
  assert_ok(err);
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  assert_true(mongo_odm_client_ping(client, &err));

  assert_false(list_databases(client, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 13);
  assert_contains(err.message, "requires authentication");

  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, DB, "unauthorized", &err);
  assert_non_null(coll);
  bson_t *doc = tu_bson("{\"x\": 1}");
  assert_false(mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 13);
  assert_string_equal(err.message, "insert_one: Command insert requires authentication");
  const bson_t *docs[] = {doc};
  assert_false(mongo_odm_collection_insert_many(coll, docs, 1, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 13);
  bson_t out;
  bool found = true;
  assert_false(mongo_odm_collection_find_one(coll, NULL, NULL, &out, &found, &err));
  bson_destroy(&out);
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 13);
  assert_string_equal(err.message, "find_one: Command find requires authentication");
  int64_t n = -1;
  assert_false(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 13);
  bson_t *all = tu_bson("{}");
  assert_false(mongo_odm_collection_delete_many(coll, all, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 13);
  bson_destroy(all);
  bson_destroy(doc);
  mongo_odm_collection_destroy(coll);

  /* the model API on the default connection */
  mongo_odm_model_t *model = mongo_odm_model_new("unauthorized_model", &err);
  assert_non_null(model);
  assert_false(mongo_odm_count(model, NULL, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 13);
  mongo_odm_doc_t *d = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_id(d, "x", &err));
  assert_false(mongo_odm_doc_save(d, false, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 13);
  mongo_odm_doc_destroy(d);
  mongo_odm_model_destroy(model);
  free(url);
}

/* Regression: authMechanism=MONGODB-X509 without TLS in the URL crashed libmongoc's monitor
 * thread (it opens a TLS stream with no TLS options). */
static void test_x509_without_tls_is_an_invalid_argument(void **state) {
  (void)state;
  char *url = sec_url(NULL, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS "&authMechanism=MONGODB-X509");
  mongo_odm_error_t err;
  assert_null(mongo_odm_client_new(url, "CN=someone", NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "MONGODB-X509 needs TLS");
  assert_false(mongo_odm_connect(url, NULL, NULL, DB, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  free(url);
}

/* ------------------------------------------------------------------------------ redaction */

/* URLs holding the real password that fail to parse or to connect: no message repeats it. */
static void test_url_password_is_redacted_in_every_error(void **state) {
  (void)state;
  const char *password = sec("SEC_PASSWORD");
  char *encoded = sec_percent_encode(password);
  const char *port = sec("SEC_AUTH_PORT");
  char urls[8][1024];
  /* written raw, unescaped: libmongoc refuses it and may quote what it took as the password */
  snprintf(urls[0], sizeof urls[0], "mongodb://sec_user:%s@127.0.0.1:%s/", password, port);
  /* percent-encoded, with an invalid option, an invalid host and an invalid escape */
  snprintf(urls[1], sizeof urls[1], "mongodb://sec_user:%s@127.0.0.1:%s/?tls=maybe", encoded, port);
  snprintf(urls[2], sizeof urls[2], "mongodb://sec_user:%s@127.0.0.1:99999/", encoded);
  snprintf(urls[3], sizeof urls[3], "mongodb://sec_user:%s%%ZZ@127.0.0.1:%s/", encoded, port);
  snprintf(urls[4], sizeof urls[4], "mongodb://sec_user:%s:%s@127.0.0.1:%s/", encoded, encoded, port);
  snprintf(urls[5], sizeof urls[5], "mongodb://sec_user:%s@127.0.0.1:%s/bad db", encoded, port);
  snprintf(urls[6], sizeof urls[6], "mongodb+srv://sec_user:%s@127.0.0.1:%s/", encoded, port);
  snprintf(urls[7], sizeof urls[7], "mongodb://sec_user:%s@@127.0.0.1:%s/", encoded, port);
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; ++i) {
    mongo_odm_error_t err;
    mongo_odm_client_t *client = mongo_odm_client_new(urls[i], NULL, NULL, &err);
    if (client) {
      /* parsed after all: then its operation fails (or works), never with the password */
      if (!mongo_odm_client_ping(client, &err)) sec_assert_no_secret("ping error", err.message, NULL);
      mongo_odm_client_destroy(client);
    } else {
      assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
      sec_assert_no_secret("client_new error", err.message, NULL);
    }
    if (mongo_odm_connect(urls[i], NULL, NULL, DB, &err)) {
      mongo_odm_disconnect();
    } else {
      sec_assert_no_secret("connect error", err.message, NULL);
    }
  }
  free(encoded);
}

/* The whole life of a client at debug level: no message holds the password, and the handler
 * did receive libmongoc's messages (so the check looked at something). */
static void test_debug_log_of_a_session_has_no_password(void **state) {
  (void)state;
  char *userinfo = sec_userinfo();
  char *url = sec_url(userinfo, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS);
  mongo_odm_error_t err;
  assert_true(mongo_odm_connect(url, NULL, NULL, DB, &err));
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  sec_crud_roundtrip(client, DB);
  mongo_odm_disconnect(); /* libmongoc: Couldn't send "endSessions" (FerretDB lacks it) */
  free(url);
  url = sec_url(NULL, "127.0.0.1", "SEC_AUTH_PORT", TIMEOUTS);
  assert_false(mongo_odm_connect(url, sec("SEC_USER"), "not-the-password", DB, &err));
  free(url);
  free(userinfo);
  assert_true(sec_log_count("client", "endSessions") > 0);
  assert_true(sec_log_count("mongo_odm", "authentication failed") > 0);
  sec_log_assert_no_secret("not-the-password");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      SEC_TEST(test_scram_with_credentials_in_the_url),
      SEC_TEST(test_scram_sha_256_named_explicitly),
      SEC_TEST(test_scram_with_credentials_as_arguments),
      SEC_TEST(test_wrong_password_is_a_connection_error),
      SEC_TEST(test_right_password_of_another_user_is_refused),
      SEC_TEST(test_user_without_password_is_a_connection_error),
      SEC_TEST(test_password_refused_by_saslprep_is_a_connection_error),
      SEC_TEST(test_no_credentials_then_operations_are_unauthorized),
      SEC_TEST(test_x509_without_tls_is_an_invalid_argument),
      SEC_TEST(test_url_password_is_redacted_in_every_error),
      SEC_TEST(test_debug_log_of_a_session_has_no_password),
  };
  return cmocka_run_group_tests_name("security: authentication", tests, sec_suite_setup, sec_suite_teardown);
}
