/* Library life cycle (reference-counted init/cleanup), version, error-code names, memory and
 * the log API.
 *
 * Three groups run in order in one process, because the driver cannot be started again after
 * the final mongo_odm_cleanup():
 *   1. "library_before_init": nothing initialized yet (cleanup without init, the default
 *      log level, MONGO_ODM_LOG read at the first init).
 *   2. "library": the group setup takes a reference; the tests take and drop more; the group
 *      teardown drops the last one (the only final cleanup of the process).
 *   3. "library_after_cleanup": the driver is shut down; the library refuses to restart it
 *      cleanly instead of crashing. */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>

#include "test_util.h"

/* ---- group 1: before any init --------------------------------------------------------------- */

static void test_cleanup_without_init_does_nothing(void **state) {
  (void)state;
  assert_int_equal(mongo_odm_cleanup(), 0);
  assert_int_equal(mongo_odm_cleanup(), 0);
}

static void test_log_is_quiet_by_default(void **state) {
  (void)state;
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_OFF);
  /* MONGO_ODM_LOG is read once, at the first init (group 2's setup): check it takes effect. */
  assert_int_equal(setenv("MONGO_ODM_LOG", "warning", 1), 0);
}

/* Version, error names, mongo_odm_free and the error struct need no init. */
static void test_version_matches_headers(void **state) {
  (void)state;
  assert_string_equal(mongo_odm_get_version(), MONGO_ODM_VERSION_S);
  assert_string_equal(mongo_odm_get_version(), "0.2.0");
  assert_int_equal(mongo_odm_version_number(), MONGO_ODM_VERSION_NUMBER);
  assert_int_equal(MONGO_ODM_VERSION_NUMBER,
                   MONGO_ODM_VERSION_MAJOR * 10000 + MONGO_ODM_VERSION_MINOR * 100 + MONGO_ODM_VERSION_PATCH);
  assert_int_equal(mongo_odm_version_number(), 200);

  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", MONGO_ODM_VERSION_MAJOR, MONGO_ODM_VERSION_MINOR,
           MONGO_ODM_VERSION_PATCH);
  assert_string_equal(mongo_odm_get_version(), expected);

  /* runtime >= given */
  assert_true(mongo_odm_check_version(MONGO_ODM_VERSION_MAJOR, MONGO_ODM_VERSION_MINOR, MONGO_ODM_VERSION_PATCH));
  assert_true(mongo_odm_check_version(0, 0, 0));
  assert_true(mongo_odm_check_version(0, 0, 99));
  assert_true(mongo_odm_check_version(0, 1, 0));
  assert_true(mongo_odm_check_version(0, 1, 1));
  assert_true(mongo_odm_check_version(0, 2, 0)); /* the "Since 0.2" functions are there */
  assert_false(mongo_odm_check_version(0, 2, 1));
  assert_false(mongo_odm_check_version(0, 3, 0));
  assert_false(mongo_odm_check_version(1, 0, 0));
  assert_false(mongo_odm_check_version(99999, 0, 0));

  /* the compile-time macro agrees */
  assert_true(MONGO_ODM_CHECK_VERSION(0, 1, 0));
  assert_true(MONGO_ODM_CHECK_VERSION(0, 0, 5));
  assert_true(MONGO_ODM_CHECK_VERSION(0, 2, 0));
  assert_false(MONGO_ODM_CHECK_VERSION(0, 2, 1));
  assert_false(MONGO_ODM_CHECK_VERSION(1, 0, 0));
}

static void test_error_code_names(void **state) {
  (void)state;
  static const struct {
    uint32_t code;
    const char *name;
  } names[] = {
      {MONGO_ODM_OK, "MONGO_ODM_OK"},
      {MONGO_ODM_ERROR_INVALID_ARGUMENT, "MONGO_ODM_ERROR_INVALID_ARGUMENT"},
      {MONGO_ODM_ERROR_CONFIGURATION, "MONGO_ODM_ERROR_CONFIGURATION"},
      {MONGO_ODM_ERROR_CONNECTION, "MONGO_ODM_ERROR_CONNECTION"},
      {MONGO_ODM_ERROR_NOT_IMPLEMENTED, "MONGO_ODM_ERROR_NOT_IMPLEMENTED"},
      {MONGO_ODM_ERROR_MISSING_ID, "MONGO_ODM_ERROR_MISSING_ID"},
      {MONGO_ODM_ERROR_VALIDATION, "MONGO_ODM_ERROR_VALIDATION"},
      {MONGO_ODM_ERROR_DUPLICATE_KEY, "MONGO_ODM_ERROR_DUPLICATE_KEY"},
      {MONGO_ODM_ERROR_SERVER, "MONGO_ODM_ERROR_SERVER"},
      {MONGO_ODM_ERROR_ENCODING, "MONGO_ODM_ERROR_ENCODING"},
      {MONGO_ODM_ERROR_TIMEOUT, "MONGO_ODM_ERROR_TIMEOUT"},
      {MONGO_ODM_ERROR_INTERNAL, "MONGO_ODM_ERROR_INTERNAL"},
      {MONGO_ODM_ERROR_CANCELLED, "MONGO_ODM_ERROR_CANCELLED"},
      {MONGO_ODM_ERROR_REVISION_CONFLICT, "MONGO_ODM_ERROR_REVISION_CONFLICT"},
  };
  /* the enumeration is contiguous 0..13 and frozen by the contract (values are only appended) */
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    assert_int_equal(names[i].code, i);
    assert_string_equal(mongo_odm_error_code_name(names[i].code), names[i].name);
  }
  assert_string_equal(mongo_odm_error_code_name(14), "MONGO_ODM_ERROR_UNKNOWN");
  assert_string_equal(mongo_odm_error_code_name(1000), "MONGO_ODM_ERROR_UNKNOWN");
  assert_string_equal(mongo_odm_error_code_name(UINT32_MAX), "MONGO_ODM_ERROR_UNKNOWN");
  /* static storage: the same pointer every time */
  assert_ptr_equal(mongo_odm_error_code_name(MONGO_ODM_ERROR_SERVER), mongo_odm_error_code_name(MONGO_ODM_ERROR_SERVER));
}

static void test_error_struct_layout(void **state) {
  (void)state;
  assert_int_equal(sizeof(mongo_odm_error_t), 512);
  assert_int_equal(offsetof(mongo_odm_error_t, code), 0);
  assert_int_equal(offsetof(mongo_odm_error_t, server_code), 4);
  assert_int_equal(offsetof(mongo_odm_error_t, message), 8);
  assert_int_equal(sizeof(((mongo_odm_error_t *)0)->message), 504);
}

static void test_free_null_is_noop(void **state) {
  (void)state;
  mongo_odm_free(NULL);
}

/* ---- group 2: initialized --------------------------------------------------------------- */

static void test_init_cleanup_reference_counting(void **state) {
  (void)state;
  /* the group setup holds one reference */
  assert_int_equal(mongo_odm_init(), 2);
  assert_int_equal(mongo_odm_init(), 3);
  assert_int_equal(mongo_odm_cleanup(), 2);
  assert_int_equal(mongo_odm_init(), 3);
  assert_int_equal(mongo_odm_cleanup(), 2);
  assert_int_equal(mongo_odm_cleanup(), 1);
  /* still usable: the driver was not shut down */
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_client_new("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200", NULL, NULL, &err);
  assert_ok(err);
  assert_non_null(client);
  mongo_odm_client_destroy(client);
}

static void *init_cleanup_thread(void *arg) {
  (void)arg;
  for (int i = 0; i < 200; ++i) {
    if (mongo_odm_init() < 2) return (void *)1; /* the group's reference is always there */
    if (mongo_odm_cleanup() < 1) return (void *)1;
  }
  return NULL;
}

static void test_init_checked_counts_like_init(void **state) {
  (void)state;
  mongo_odm_error_t err;
  memset(&err, 0x5a, sizeof err);
  assert_int_equal(mongo_odm_init_checked(&err), 2); /* the group setup holds one */
  assert_ok(err);
  assert_int_equal(mongo_odm_init(), 3);
  assert_int_equal(mongo_odm_cleanup(), 2);
  assert_int_equal(mongo_odm_cleanup(), 1);
}

static void test_init_cleanup_thread_safe(void **state) {
  (void)state;
  pthread_t threads[4];
  for (int i = 0; i < 4; ++i) assert_int_equal(pthread_create(&threads[i], NULL, init_cleanup_thread, NULL), 0);
  for (int i = 0; i < 4; ++i) {
    void *result = (void *)1;
    assert_int_equal(pthread_join(threads[i], &result), 0);
    assert_null(result);
  }
  /* balanced: back to the group's single reference */
  assert_int_equal(mongo_odm_init(), 2);
  assert_int_equal(mongo_odm_cleanup(), 1);
}

static void test_log_env_read_at_first_init(void **state) {
  (void)state;
  /* group 1 set MONGO_ODM_LOG=warning before the first init */
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_WARNING);
  /* read once: changing it now has no effect */
  assert_int_equal(setenv("MONGO_ODM_LOG", "debug", 1), 0);
  assert_int_equal(mongo_odm_init(), 2);
  assert_int_equal(mongo_odm_cleanup(), 1);
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_WARNING);
  unsetenv("MONGO_ODM_LOG");
}

static void test_log_levels_and_clamping(void **state) {
  (void)state;
  const mongo_odm_log_level_t levels[] = {MONGO_ODM_LOG_OFF, MONGO_ODM_LOG_ERROR, MONGO_ODM_LOG_WARNING,
                                          MONGO_ODM_LOG_INFO, MONGO_ODM_LOG_DEBUG};
  for (size_t i = 0; i < sizeof levels / sizeof levels[0]; ++i) {
    mongo_odm_log_set_level(levels[i]);
    assert_int_equal(mongo_odm_log_get_level(), levels[i]);
  }
  mongo_odm_log_set_level((mongo_odm_log_level_t)42);
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_DEBUG);
  mongo_odm_log_set_level((mongo_odm_log_level_t)-7);
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_OFF);
  mongo_odm_log_set_level((mongo_odm_log_level_t)4);
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_DEBUG);
  mongo_odm_log_set_level((mongo_odm_log_level_t)-2);
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_OFF);
  mongo_odm_log_set_level((mongo_odm_log_level_t)INT_MAX);
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_DEBUG);
  mongo_odm_log_set_level((mongo_odm_log_level_t)INT_MIN);
  assert_int_equal(mongo_odm_log_get_level(), MONGO_ODM_LOG_OFF);

  assert_string_equal(mongo_odm_log_level_name(MONGO_ODM_LOG_OFF), "off");
  assert_string_equal(mongo_odm_log_level_name(MONGO_ODM_LOG_ERROR), "error");
  assert_string_equal(mongo_odm_log_level_name(MONGO_ODM_LOG_WARNING), "warning");
  assert_string_equal(mongo_odm_log_level_name(MONGO_ODM_LOG_INFO), "info");
  assert_string_equal(mongo_odm_log_level_name(MONGO_ODM_LOG_DEBUG), "debug");
  assert_string_equal(mongo_odm_log_level_name((mongo_odm_log_level_t)99), "off");
  assert_string_equal(mongo_odm_log_level_name((mongo_odm_log_level_t)INT_MIN), "off");
}

/* A handler that records what it receives. */
typedef struct {
  pthread_mutex_t mutex;
  int calls;
  mongo_odm_log_level_t last_level;
  char last_domain[64];
  char all[4096]; /* every message, ';'-separated */
} log_capture_t;

static void capture_handler(mongo_odm_log_level_t level, const char *domain, const char *message, void *user_data) {
  log_capture_t *cap = user_data;
  pthread_mutex_lock(&cap->mutex);
  cap->calls++;
  cap->last_level = level;
  snprintf(cap->last_domain, sizeof cap->last_domain, "%s", domain ? domain : "(null)");
  size_t used = strlen(cap->all);
  snprintf(cap->all + used, sizeof cap->all - used, "%s;", message ? message : "(null)");
  pthread_mutex_unlock(&cap->mutex);
}

static void capture_reset(log_capture_t *cap) {
  pthread_mutex_lock(&cap->mutex);
  cap->calls = 0;
  cap->last_level = MONGO_ODM_LOG_OFF;
  cap->last_domain[0] = '\0';
  cap->all[0] = '\0';
  pthread_mutex_unlock(&cap->mutex);
}

/* libmongoc warns about an unknown URI option while parsing the URL: a message that reaches
 * the library's handler without any server. */
static void make_client_with_unknown_option(void) {
  mongo_odm_error_t err;
  mongo_odm_client_t *client =
      mongo_odm_client_new("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&noSuchOptionXyz=1", NULL, NULL, &err);
  assert_ok(err);
  assert_non_null(client);
  mongo_odm_client_destroy(client);
}

static void test_log_custom_handler_receives_libmongoc_warning(void **state) {
  (void)state;
  static log_capture_t cap = {.mutex = PTHREAD_MUTEX_INITIALIZER};
  capture_reset(&cap);
  mongo_odm_log_set_handler(capture_handler, &cap);

  /* at WARNING the warning is delivered, with libmongoc's domain */
  mongo_odm_log_set_level(MONGO_ODM_LOG_WARNING);
  make_client_with_unknown_option();
  assert_true(cap.calls >= 1);
  assert_int_equal(cap.last_level, MONGO_ODM_LOG_WARNING);
  assert_string_equal(cap.last_domain, "mongoc");
  assert_contains(cap.all, "nosuchoptionxyz");

  /* more severe than the level only: ERROR filters the warning out */
  capture_reset(&cap);
  mongo_odm_log_set_level(MONGO_ODM_LOG_ERROR);
  make_client_with_unknown_option();
  assert_int_equal(cap.calls, 0);

  /* OFF silences everything */
  mongo_odm_log_set_level(MONGO_ODM_LOG_OFF);
  make_client_with_unknown_option();
  assert_int_equal(cap.calls, 0);

  /* DEBUG lets it through again */
  mongo_odm_log_set_level(MONGO_ODM_LOG_DEBUG);
  make_client_with_unknown_option();
  assert_true(cap.calls >= 1);

  /* NULL restores the default handler (stderr): ours is not called any more */
  capture_reset(&cap);
  mongo_odm_log_set_handler(NULL, NULL);
  mongo_odm_log_set_level(MONGO_ODM_LOG_WARNING);
  make_client_with_unknown_option(); /* writes one line to stderr */
  assert_int_equal(cap.calls, 0);
  mongo_odm_log_set_level(MONGO_ODM_LOG_OFF);
}

/* Passwords of live clients never reach the handler, nor an error message. */
static void test_log_and_errors_redact_passwords(void **state) {
  (void)state;
  static log_capture_t cap = {.mutex = PTHREAD_MUTEX_INITIALIZER};
  capture_reset(&cap);
  mongo_odm_log_set_handler(capture_handler, &cap);
  mongo_odm_log_set_level(MONGO_ODM_LOG_DEBUG);

  /* The password doubles as a bad option value, so libmongoc quotes it in its warning and in
   * the parse error. */
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_client_new("mongodb://127.0.0.1:1/?connectTimeoutMS=Hunter2Secret",
                                                    "someone", "Hunter2Secret", &err);
  assert_null(client);
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_null(strstr(err.message, "Hunter2Secret"));
  assert_contains(err.message, "*****");
  assert_null(strstr(cap.all, "Hunter2Secret"));

  /* A password written in the URL that libmongoc rejects and quotes. */
  client = mongo_odm_client_new("mongodb://someone:Hunter3:Secret@127.0.0.1:1/", NULL, NULL, &err);
  assert_null(client);
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  if (strstr(err.message, "Hunter3") || strstr(cap.all, "Hunter3")) {
    print_error("password leaked: error '%s', log '%s'\n", err.message, cap.all);
    fail();
  }

  mongo_odm_log_set_handler(NULL, NULL);
  mongo_odm_log_set_level(MONGO_ODM_LOG_OFF);
}

static void *warn_thread(void *arg) {
  (void)arg;
  for (int i = 0; i < 50; ++i) {
    mongo_odm_client_t *client = mongo_odm_client_new(
        "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&noSuchOptionXyz=1", NULL, NULL, NULL);
    if (!client) return (void *)1;
    mongo_odm_client_destroy(client);
  }
  return NULL;
}

/* Switching handlers while another thread logs: every message goes to exactly one of them. */
static void test_log_set_handler_is_thread_safe(void **state) {
  (void)state;
  static log_capture_t a = {.mutex = PTHREAD_MUTEX_INITIALIZER};
  static log_capture_t b = {.mutex = PTHREAD_MUTEX_INITIALIZER};
  capture_reset(&a);
  capture_reset(&b);
  mongo_odm_log_set_level(MONGO_ODM_LOG_WARNING);
  mongo_odm_log_set_handler(capture_handler, &a);
  pthread_t thread;
  assert_int_equal(pthread_create(&thread, NULL, warn_thread, NULL), 0);
  for (int i = 0; i < 2000; ++i) mongo_odm_log_set_handler(capture_handler, (i % 2) ? &a : &b);
  void *result = (void *)1;
  assert_int_equal(pthread_join(thread, &result), 0);
  assert_null(result);
  assert_int_equal(a.calls + b.calls, 50);
  mongo_odm_log_set_handler(NULL, NULL);
  mongo_odm_log_set_level(MONGO_ODM_LOG_OFF);
}

/* ---- group 3: after the final cleanup ----------------------------------------------------- */

static void test_no_restart_after_final_cleanup(void **state) {
  (void)state;
  /* group 2's teardown dropped the last reference: the driver is shut down for good */
  assert_int_equal(mongo_odm_cleanup(), 0);
  assert_int_equal(mongo_odm_init(), 0);
  /* init_checked says why, and takes no reference either */
  mongo_odm_error_t init_err;
  memset(&init_err, 0x5a, sizeof init_err);
  assert_int_equal(mongo_odm_init_checked(&init_err), 0);
  assert_code(init_err, MONGO_ODM_ERROR_INTERNAL);
  assert_contains(init_err.message, "has shut the driver down");
  assert_int_equal(mongo_odm_init_checked(NULL), 0);
  assert_int_equal(mongo_odm_cleanup(), 0);
  assert_false(mongo_odm_is_connected());
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_client_new("mongodb://127.0.0.1:1/", NULL, NULL, &err);
  assert_null(client);
  assert_code(err, MONGO_ODM_ERROR_INTERNAL);
  assert_contains(err.message, "shut");
  assert_false(mongo_odm_connect("mongodb://127.0.0.1:1/", NULL, NULL, "db", &err));
  assert_code(err, MONGO_ODM_ERROR_INTERNAL);
  /* things that do not need the driver keep working */
  mongo_odm_model_t *model = mongo_odm_model_new("after", &err);
  assert_ok(err);
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_non_null(doc);
  assert_int_equal(strlen(mongo_odm_doc_id(doc)), 24);
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
  assert_string_equal(mongo_odm_get_version(), MONGO_ODM_VERSION_S);
}

int main(void) {
  const struct CMUnitTest before_init[] = {
      cmocka_unit_test(test_cleanup_without_init_does_nothing),
      cmocka_unit_test(test_log_is_quiet_by_default),
      cmocka_unit_test(test_version_matches_headers),
      cmocka_unit_test(test_error_code_names),
      cmocka_unit_test(test_error_struct_layout),
      cmocka_unit_test(test_free_null_is_noop),
  };
  const struct CMUnitTest initialized[] = {
      cmocka_unit_test(test_init_cleanup_reference_counting),
      cmocka_unit_test(test_init_checked_counts_like_init),
      cmocka_unit_test(test_init_cleanup_thread_safe),
      cmocka_unit_test(test_log_env_read_at_first_init),
      cmocka_unit_test(test_log_levels_and_clamping),
      cmocka_unit_test(test_log_custom_handler_receives_libmongoc_warning),
      cmocka_unit_test(test_log_and_errors_redact_passwords),
      cmocka_unit_test(test_log_set_handler_is_thread_safe),
  };
  const struct CMUnitTest after_cleanup[] = {
      cmocka_unit_test(test_no_restart_after_final_cleanup),
  };
  int failed = cmocka_run_group_tests_name("library_before_init", before_init, NULL, NULL);
  failed += cmocka_run_group_tests_name("library", initialized, tu_setup_library, tu_teardown_library);
  failed += cmocka_run_group_tests_name("library_after_cleanup", after_cleanup, NULL, NULL);
  return failed;
}
