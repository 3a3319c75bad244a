#include "sec_util.h"

#include <ctype.h>
#include <pthread.h>
#include <time.h>

/* ------------------------------------------------------------------------------ settings */

#define SEC_MAX_SETTINGS 64

static struct {
  char *key;
  char *value;
} g_settings[SEC_MAX_SETTINGS];
static size_t g_n_settings = 0;
static int g_loaded = 0;

static void load_settings(void) {
  if (g_loaded) return;
  const char *path = getenv("MONGO_ODM_SEC_ENV");
  if (!path || !*path) {
    print_error("MONGO_ODM_SEC_ENV is not set: run the security suites through CTest, whose fixture "
                "sec_servers (tests/security/sec_servers.py) makes their certificates and servers\n");
    fail();
  }
  FILE *f = fopen(path, "r");
  if (!f) {
    print_error("cannot open %s (written by tests/security/sec_servers.py start)\n", path);
    fail();
  }
  char line[4096];
  while (fgets(line, sizeof line, f) && g_n_settings < SEC_MAX_SETTINGS) {
    size_t len = strcspn(line, "\n");
    line[len] = '\0';
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = '\0';
    g_settings[g_n_settings].key = strdup(line);
    g_settings[g_n_settings].value = strdup(eq + 1);
    ++g_n_settings;
  }
  fclose(f);
  g_loaded = 1;
}

const char *sec(const char *key) {
  load_settings();
  for (size_t i = 0; i < g_n_settings; ++i) {
    if (strcmp(g_settings[i].key, key) == 0) return g_settings[i].value;
  }
  print_error("setting %s is missing from %s\n", key, getenv("MONGO_ODM_SEC_ENV"));
  fail();
  return NULL;
}

char *sec_percent_encode(const char *text) {
  static const char hex[] = "0123456789ABCDEF";
  char *out = malloc(strlen(text) * 3 + 1);
  assert_non_null(out);
  char *o = out;
  for (const unsigned char *p = (const unsigned char *)text; *p; ++p) {
    if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
      *o++ = (char)*p;
    } else {
      *o++ = '%';
      *o++ = hex[*p >> 4];
      *o++ = hex[*p & 15];
    }
  }
  *o = '\0';
  return out;
}

char *sec_url(const char *userinfo, const char *host, const char *port_key, const char *options) {
  size_t size = strlen(host) + strlen(options) + (userinfo ? strlen(userinfo) : 0) + 64;
  char *out = malloc(size);
  assert_non_null(out);
  snprintf(out, size, "mongodb://%s%s%s:%s/%s%s", userinfo ? userinfo : "", userinfo ? "@" : "", host, sec(port_key),
           *options ? "?" : "", options);
  return out;
}

char *sec_userinfo(void) {
  char *encoded = sec_percent_encode(sec("SEC_PASSWORD"));
  size_t size = strlen(sec("SEC_USER")) + strlen(encoded) + 2;
  char *out = malloc(size);
  assert_non_null(out);
  snprintf(out, size, "%s:%s", sec("SEC_USER"), encoded);
  free(encoded);
  return out;
}

/* ------------------------------------------------------------------------------ secrets */

static void assert_absent(const char *what, const char *text, const char *secret, const char *form) {
  if (secret && *secret && strstr(text, secret)) {
    print_error("%s contains a secret (%s form): %s\n", what, form, text);
    fail();
  }
}

/* Runs of at least 6 letters and digits of `secret`. */
static void assert_no_runs(const char *what, const char *text, const char *secret) {
  const char *p = secret;
  while (*p) {
    while (*p && !isalnum((unsigned char)*p)) ++p;
    const char *start = p;
    while (*p && isalnum((unsigned char)*p)) ++p;
    size_t len = (size_t)(p - start);
    if (len >= 6) {
      char run[256];
      snprintf(run, sizeof run, "%.*s", (int)len, start);
      assert_absent(what, text, run, "a part");
    }
  }
}

static void assert_no_forms(const char *what, const char *text, const char *secret) {
  if (!secret || !*secret) return;
  assert_absent(what, text, secret, "as given");
  char *encoded = sec_percent_encode(secret);
  assert_absent(what, text, encoded, "percent-encoded");
  free(encoded);
  assert_no_runs(what, text, secret);
}

void sec_assert_no_secret(const char *what, const char *text, const char *extra) {
  assert_non_null(text);
  assert_no_forms(what, text, sec("SEC_PASSWORD"));
  assert_no_forms(what, text, sec("SEC_CLIENT_KEY_PASSWORD"));
  assert_no_forms(what, text, extra);
}

/* ------------------------------------------------------------------------------ log capture */

typedef struct {
  mongo_odm_log_level_t level;
  char *domain;
  char *message;
} captured_t;

static pthread_mutex_t g_log_mutex = PTHREAD_MUTEX_INITIALIZER;
static captured_t *g_log = NULL;
static size_t g_log_n = 0, g_log_cap = 0;

static void capture_handler(mongo_odm_log_level_t level, const char *domain, const char *message, void *user_data) {
  (void)user_data;
  pthread_mutex_lock(&g_log_mutex);
  if (g_log_n == g_log_cap) {
    g_log_cap = g_log_cap ? g_log_cap * 2 : 64;
    g_log = realloc(g_log, g_log_cap * sizeof *g_log);
  }
  if (g_log) {
    g_log[g_log_n].level = level;
    g_log[g_log_n].domain = strdup(domain ? domain : "(null)");
    g_log[g_log_n].message = strdup(message ? message : "(null)");
    ++g_log_n;
  }
  pthread_mutex_unlock(&g_log_mutex);
}

static void clear_log(void) {
  pthread_mutex_lock(&g_log_mutex);
  for (size_t i = 0; i < g_log_n; ++i) {
    free(g_log[i].domain);
    free(g_log[i].message);
  }
  g_log_n = 0;
  pthread_mutex_unlock(&g_log_mutex);
}

void sec_log_capture(mongo_odm_log_level_t level) {
  clear_log();
  mongo_odm_log_set_handler(capture_handler, NULL);
  mongo_odm_log_set_level(level);
}

void sec_log_release(void) {
  mongo_odm_log_set_level(MONGO_ODM_LOG_OFF);
  mongo_odm_log_set_handler(NULL, NULL);
}

size_t sec_log_count(const char *domain, const char *needle) {
  size_t n = 0;
  pthread_mutex_lock(&g_log_mutex);
  for (size_t i = 0; i < g_log_n; ++i) {
    if (domain && strcmp(g_log[i].domain, domain) != 0) continue;
    if (needle && !strstr(g_log[i].message, needle)) continue;
    ++n;
  }
  pthread_mutex_unlock(&g_log_mutex);
  return n;
}

void sec_log_assert_no_secret(const char *extra) {
  pthread_mutex_lock(&g_log_mutex);
  const size_t n = g_log_n;
  pthread_mutex_unlock(&g_log_mutex);
  for (size_t i = 0; i < n; ++i) {
    char what[128];
    snprintf(what, sizeof what, "log message %zu (%s, domain %s)", i, mongo_odm_log_level_name(g_log[i].level),
             g_log[i].domain);
    sec_assert_no_secret(what, g_log[i].message, extra);
  }
}

void sec_log_dump(void) {
  pthread_mutex_lock(&g_log_mutex);
  for (size_t i = 0; i < g_log_n; ++i) {
    print_message("  [%s] %s: %s\n", mongo_odm_log_level_name(g_log[i].level), g_log[i].domain, g_log[i].message);
  }
  pthread_mutex_unlock(&g_log_mutex);
}

/* ------------------------------------------------------------------------------ errors */

int sec_suite_setup(void **state) {
  (void)state;
  unsetenv("MONGO_URL");
  unsetenv("MONGO_USER");
  unsetenv("MONGO_PASSWORD");
  unsetenv("MONGO_DB_NAME");
  mongo_odm_init();
  return 0;
}

int sec_suite_teardown(void **state) {
  (void)state;
  sec_log_release();
  mongo_odm_disconnect();
  mongo_odm_cleanup();
  return 0;
}

int sec_test_setup(void **state) {
  (void)state;
  sec_log_capture(MONGO_ODM_LOG_DEBUG);
  return 0;
}

int sec_test_teardown(void **state) {
  (void)state;
  mongo_odm_disconnect();
  sec_log_assert_no_secret(NULL);
  sec_log_release();
  return 0;
}

void sec_crud_roundtrip(mongo_odm_client_t *client, const char *db) {
  mongo_odm_error_t err;
  char *name = tu_unique_name("sec");
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, db, name, &err);
  assert_non_null(coll);
  bson_t *doc = tu_bson("{\"_id\": \"a\", \"v\": 1}");
  if (!mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err)) {
    print_error("insert_one: %s: %s\n", mongo_odm_error_code_name(err.code), err.message);
    fail();
  }
  bson_t out;
  bool found = false;
  assert_true(mongo_odm_collection_find_one(coll, NULL, NULL, &out, &found, &err));
  assert_true(found);
  tu_assert_bson_int(&out, "v", 1);
  bson_destroy(&out);
  int64_t n = -1;
  assert_true(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  assert_int_equal(n, 1);
  assert_true(mongo_odm_collection_drop(coll, &err));
  bson_destroy(doc);
  mongo_odm_collection_destroy(coll);
  free(name);
}

double sec_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sec_assert_connection_error(const mongo_odm_error_t *err, double start, double max_seconds,
                                 const char *extra_secret) {
  const double elapsed = sec_now() - start;
  assert_code(*err, MONGO_ODM_ERROR_CONNECTION);
  sec_assert_no_secret("error message", err->message, extra_secret);
  if (elapsed > max_seconds) {
    print_error("the error came after %.2f s (at most %.2f s expected): %s\n", elapsed, max_seconds, err->message);
    fail();
  }
}
