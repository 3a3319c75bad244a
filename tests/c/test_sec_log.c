/*
 * The library's log: libmongoc's messages go through the one handler of the library, with their
 * domain; nothing is written by default (a whole session, including libmongoc's
 * 'Couldn't send "endSessions"' warning at pool destruction, a failed authentication and an
 * unreachable server, leaves stderr empty); MONGO_ODM_LOG and mongo_odm_log_set_level() turn it
 * on; no line ever holds a password.
 *
 * "Nothing is written by default" and MONGO_ODM_LOG (read once, at the first init) are checked
 * in fresh processes: this program re-executes itself with --child=<scenario> and its stderr
 * in a file.
 */
#include "sec_util.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define DB "sec_c_log"
#define UNREACHABLE "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300"

static void unset_server_environment(void) {
  unsetenv("MONGO_URL");
  unsetenv("MONGO_USER");
  unsetenv("MONGO_PASSWORD");
  unsetenv("MONGO_DB_NAME");
}

static int setup(void **state) {
  (void)state;
  unset_server_environment();
  unsetenv("MONGO_ODM_LOG");
  mongo_odm_init();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  sec_log_release();
  mongo_odm_cleanup();
  return 0;
}

static int each_teardown(void **state) {
  (void)state;
  sec_log_assert_no_secret(NULL);
  sec_log_release();
  return 0;
}

/* A client on the SCRAM instance (credentials in the URL) that writes once and is destroyed:
 * FerretDB has no endSessions command, so libmongoc warns when the pool goes. */
static bool write_then_destroy(void) {
  char *userinfo = sec_userinfo();
  char *url = sec_url(userinfo, "127.0.0.1", "SEC_AUTH_PORT", "serverSelectionTimeoutMS=2000");
  mongo_odm_error_t err;
  bool ok = false;
  mongo_odm_client_t *client = mongo_odm_client_new(url, NULL, NULL, &err);
  if (client) {
    mongo_odm_collection_t *coll = mongo_odm_collection_new(client, DB, "log_writes", &err);
    bson_t *doc = BCON_NEW("x", BCON_INT32(1));
    ok = coll && mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err) &&
         mongo_odm_collection_drop(coll, &err);
    bson_destroy(doc);
    mongo_odm_collection_destroy(coll);
    mongo_odm_client_destroy(client);
  }
  free(url);
  free(userinfo);
  return ok;
}

/* A ping of a server nothing listens on: each failed connection attempt is logged at debug level
 * (domain "mongo_odm"). */
static bool ping_unreachable(void) {
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_client_new(UNREACHABLE, NULL, NULL, &err);
  if (!client) return false;
  const bool ok = mongo_odm_client_ping(client, &err);
  mongo_odm_client_destroy(client);
  return !ok && err.code == MONGO_ODM_ERROR_CONNECTION;
}

/* ------------------------------------------------------------------------------ in process */

static void test_libmongoc_messages_reach_the_handler_with_their_domain(void **state) {
  (void)state;
  sec_log_capture(MONGO_ODM_LOG_WARNING);
  assert_true(write_then_destroy());
  if (sec_log_count("client", "Couldn't send \"endSessions\"") == 0) {
    sec_log_dump();
    fail_msg("libmongoc's endSessions warning did not reach the handler with domain \"client\"");
  }
  sec_log_capture(MONGO_ODM_LOG_DEBUG);
  assert_true(ping_unreachable());
  if (sec_log_count("client", "Using custom stream initiator") == 0) {
    sec_log_dump();
    fail_msg("libmongoc's debug messages did not reach the handler with domain \"client\"");
  }
  if (sec_log_count("mongo_odm", "calling hello on '127.0.0.1:1'") == 0) {
    sec_log_dump();
    fail_msg("the failed connection attempts were not logged at debug level");
  }
}

static void test_level_filters_what_the_handler_receives(void **state) {
  (void)state;
  sec_log_capture(MONGO_ODM_LOG_ERROR);
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_ERROR);
  assert_true(write_then_destroy());
  assert_true(ping_unreachable());
  assert_int_equal(sec_log_count("client", "endSessions"), 0); /* a warning */
  assert_int_equal(sec_log_count("mongo_odm", "no server found"), 0); /* debug */
  assert_int_equal(sec_log_count("client", "stream initiator"), 0); /* debug */

  sec_log_capture(MONGO_ODM_LOG_OFF);
  assert_true(write_then_destroy());
  assert_true(ping_unreachable());
  assert_int_equal(sec_log_count(NULL, NULL), 0);
}

static void test_default_handler_writes_to_stderr(void **state) {
  (void)state;
  sec_log_capture(MONGO_ODM_LOG_OFF);
  mongo_odm_log_set_handler(NULL, NULL); /* back to the default handler */
  char path[] = "/tmp/sec_log_stderr_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  assert_true(saved >= 0);
  dup2(fd, 2);
  mongo_odm_log_set_level(MONGO_ODM_LOG_WARNING);
  const bool ok = write_then_destroy();
  mongo_odm_log_set_level(MONGO_ODM_LOG_OFF);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  assert_true(ok);
  char *text = tu_read_file(path);
  unlink(path);
  assert_contains(text, "mongo_odm[warning] client: Couldn't send \"endSessions\"");
  sec_assert_no_secret("stderr", text, NULL);
  free(text);
}

/* ------------------------------------------------------------------------------ fresh processes */

/* The child: a whole session (connect with credentials in the URL, CRUD, disconnect), a wrong
 * password, an unreachable server, a client destroyed after a write. `level` (from --level=)
 * is passed to mongo_odm_log_set_level() first unless it is NULL. Exits 0 when every step
 * behaved. */
static int child_session(const char *level) {
  unset_server_environment();
  mongo_odm_init(); /* reads MONGO_ODM_LOG */
  if (level) {
    const char *names[] = {"off", "error", "warning", "info", "debug"};
    for (int i = 0; i < 5; ++i) {
      if (strcmp(level, names[i]) == 0) mongo_odm_log_set_level((mongo_odm_log_level_t)(i - 1));
    }
  }
  char *userinfo = sec_userinfo();
  char *url = sec_url(userinfo, "127.0.0.1", "SEC_AUTH_PORT", "serverSelectionTimeoutMS=2000");
  char *bare = sec_url(NULL, "127.0.0.1", "SEC_AUTH_PORT", "serverSelectionTimeoutMS=2000");
  mongo_odm_error_t err;
  int status = 0;
  if (!mongo_odm_connect(url, NULL, NULL, DB, &err)) status = 2;
  mongo_odm_client_t *client = status ? NULL : mongo_odm_default_client(&err);
  if (client) {
    mongo_odm_collection_t *coll = mongo_odm_collection_new(client, DB, "child_session", &err);
    bson_t *doc = BCON_NEW("_id", BCON_INT32(1));
    bson_t out = BSON_INITIALIZER;
    bool found = false;
    if (!coll || !mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err) ||
        !mongo_odm_collection_find_one(coll, NULL, NULL, &out, &found, &err) || !found ||
        !mongo_odm_collection_drop(coll, &err)) {
      status = 3;
    }
    bson_destroy(&out);
    bson_destroy(doc);
    mongo_odm_collection_destroy(coll);
  }
  mongo_odm_disconnect();
  if (mongo_odm_connect(bare, sec("SEC_USER"), "not-the-password", DB, &err)) status = 4;
  if (!ping_unreachable()) status = 5;
  if (!write_then_destroy()) status = 6;
  free(url);
  free(bare);
  free(userinfo);
  mongo_odm_cleanup();
  return status;
}

/* The major version of the libmongoc loaded into this process (libmongo_odm's dependency). */
static int libmongoc_major(void) {
  int (*get_major)(void) = NULL;
  void *sym = dlsym(RTLD_DEFAULT, "mongoc_get_major_version");
  assert_non_null(sym);
  memcpy(&get_major, &sym, sizeof sym);
  return get_major();
}

/* libmongoc 1.x initialises itself when it loads, before libmongo_odm can install its handler,
 * and warns on stderr when /dev/shm/mongoc-<pid> exists (left by a killed process that had this
 * pid). The library's documented remedy for 1.x is MONGOC_DISABLE_SHM; 2.x has no automatic
 * init and the library's handler is installed before mongoc_init(). */
static bool stale_counter_file_is_the_programs_business(void) { return libmongoc_major() < 2; }

/* Runs this program with --child=session[ --level=L], MONGO_ODM_LOG set to `env_level` (NULL:
 * unset), with a stale /dev/shm/mongoc-<its pid> when `stale_shm`; returns its stderr (free()
 * it) and asserts it exited 0. */
static char *run_child_with(const char *env_level, const char *api_level, bool stale_shm) {
  const bool disable_shm = stale_counter_file_is_the_programs_business();
  char path[] = "/tmp/sec_log_child_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  char level_arg[64];
  snprintf(level_arg, sizeof level_arg, "--level=%s", api_level ? api_level : "");
  fflush(NULL);
  const pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (stale_shm) {
      char shm[64];
      snprintf(shm, sizeof shm, "/dev/shm/mongoc-%d", (int)getpid());
      const int shm_fd = open(shm, O_CREAT | O_EXCL | O_WRONLY, 0600);
      if (shm_fd < 0) _exit(12);
      close(shm_fd);
    }
    if (disable_shm) setenv("MONGOC_DISABLE_SHM", "1", 1);
    if (env_level) {
      setenv("MONGO_ODM_LOG", env_level, 1);
    } else {
      unsetenv("MONGO_ODM_LOG");
    }
    dup2(fd, 2);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    char *const argv[] = {(char *)"test_sec_log", (char *)"--child=session", api_level ? level_arg : NULL, NULL};
    execv("/proc/self/exe", argv);
    _exit(11);
  }
  close(fd);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (stale_shm) {
    char shm[64];
    snprintf(shm, sizeof shm, "/dev/shm/mongoc-%d", (int)pid);
    unlink(shm);
  }
  char *text = tu_read_file(path);
  unlink(path);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    print_error("child (MONGO_ODM_LOG=%s, level %s) failed with status %d; its stderr:\n%s\n",
                env_level ? env_level : "(unset)", api_level ? api_level : "(none)", status, text);
    fail();
  }
  sec_assert_no_secret("stderr of the child", text, "not-the-password");
  return text;
}

static char *run_child(const char *env_level, const char *api_level) {
  return run_child_with(env_level, api_level, false);
}

static void test_quiet_by_default(void **state) {
  (void)state;
  char *text = run_child(NULL, NULL);
  if (text[0] != '\0') {
    print_error("a process without MONGO_ODM_LOG wrote to stderr:\n%s\n", text);
    fail();
  }
  free(text);
  /* an unknown value is no level at all */
  text = run_child("verbose-please", NULL);
  assert_string_equal(text, "");
  free(text);
}

static void test_quiet_with_a_stale_counter_file(void **state) {
  (void)state;
  char *text = run_child_with(NULL, NULL, true);
  assert_string_equal(text, "");
  free(text);
  if (!stale_counter_file_is_the_programs_business()) {
    /* the file did make libmongoc warn, through the library's handler */
    text = run_child_with("warning", NULL, true);
    assert_contains(text, "mongo_odm[warning] mongoc: Falling back to malloc for counters.");
    free(text);
  }
}

static void test_environment_variable_turns_the_log_on(void **state) {
  (void)state;
  char *text = run_child("warning", NULL);
  assert_contains(text, "mongo_odm[warning] client: Couldn't send \"endSessions\"");
  assert_contains(text, "mongo_odm[warning] mongo_odm: ping: authentication failed");
  assert_null(strstr(text, "[debug]"));
  free(text);

  text = run_child("debug", NULL);
  assert_contains(text, "mongo_odm[debug] mongo_odm: no server found, will retry: ");
  assert_contains(text, "calling hello on '127.0.0.1:1'");
  assert_contains(text, "mongo_odm[warning] client: Couldn't send \"endSessions\"");
  free(text);

  text = run_child("error", NULL);
  assert_null(strstr(text, "[warning]"));
  assert_null(strstr(text, "[debug]"));
  free(text);
}

static void test_api_call_turns_the_log_on_and_off(void **state) {
  (void)state;
  /* set_level on a process started without MONGO_ODM_LOG */
  char *text = run_child(NULL, "warning");
  assert_contains(text, "mongo_odm[warning] client: Couldn't send \"endSessions\"");
  free(text);
  /* set_level(OFF) overrides MONGO_ODM_LOG=debug */
  text = run_child("debug", "off");
  assert_string_equal(text, "");
  free(text);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--child=session") == 0) {
    const char *level = (argc > 2 && strncmp(argv[2], "--level=", 8) == 0) ? argv[2] + 8 : NULL;
    return child_session(level);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_libmongoc_messages_reach_the_handler_with_their_domain, each_teardown),
      cmocka_unit_test_teardown(test_level_filters_what_the_handler_receives, each_teardown),
      cmocka_unit_test_teardown(test_default_handler_writes_to_stderr, each_teardown),
      cmocka_unit_test(test_quiet_by_default),
      cmocka_unit_test(test_quiet_with_a_stale_counter_file),
      cmocka_unit_test(test_environment_variable_turns_the_log_on),
      cmocka_unit_test(test_api_call_turns_the_log_on_and_off),
  };
  return cmocka_run_group_tests_name("security: logging", tests, setup, teardown);
}
