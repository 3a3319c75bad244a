/* The default connection (connect(), MongoConnection) and clients of one's own, against the
 * test server named by MONGO_URL / MONGO_USER / MONGO_PASSWORD / MONGO_DB_NAME. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
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

static volatile int g_fork_noticed = 0;

static void fork_log_handler(mongo_odm_log_level_t level, const char *domain, const char *message, void *user_data) {
  (void)level;
  (void)user_data;
  if (strcmp(domain, "mongo_odm") == 0 && strstr(message, "fork")) g_fork_noticed = 1;
}

/* A child process must not use the parent's pooled sockets: the library notices the fork and
 * gives the child a pool of its own, and the parent's keeps working. */
static void test_fork_child_gets_its_own_pool(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  assert_true(mongo_odm_client_ping(client, &err));
  char *name = tu_unique_name("fork");
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, mongo_odm_default_database_name(), name, &err);
  assert_non_null(coll);
  fflush(NULL);
  const pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* the child: the inherited handles work, on new connections */
    mongo_odm_log_set_handler(fork_log_handler, NULL);
    mongo_odm_log_set_level(MONGO_ODM_LOG_INFO);
    mongo_odm_error_t e;
    bson_t *doc = BCON_NEW("_id", BCON_UTF8("from-child"));
    const bool ok = mongo_odm_client_ping(client, &e) && mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &e);
    /* no cleanup: the parent's pool is not the child's to close */
    _exit(!ok ? 1 : !g_fork_noticed ? 2 : 0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  /* the parent's pool still works, and sees the child's write */
  assert_true(mongo_odm_client_ping(client, &err));
  int64_t n = -1;
  bson_t *filter = BCON_NEW("_id", BCON_UTF8("from-child"));
  assert_true(mongo_odm_collection_count_documents(coll, filter, NULL, &n, &err));
  assert_int_equal(n, 1);
  bson_destroy(filter);
  assert_true(mongo_odm_collection_drop(coll, &err));
  mongo_odm_collection_destroy(coll);
  free(name);
}

/* Waits for `pid` at most `seconds`; a child still running then is killed and reported as
 * hung (-1). Otherwise its exit status (or 128 + the signal that ended it). Every caller's
 * `seconds` is a hang detector (what it guards, a deadlock after fork(), lasts for ever), so it
 * is many times what the child needs even under ASan on a loaded 2-core machine. */
static int wait_child(pid_t pid, double seconds) {
  const double deadline = now_seconds() + seconds;
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -2;
    if (now_seconds() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    const struct timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
}

static void quiet_log_handler(mongo_odm_log_level_t level, const char *domain, const char *message, void *user_data) {
  (void)level;
  (void)domain;
  (void)message;
  (void)user_data;
}

static volatile int g_hammer_stop = 0;

/* Takes one of the library's short-held locks over and over, without any I/O: the connection
 * state (is_connected), the log sink (set_handler) or the secret registry (every error message
 * is redacted under it). */
static void *lock_hammer(void *arg) {
  const int which = *(const int *)arg;
  while (!__atomic_load_n(&g_hammer_stop, __ATOMIC_ACQUIRE)) {
    if (which == 0) {
      (void)mongo_odm_is_connected();
    } else if (which == 1) {
      mongo_odm_log_set_handler(quiet_log_handler, NULL);
    } else {
      mongo_odm_error_t err;
      mongo_odm_model_t *bad = mongo_odm_model_new("bad$name", &err);
      if (bad) mongo_odm_model_destroy(bad);
    }
  }
  return NULL;
}

/* fork() copies only the calling thread: a lock another thread held at that moment stays
 * locked forever in the child. Regression: the library's internal mutexes (connection state,
 * secret registry, log sink) were not taken across fork(), so a child forked while another
 * thread was inside one of them deadlocked on its first library call. Here threads take them
 * in a tight loop while the main thread forks 60 children; each child must finish its library
 * calls (including a round trip on its own new pool) within 30 s, a hang detector. (Without the fix,
 * most of the children hang.) */
static void test_fork_while_other_threads_hold_library_locks(void **state) {
  (void)state;
  enum { HAMMERS = 3, FORKS = 60 };
  mongo_odm_error_t err;
  mongo_odm_log_set_level(MONGO_ODM_LOG_INFO); /* the child's "fork detected" message is delivered */
  mongo_odm_log_set_handler(quiet_log_handler, NULL);
  g_hammer_stop = 0;
  pthread_t hammers[HAMMERS];
  static const int which[HAMMERS] = {0, 1, 2};
  for (int i = 0; i < HAMMERS; ++i) {
    assert_int_equal(pthread_create(&hammers[i], NULL, lock_hammer, (void *)&which[i]), 0);
  }
  int hung = 0, failed = 0, first_status = 0;
  for (int i = 0; i < FORKS; ++i) {
    fflush(NULL);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      mongo_odm_error_t e;
      if (!mongo_odm_is_connected() || !mongo_odm_default_database_name()) _exit(3);
      mongo_odm_model_t *bad = mongo_odm_model_new("bad$name", &e);
      if (bad || e.code != MONGO_ODM_ERROR_INVALID_ARGUMENT) _exit(4);
      mongo_odm_log_set_handler(quiet_log_handler, NULL);
      /* one child in ten also talks to the server (on the pool it makes for itself) */
      if (i % 10 == 0) {
        mongo_odm_client_t *client = mongo_odm_default_client(&e);
        if (!client || !mongo_odm_client_ping(client, &e)) _exit(5);
      }
      _exit(0);
    }
    const int status = wait_child(pid, 30.0); /* a hang detector: the child needs well under 1 s */
    if (status == -1) ++hung;
    else if (status != 0 && failed++ == 0) first_status = status;
    if (hung + failed >= 3) break; /* proven; do not wait for every other child */
  }
  __atomic_store_n(&g_hammer_stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < HAMMERS; ++i) assert_int_equal(pthread_join(hammers[i], NULL), 0);
  mongo_odm_log_set_handler(NULL, NULL);
  mongo_odm_log_set_level(MONGO_ODM_LOG_OFF);
  if (hung || failed) {
    print_error("%d children deadlocked, %d failed (first exit status %d)\n", hung, failed, first_status);
    fail();
  }
  /* the parent is unharmed */
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  assert_true(mongo_odm_client_ping(client, &err));
}

typedef struct {
  mongo_odm_collection_t *coll;
  volatile int waiting;      /* the count's call has waited for the server at least once */
  volatile int forked;       /* set by the main thread as soon as fork() returned */
  volatile int waited_after; /* the count was still waiting after fork() returned */
  volatile int ok;
  int64_t count;
} slow_count_t;

/* The check function of the count's cancel token: the library calls it on the counting thread
 * every check interval (1 ms here) while the call waits, that is, only from inside the
 * operation. It records the two facts the test orders; it never stops the call. */
static bool slow_count_check(void *arg) {
  slow_count_t *w = arg;
  __atomic_store_n(&w->waiting, 1, __ATOMIC_RELEASE);
  if (__atomic_load_n(&w->forked, __ATOMIC_ACQUIRE)) __atomic_store_n(&w->waited_after, 1, __ATOMIC_RELEASE);
  return false;
}

/* A count the server takes most of a second over (a $regex filter is not pushed down to
 * SQLite: FerretDB reads and matches every document), with nothing to do on the client side. */
static void *slow_count(void *arg) {
  slow_count_t *w = arg;
  mongo_odm_error_t e;
  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  assert_non_null(token);
  assert_true(mongo_odm_cancel_set_check(token, slow_count_check, w, &e));
  assert_true(mongo_odm_cancel_set_check_interval(token, 1, &e));
  mongo_odm_cancel_t *previous = mongo_odm_cancel_attach(token);
  bson_t *filter = BCON_NEW("pad", "{", "$regex", BCON_UTF8("z$"), "}");
  w->ok = mongo_odm_collection_count_documents(w->coll, filter, NULL, &w->count, &e);
  bson_destroy(filter);
  mongo_odm_cancel_attach(previous);
  mongo_odm_cancel_destroy(token);
  return NULL;
}

/* Regression (a pre-fork server's worker hung in CI): libmongoc and OpenSSL take locks inside
 * operations that the library cannot hold across fork(). A thread inside RAND_bytes() (a SCRAM
 * nonce, a session id) holds OpenSSL's DRBG lock, and a child forked at that moment blocked
 * forever in its own first authentication. So fork() waits for the library's operations in
 * flight (library.hpp, OperationScope): here a slow count is waiting for the server in another
 * thread when the main thread forks; fork() returns only after it ended, and the child
 * authenticates on its own new pool.
 *
 * No clock is read: the order is observed through the count's cancel-token check function,
 * which the library calls only while the call waits. The main thread forks once the check has
 * run (the count is in flight), and flags the moment fork() returned; with the gate the count
 * cannot wait any more after that, so the flag is never seen from inside the call, however the
 * threads are scheduled. Without the gate fork() returns at once, while the count has most of
 * its ~250 ms still to wait, and the 1 ms check sees the flag. */
static void test_fork_waits_for_operations_in_flight(void **state) {
  (void)state;
  enum { DOCS = 4000 }; /* a count of ~250 ms: far inside the gate's 2 s bound (kForkQuiesceMs) */
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  char *name = tu_unique_name("forkgate");
  slow_count_t w = {0};
  w.coll = mongo_odm_collection_new(client, mongo_odm_default_database_name(), name, &err);
  assert_non_null(w.coll);
  bson_t **docs = calloc(DOCS, sizeof *docs);
  for (int i = 0; i < DOCS; ++i) docs[i] = BCON_NEW("i", BCON_INT32(i), "pad", BCON_UTF8("0123456789abcdef0123456789abcdef"));
  assert_true(mongo_odm_collection_insert_many(w.coll, (const bson_t *const *)docs, DOCS, NULL, NULL, &err));
  for (int i = 0; i < DOCS; ++i) bson_destroy(docs[i]);
  free(docs);

  pthread_t thread;
  assert_int_equal(pthread_create(&thread, NULL, slow_count, &w), 0);
  while (!__atomic_load_n(&w.waiting, __ATOMIC_ACQUIRE)) sched_yield();
  fflush(NULL);
  const pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    mongo_odm_error_t e;
    mongo_odm_client_t *own = mongo_odm_default_client(&e);
    _exit(own && mongo_odm_client_ping(own, &e) ? 0 : 5);
  }
  __atomic_store_n(&w.forked, 1, __ATOMIC_RELEASE);
  assert_int_equal(pthread_join(thread, NULL), 0);
  assert_true(w.ok);
  assert_int_equal(w.count, 0);
  assert_int_equal(wait_child(pid, 10.0), 0);
  if (__atomic_load_n(&w.waited_after, __ATOMIC_ACQUIRE)) {
    print_error("the count was still waiting for the server after fork() returned: fork() did not wait for it\n");
    fail();
  }
  assert_true(mongo_odm_collection_drop(w.coll, &err));
  mongo_odm_collection_destroy(w.coll);
  free(name);
}

/* How the fork tests' children end, after their mongo_odm_cleanup(): _exit(), not exit(). A leak
 * checker at a child's exit (LeakSanitizer in the ASan build, valgrind) would report what only
 * the parent's threads reference (they do not exist in the child: its pool's monitor threads,
 * the test's workers) and what the child inherited and must not free (the parent's pool). */
static void child_exit(int rc) {
  fflush(NULL);
  _exit(rc);
}

/* Saves `n` documents "<prefix>-<i>" {i: i} through the default connection and reads each
 * back; 0 when all went well, else a small step number (for a child's exit status). */
static int save_and_get(const mongo_odm_model_t *model, const char *prefix, int n) {
  for (int i = 0; i < n; ++i) {
    char id[64];
    snprintf(id, sizeof id, "%s-%d", prefix, i);
    mongo_odm_error_t e;
    mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
    const bool saved = doc && mongo_odm_doc_set_id(doc, id, &e) && mongo_odm_doc_set_int32(doc, "i", i, &e) &&
                       mongo_odm_doc_save(doc, false, &e);
    mongo_odm_doc_destroy(doc);
    if (!saved) return 10;
    mongo_odm_doc_t *back = mongo_odm_get(model, id, &e);
    int32_t value = -1;
    const bool same = back && mongo_odm_doc_get_int32(back, "i", &value) && value == i;
    mongo_odm_doc_destroy(back);
    if (!same) return 11;
  }
  return 0;
}

typedef struct {
  const mongo_odm_model_t *model;
  int saved;
  int failed;
} parent_worker_t;

static volatile int g_parent_stop = 0;

static void *parent_saver(void *arg) {
  parent_worker_t *w = arg;
  while (!__atomic_load_n(&g_parent_stop, __ATOMIC_ACQUIRE) && w->saved < 2000) {
    char prefix[32];
    snprintf(prefix, sizeof prefix, "parent%d", w->saved);
    if (save_and_get(w->model, prefix, 1) == 0) ++w->saved;
    else ++w->failed;
  }
  return NULL;
}

/* Several children forked while two parent threads keep saving through the default
 * connection: every child saves and reads through the inherited default connection (a new
 * pool of its own), one of them forks a grandchild that does the same, and each ends with
 * mongo_odm_cleanup(). Nothing is lost on either side and the
 * parent's connection keeps working throughout. */
static void test_fork_children_while_parent_threads_work(void **state) {
  (void)state;
  enum { CHILDREN = 4, PER_CHILD = 15, PARENT_THREADS = 2 };
  mongo_odm_model_t *parent_models[PARENT_THREADS];
  mongo_odm_model_t *child_models[CHILDREN + 1]; /* the last one is the grandchild's */
  for (int i = 0; i < PARENT_THREADS; ++i) parent_models[i] = tu_model("forkp");
  for (int i = 0; i <= CHILDREN; ++i) child_models[i] = tu_model("forkc");
  /* the parent has used its pool before forking */
  assert_int_equal(save_and_get(parent_models[0], "before", 1), 0);

  g_parent_stop = 0;
  pthread_t threads[PARENT_THREADS];
  parent_worker_t workers[PARENT_THREADS];
  for (int i = 0; i < PARENT_THREADS; ++i) {
    workers[i] = (parent_worker_t){parent_models[i], 0, 0};
    assert_int_equal(pthread_create(&threads[i], NULL, parent_saver, &workers[i]), 0);
  }
  pid_t pids[CHILDREN];
  for (int k = 0; k < CHILDREN; ++k) {
    fflush(NULL);
    pids[k] = fork();
    assert_true(pids[k] >= 0);
    if (pids[k] == 0) {
      int rc = save_and_get(child_models[k], "child", PER_CHILD);
      if (rc == 0 && k == 0) {
        fflush(NULL);
        const pid_t grandchild = fork();
        if (grandchild == 0) {
          const int grc = save_and_get(child_models[CHILDREN], "grandchild", PER_CHILD);
          mongo_odm_cleanup();
          child_exit(grc);
        }
        rc = grandchild < 0 ? 20 : wait_child(grandchild, 60.0) == 0 ? 0 : 21;
      }
      /* the child's pool still works after its own child came and went */
      if (rc == 0) rc = save_and_get(child_models[k], "after", 1);
      mongo_odm_cleanup();
      child_exit(rc);
    }
  }
  int statuses[CHILDREN];
  for (int k = 0; k < CHILDREN; ++k) statuses[k] = wait_child(pids[k], 90.0);
  __atomic_store_n(&g_parent_stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < PARENT_THREADS; ++i) assert_int_equal(pthread_join(threads[i], NULL), 0);
  for (int k = 0; k < CHILDREN; ++k) {
    if (statuses[k] != 0) {
      print_error("child %d ended with status %d (-1: hung)\n", k, statuses[k]);
      fail();
    }
  }
  for (int k = 0; k < CHILDREN; ++k) assert_int_equal(tu_count(child_models[k], NULL), PER_CHILD + 1);
  assert_int_equal(tu_count(child_models[CHILDREN], NULL), PER_CHILD);
  for (int i = 0; i < PARENT_THREADS; ++i) {
    assert_int_equal(workers[i].failed, 0);
    assert_true(workers[i].saved > 0);
    assert_int_equal(tu_count(parent_models[i], NULL), workers[i].saved + (i == 0 ? 1 : 0));
  }
  assert_int_equal(save_and_get(parent_models[0], "after", 3), 0);
  for (int i = 0; i < PARENT_THREADS; ++i) {
    tu_drop(parent_models[i]);
    mongo_odm_model_destroy(parent_models[i]);
  }
  for (int i = 0; i <= CHILDREN; ++i) {
    tu_drop(child_models[i]);
    mongo_odm_model_destroy(child_models[i]);
  }
}

/* Reads every remaining document of `cursor`; -1 on a cursor error. */
static int drain(mongo_odm_cursor_t *cursor) {
  const bson_t *doc;
  int n = 0;
  while (mongo_odm_cursor_next_bson(cursor, &doc)) ++n;
  return mongo_odm_cursor_error(cursor, NULL) ? -1 : n;
}

/* Regression: a cursor opened before fork() read (getMore) and, when destroyed, killed
 * (killCursors) the parent's server cursor through the parent's socket, which the child shares
 * after fork(): a child that merely exited normally broke the parent's open cursor ("cursor id
 * ... not found"), and reading concurrently mixed up replies on the shared socket. In the child
 * the inherited cursor now fails with CONNECTION and its destruction sends nothing. */
static void test_fork_cursor_opened_before_fork_stays_the_parents(void **state) {
  (void)state;
  enum { DOCS = 30, BATCH = 4 };
  mongo_odm_error_t err;
  mongo_odm_model_t *model = tu_model("forkcur");
  mongo_odm_collection_t *coll = tu_collection(model);
  for (int i = 0; i < DOCS; ++i) {
    bson_t *doc = BCON_NEW("_id", BCON_INT32(i));
    assert_true(mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err));
    bson_destroy(doc);
  }
  bson_t *opts = BCON_NEW("batchSize", BCON_INT32(BATCH), "sort", "{", "_id", BCON_INT32(1), "}");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, NULL, opts, &err);
  assert_non_null(cursor);
  const bson_t *doc;
  for (int i = 0; i < BATCH + 1; ++i) assert_true(mongo_odm_cursor_next_bson(cursor, &doc)); /* one getMore done */

  for (int variant = 0; variant < 2; ++variant) {
    fflush(NULL);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      int rc = 0;
      if (variant == 0) {
        /* reading fails cleanly, without touching the parent's socket */
        mongo_odm_error_t e;
        if (mongo_odm_cursor_next_bson(cursor, &doc)) rc = 2;
        else if (!mongo_odm_cursor_error(cursor, &e) || e.code != MONGO_ODM_ERROR_CONNECTION) rc = 3;
        else if (!strstr(e.message, "fork")) rc = 4;
      }
      /* variant 1: the child only destroys it, as a program's cleanup at exit would */
      mongo_odm_cursor_destroy(cursor);
      mongo_odm_collection_destroy(coll);
      mongo_odm_cleanup();
      child_exit(rc);
    }
    assert_int_equal(wait_child(pid, 30.0), 0);
  }
  /* the parent reads the rest of its cursor */
  assert_int_equal(drain(cursor), DOCS - BATCH - 1);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
  mongo_odm_collection_destroy(coll);
  tu_drop(model);
  mongo_odm_model_destroy(model);
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
      cmocka_unit_test_setup(test_fork_child_gets_its_own_pool, connect_from_env),
      cmocka_unit_test_setup(test_fork_while_other_threads_hold_library_locks, connect_from_env),
      cmocka_unit_test_setup(test_fork_waits_for_operations_in_flight, connect_from_env),
      cmocka_unit_test_setup(test_fork_children_while_parent_threads_work, connect_from_env),
      cmocka_unit_test_setup(test_fork_cursor_opened_before_fork_stays_the_parents, connect_from_env),
  };
  /* tests/valgrind/run.sh skips the fork tests: a forked child abandons the parent's pool on
   * purpose (it cannot be closed safely there), which valgrind's leak check in the child
   * reports as lost memory. */
  tu_apply_skip_filter();
  return cmocka_run_group_tests_name("connection", tests, tu_setup_connected, tu_teardown_connected);
}
