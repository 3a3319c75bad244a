/* The default connection (connect(), MongoConnection) and clients of one's own, against the
 * test server named by MONGO_URL / MONGO_USER / MONGO_PASSWORD / MONGO_DB_NAME. What happens
 * across fork() is in test_fork.c. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

#define UNREACHABLE "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Each test starts connected from the environment. */
static int connect_from_env(void **state) {
  (void)state;
  tu_connect();
  return 0;
}

static void assert_connected_and_usable(const char *expected_db) {
  assert_true(mongo_odm_is_connected());
  assert_string_equal(mongo_odm_default_database_name(), expected_db);
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_ok(err);
  assert_non_null(client);
  assert_true(mongo_odm_client_ping(client, &err));
  assert_ok(err);
}

/* Connects the default connection to `url` (NULL: MONGO_URL) while MONGO_USER and MONGO_PASSWORD
 * are `env_user` and `env_password` (NULL: unset), restored after the call; the test server's
 * credentials are passed as arguments when `credentials_as_arguments`. Asserts that it connected
 * to MONGO_DB_NAME. */
static void connect_with_credentials_env(const char *url, bool credentials_as_arguments, const char *env_user,
                                         const char *env_password) {
  char *saved_user = tu_env_save("MONGO_USER");
  char *saved_password = tu_env_save("MONGO_PASSWORD");
  const char *names[] = {"MONGO_USER", "MONGO_PASSWORD"};
  const char *values[] = {env_user, env_password};
  for (int i = 0; i < 2; ++i) {
    if (values[i])
      setenv(names[i], values[i], 1);
    else
      unsetenv(names[i]);
  }
  const char *user = credentials_as_arguments ? saved_user : NULL;
  const char *password = credentials_as_arguments ? saved_password : NULL;
  mongo_odm_error_t err;
  bool ok = mongo_odm_connect(url, user, password, NULL, &err);
  tu_env_restore("MONGO_USER", saved_user);
  tu_env_restore("MONGO_PASSWORD", saved_password);
  assert_true(ok);
  assert_ok(err);
  assert_connected_and_usable(tu_env("MONGO_DB_NAME"));
}

/* Through `client`, ping and the command {ping: 1} fail with CONNECTION; with `empty_reply`, the
 * command's reply is an empty document. */
static void assert_pings_fail(mongo_odm_client_t *client, bool empty_reply) {
  mongo_odm_error_t err;
  assert_false(mongo_odm_client_ping(client, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  bson_t reply;
  bson_t *cmd = tu_bson("{\"ping\": 1}");
  assert_false(mongo_odm_client_command(client, "admin", cmd, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  if (empty_reply) assert_int_equal(bson_count_keys(&reply), 0);
  bson_destroy(&reply);
  bson_destroy(cmd);
}

static void test_connect_from_environment(void **state) {
  (void)state;
  mongo_odm_error_t err;
  memset(&err, 0x5a, sizeof err);
  assert_true(mongo_odm_connect(NULL, NULL, NULL, NULL, &err));
  assert_ok(err);
  assert_int_equal(err.server_code, 0);
  assert_string_equal(err.message, "");
  assert_connected_and_usable(tu_env("MONGO_DB_NAME"));
  /* error may be NULL */
  assert_true(mongo_odm_connect(NULL, NULL, NULL, NULL, NULL));
  assert_true(mongo_odm_is_connected());
}

static void test_connect_with_explicit_arguments(void **state) {
  (void)state;
  mongo_odm_error_t err;
  assert_true(mongo_odm_connect(tu_env("MONGO_URL"), tu_env("MONGO_USER"), tu_env("MONGO_PASSWORD"), "explicit_db", &err));
  assert_ok(err);
  assert_connected_and_usable("explicit_db");

  /* explicit arguments win over the environment */
  connect_with_credentials_env(NULL, true, "nobody", "wrong-password");
}

static void test_missing_url_is_configuration_error(void **state) {
  (void)state;
  assert_true(mongo_odm_is_connected());
  char *saved = tu_env_save("MONGO_URL");
  unsetenv("MONGO_URL");
  mongo_odm_error_t err;
  bool ok = mongo_odm_connect(NULL, NULL, NULL, NULL, &err);
  /* an empty variable counts as unset */
  setenv("MONGO_URL", "", 1);
  mongo_odm_error_t err_empty;
  bool ok_empty = mongo_odm_connect(NULL, NULL, NULL, NULL, &err_empty);
  tu_env_restore("MONGO_URL", saved);
  assert_false(ok);
  assert_code(err, MONGO_ODM_ERROR_CONFIGURATION);
  assert_contains(err.message, "MongoDB connection parameters");
  assert_false(ok_empty);
  assert_code(err_empty, MONGO_ODM_ERROR_CONFIGURATION);
  /* the failure closed the previous connection: nothing half-open */
  assert_false(mongo_odm_is_connected());
  assert_null(mongo_odm_default_database_name());
}

static void test_missing_database_name_is_configuration_error(void **state) {
  (void)state;
  char *saved = tu_env_save("MONGO_DB_NAME");
  unsetenv("MONGO_DB_NAME");
  mongo_odm_error_t err;
  bool ok = mongo_odm_connect(NULL, NULL, NULL, NULL, &err);
  mongo_odm_error_t err2;
  mongo_odm_client_t *client = mongo_odm_default_client(&err2);
  tu_env_restore("MONGO_DB_NAME", saved);
  assert_false(ok);
  assert_code(err, MONGO_ODM_ERROR_CONFIGURATION);
  assert_contains(err.message, "database");
  assert_false(mongo_odm_is_connected());
  /* default_client() connects from the environment and fails the same way */
  assert_null(client);
  assert_code(err2, MONGO_ODM_ERROR_CONFIGURATION);
}

static void test_database_name_from_url(void **state) {
  (void)state;
  char *saved = tu_env_save("MONGO_DB_NAME");
  unsetenv("MONGO_DB_NAME");
  /* the user lives in admin: with a database in the path, say where to authenticate */
  char *url = tu_server_url(NULL, "/url_db?authSource=admin");
  mongo_odm_error_t err;
  bool ok = mongo_odm_connect(url, NULL, NULL, NULL, &err);
  tu_env_restore("MONGO_DB_NAME", saved);
  assert_true(ok);
  assert_ok(err);
  assert_connected_and_usable("url_db");
  /* an explicit db_name wins over the URL's */
  assert_true(mongo_odm_connect(url, NULL, NULL, "arg_db", &err));
  assert_connected_and_usable("arg_db");
  free(url);
}

static void test_unreachable_server_is_connection_error(void **state) {
  (void)state;
  assert_true(mongo_odm_is_connected());
  mongo_odm_error_t err;
  const double start = now_seconds();
  assert_false(mongo_odm_connect(UNREACHABLE, NULL, NULL, "db", &err));
  const double elapsed = now_seconds() - start;
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_true(strncmp(err.message, "Failed to initialize MongoDB", strlen("Failed to initialize MongoDB")) == 0);
  /* 10x the configured 300 ms (measured: about 0.3 s): load on a 2-core machine under ASan adds
   * scheduling delays of tens to hundreds of ms, not seconds; and 3 s stays short of the
   * library's 5 s default, which applies if the URL's option were ignored. */
  if (elapsed > 3.0) {
    print_error("connecting to an unreachable server took %.2f s (serverSelectionTimeoutMS=300)\n", elapsed);
    fail();
  }
  assert_false(mongo_odm_is_connected());
  assert_null(mongo_odm_default_database_name());

  /* a client of one's own: created without a server call, the ping fails */
  mongo_odm_client_t *client = mongo_odm_client_new(UNREACHABLE, NULL, NULL, &err);
  assert_non_null(client);
  assert_ok(err);
  assert_pings_fail(client, false);
  mongo_odm_client_destroy(client);
}

static void test_wrong_password_is_connection_error_without_the_password(void **state) {
  (void)state;
  mongo_odm_error_t err;
  const char *wrong = "Wr0ngPassw0rdXyz";
  assert_false(mongo_odm_connect(tu_env("MONGO_URL"), tu_env("MONGO_USER"), wrong, tu_env("MONGO_DB_NAME"), &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_contains(err.message, "Failed to initialize MongoDB");
  assert_null(strstr(err.message, wrong));
  assert_null(strstr(err.message, tu_env("MONGO_PASSWORD")));
  assert_false(mongo_odm_is_connected());

  /* wrong user */
  assert_false(mongo_odm_connect(tu_env("MONGO_URL"), "no_such_user", tu_env("MONGO_PASSWORD"), "db", &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_null(strstr(err.message, tu_env("MONGO_PASSWORD")));

  /* wrong password written in the URL */
  char userinfo[256];
  snprintf(userinfo, sizeof userinfo, "%s:%s", tu_env("MONGO_USER"), wrong);
  char *url = tu_server_url(userinfo, "/");
  char *saved_user = tu_env_save("MONGO_USER");
  char *saved_password = tu_env_save("MONGO_PASSWORD");
  unsetenv("MONGO_USER");
  unsetenv("MONGO_PASSWORD");
  bool ok = mongo_odm_connect(url, NULL, NULL, "db", &err);
  tu_env_restore("MONGO_USER", saved_user);
  tu_env_restore("MONGO_PASSWORD", saved_password);
  free(url);
  assert_false(ok);
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_null(strstr(err.message, wrong));
}

static void test_invalid_url_is_invalid_argument(void **state) {
  (void)state;
  const char *urls[] = {"not a url", "http://127.0.0.1:27017", "mongodb://", "mongodb://127.0.0.1:99999/",
                        "mongodb://127.0.0.1/?tls=maybe", "mongodb://127.0.0.1/bad db"};
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; ++i) {
    mongo_odm_error_t err;
    assert_false(mongo_odm_connect(urls[i], NULL, NULL, "db", &err));
    assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
    assert_false(mongo_odm_is_connected());
    assert_null(mongo_odm_client_new(urls[i], NULL, NULL, &err));
    assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  }
  mongo_odm_error_t err;
  /* arguments that are not UTF-8 */
  assert_false(mongo_odm_connect("mongodb://127.0.0.1/\xff", NULL, NULL, "db", &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_null(mongo_odm_client_new(tu_env("MONGO_URL"), "user\xff", "pw", &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_null(mongo_odm_client_new(tu_env("MONGO_URL"), "user", "pw\xc3", &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  /* a URL password that libmongoc rejects and quotes is not repeated in the message */
  assert_null(mongo_odm_client_new("mongodb://someone:Leaky:Secret9@127.0.0.1/", NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_null(strstr(err.message, "Leaky"));
  assert_null(strstr(err.message, "Secret9"));
}

static void test_reconnect_replaces_the_connection(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_client_t *first = mongo_odm_default_client(&err);
  assert_non_null(first);
  /* the same handle while the connection does not change */
  assert_ptr_equal(mongo_odm_default_client(&err), first);

  assert_true(mongo_odm_connect(NULL, NULL, NULL, "second_db", &err));
  assert_ok(err);
  assert_string_equal(mongo_odm_default_database_name(), "second_db");
  mongo_odm_client_t *second = mongo_odm_default_client(&err);
  assert_non_null(second);
  assert_ptr_not_equal(first, second);
  assert_true(mongo_odm_client_ping(second, &err));
  /* the old handle was retired: a clean CONNECTION error, not a crash */
  assert_false(mongo_odm_client_ping(first, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
}

static void test_disconnect_is_idempotent(void **state) {
  (void)state;
  assert_true(mongo_odm_is_connected());
  mongo_odm_disconnect();
  assert_false(mongo_odm_is_connected());
  assert_null(mongo_odm_default_database_name());
  mongo_odm_disconnect();
  mongo_odm_disconnect();
  assert_false(mongo_odm_is_connected());
  /* reconnecting afterwards works */
  tu_connect();
  assert_connected_and_usable(tu_env("MONGO_DB_NAME"));
}

static void test_default_client_is_borrowed_and_connects_on_first_use(void **state) {
  (void)state;
  mongo_odm_disconnect();
  assert_false(mongo_odm_is_connected());
  mongo_odm_error_t err;
  /* like MongoConnection(): connects from the environment */
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  assert_ok(err);
  assert_true(mongo_odm_is_connected());
  assert_string_equal(mongo_odm_default_database_name(), tu_env("MONGO_DB_NAME"));
  /* destroying the borrowed handle is a no-op */
  mongo_odm_client_destroy(client);
  mongo_odm_client_destroy(client);
  assert_true(mongo_odm_client_ping(client, &err));
  assert_ok(err);
  assert_ptr_equal(mongo_odm_default_client(&err), client);
  /* it has no default database in its URL (MONGO_URL names none) */
  assert_null(mongo_odm_client_default_database_name(client));
}

static void test_borrowed_default_client_after_disconnect_fails_cleanly(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  mongo_odm_disconnect();
  assert_pings_fail(client, true);
  bson_t reply;
  assert_null(mongo_odm_collection_new(client, "db", "coll", &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_false(mongo_odm_client_drop_database(client, "db", &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_false(mongo_odm_client_list_collection_names(client, "db", NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  bson_destroy(&reply);
  assert_null(mongo_odm_client_default_database_name(client));
  mongo_odm_client_destroy(client); /* still a no-op */
  assert_false(mongo_odm_is_connected());
}

static void test_credentials_in_url(void **state) {
  (void)state;
  char userinfo[256];
  snprintf(userinfo, sizeof userinfo, "%s:%s", tu_env("MONGO_USER"), tu_env("MONGO_PASSWORD"));
  char *url = tu_server_url(userinfo, "/?authSource=admin");
  /* nothing from the environment but the database name */
  connect_with_credentials_env(url, false, NULL, NULL);

  /* a client of one's own with the credentials in the URL */
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_client_new(url, NULL, NULL, &err);
  assert_non_null(client);
  assert_true(mongo_odm_client_ping(client, &err));
  assert_ok(err);
  mongo_odm_client_destroy(client);
  free(url);

  /* explicit username/password override wrong ones in the URL */
  snprintf(userinfo, sizeof userinfo, "%s:%s", tu_env("MONGO_USER"), "not-the-password");
  url = tu_server_url(userinfo, "/?authSource=admin");
  client = mongo_odm_client_new(url, tu_env("MONGO_USER"), tu_env("MONGO_PASSWORD"), &err);
  assert_non_null(client);
  assert_true(mongo_odm_client_ping(client, &err));
  assert_ok(err);
  mongo_odm_client_destroy(client);
  /* and without the override the wrong URL password fails */
  client = mongo_odm_client_new(url, NULL, NULL, &err);
  assert_non_null(client);
  assert_false(mongo_odm_client_ping(client, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_null(strstr(err.message, "not-the-password"));
  mongo_odm_client_destroy(client);
  free(url);
}

static void test_own_client_and_its_collections(void **state) {
  (void)state;
  mongo_odm_error_t err;
  char *url = tu_server_url(NULL, "/own_db?authSource=admin");
  mongo_odm_client_t *client = mongo_odm_client_new(url, tu_env("MONGO_USER"), tu_env("MONGO_PASSWORD"), &err);
  free(url);
  assert_non_null(client);
  assert_string_equal(mongo_odm_client_default_database_name(client), "own_db");
  char *name = tu_unique_name("conn");
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, tu_env("MONGO_DB_NAME"), name, &err);
  assert_non_null(coll);
  assert_ptr_not_equal(mongo_odm_collection_client(coll), NULL);
  /* the collection keeps the pool alive after the client handle is gone */
  mongo_odm_client_destroy(client);
  bson_t *doc = tu_bson("{\"_id\": 1}");
  assert_true(mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err));
  assert_ok(err);
  int64_t n = -1;
  assert_true(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  assert_int_equal(n, 1);
  /* its borrowed client works for commands too */
  assert_true(mongo_odm_client_ping(mongo_odm_collection_client(coll), &err));
  assert_true(mongo_odm_collection_drop(coll, &err));
  bson_destroy(doc);
  mongo_odm_collection_destroy(coll);
  free(name);
}

static void *first_use_thread(void *arg) {
  mongo_odm_client_t **out = arg;
  mongo_odm_error_t err;
  *out = mongo_odm_default_client(&err);
  if (*out && !mongo_odm_client_ping(*out, &err)) *out = NULL;
  return NULL;
}

/* Many threads hitting the not-yet-open default connection: one connection, one handle. */
static void test_concurrent_default_client_first_use(void **state) {
  (void)state;
  mongo_odm_disconnect();
  pthread_t threads[8];
  mongo_odm_client_t *clients[8];
  for (int i = 0; i < 8; ++i) assert_int_equal(pthread_create(&threads[i], NULL, first_use_thread, &clients[i]), 0);
  for (int i = 0; i < 8; ++i) assert_int_equal(pthread_join(threads[i], NULL), 0);
  for (int i = 0; i < 8; ++i) {
    assert_non_null(clients[i]);
    assert_ptr_equal(clients[i], clients[0]);
  }
  assert_true(mongo_odm_is_connected());
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_connect_from_environment, connect_from_env),
      cmocka_unit_test_setup(test_connect_with_explicit_arguments, connect_from_env),
      cmocka_unit_test_setup(test_missing_url_is_configuration_error, connect_from_env),
      cmocka_unit_test_setup(test_missing_database_name_is_configuration_error, connect_from_env),
      cmocka_unit_test_setup(test_database_name_from_url, connect_from_env),
      cmocka_unit_test_setup(test_unreachable_server_is_connection_error, connect_from_env),
      cmocka_unit_test_setup(test_wrong_password_is_connection_error_without_the_password, connect_from_env),
      cmocka_unit_test_setup(test_invalid_url_is_invalid_argument, connect_from_env),
      cmocka_unit_test_setup(test_reconnect_replaces_the_connection, connect_from_env),
      cmocka_unit_test_setup(test_disconnect_is_idempotent, connect_from_env),
      cmocka_unit_test_setup(test_default_client_is_borrowed_and_connects_on_first_use, connect_from_env),
      cmocka_unit_test_setup(test_borrowed_default_client_after_disconnect_fails_cleanly, connect_from_env),
      cmocka_unit_test_setup(test_credentials_in_url, connect_from_env),
      cmocka_unit_test_setup(test_own_client_and_its_collections, connect_from_env),
      cmocka_unit_test_setup(test_concurrent_default_client_first_use, connect_from_env),
  };
  tu_apply_skip_filter();
  return cmocka_run_group_tests_name("connection", tests, tu_setup_connected, tu_teardown_connected);
}
