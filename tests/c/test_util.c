#include "test_util.h"

#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

const char *tu_env(const char *name) {
  const char *value = getenv(name);
  if (!value || !*value) {
    print_error("environment variable %s is not set: run the C suites through scripts/test.sh, "
                "which starts the test server, or point MONGO_URL at a MongoDB\n",
                name);
    fail();
  }
  return value;
}

void tu_connect(void) {
  (void)tu_env("MONGO_URL");
  mongo_odm_error_t err;
  if (!mongo_odm_connect(NULL, NULL, NULL, NULL, &err)) {
    print_error("cannot connect to the test server: %s: %s\n", mongo_odm_error_code_name(err.code), err.message);
    fail();
  }
}

char *tu_unique_name(const char *prefix) {
  static int counter = 0;
  char *out = malloc(128);
  assert_non_null(out);
  snprintf(out, 128, "%s_%ld_%d", prefix, (long)getpid(), __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
  return out;
}

mongo_odm_model_t *tu_model(const char *prefix) {
  char *name = tu_unique_name(prefix);
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new(name, &err);
  free(name);
  assert_ok(err);
  assert_non_null(model);
  return model;
}

void tu_drop(const mongo_odm_model_t *model) {
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  if (!client) return;
  mongo_odm_collection_t *coll =
      mongo_odm_collection_new(client, mongo_odm_default_database_name(), mongo_odm_model_collection_name(model), &err);
  if (!coll) return;
  mongo_odm_collection_drop(coll, &err);
  mongo_odm_collection_destroy(coll);
}

bson_t *tu_bson(const char *json) {
  bson_error_t error;
  bson_t *doc = bson_new_from_json((const uint8_t *)json, -1, &error);
  if (!doc) {
    print_error("bad test JSON %s: %s\n", json, error.message);
    fail();
  }
  return doc;
}

char *tu_read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    print_error("cannot open %s\n", path);
    fail();
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)size + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
  buf[size] = '\0';
  fclose(f);
  return buf;
}

int tu_setup_connected(void **state) {
  (void)state;
  mongo_odm_init();
  tu_connect();
  return 0;
}

int tu_teardown_connected(void **state) {
  (void)state;
  mongo_odm_disconnect();
  mongo_odm_cleanup();
  return 0;
}

int tu_setup_library(void **state) {
  (void)state;
  mongo_odm_init();
  return 0;
}

int tu_teardown_library(void **state) {
  (void)state;
  mongo_odm_cleanup();
  return 0;
}

mongo_odm_collection_t *tu_collection(const mongo_odm_model_t *model) {
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_ok(err);
  assert_non_null(client);
  mongo_odm_collection_t *coll =
      mongo_odm_collection_new(client, mongo_odm_default_database_name(), mongo_odm_model_collection_name(model), &err);
  assert_ok(err);
  assert_non_null(coll);
  return coll;
}

int64_t tu_count(const mongo_odm_model_t *model, const char *json) {
  mongo_odm_collection_t *coll = tu_collection(model);
  bson_t *filter = json ? tu_bson(json) : NULL;
  int64_t n = -1;
  mongo_odm_error_t err;
  const bool ok = mongo_odm_collection_count_documents(coll, filter, NULL, &n, &err);
  if (filter) bson_destroy(filter);
  mongo_odm_collection_destroy(coll);
  assert_true(ok);
  assert_ok(err);
  return n;
}

void tu_assert_bson_int(const bson_t *doc, const char *key, int64_t expected) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, doc, key) || !BSON_ITER_HOLDS_NUMBER(&iter)) {
    char *json = bson_as_relaxed_extended_json(doc, NULL);
    print_error("no number '%s' in %s\n", key, json);
    bson_free(json);
    fail();
  }
  assert_int_equal(bson_iter_as_int64(&iter), expected);
}

void tu_assert_bson_utf8(const bson_t *doc, const char *key, const char *expected) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, doc, key) || !BSON_ITER_HOLDS_UTF8(&iter)) {
    char *json = bson_as_relaxed_extended_json(doc, NULL);
    print_error("no string '%s' in %s\n", key, json);
    bson_free(json);
    fail();
  }
  assert_string_equal(bson_iter_utf8(&iter, NULL), expected);
}

char *tu_keys(const bson_t *doc, char *buf, size_t size) {
  buf[0] = '\0';
  bson_iter_t iter;
  assert_true(bson_iter_init(&iter, doc));
  while (bson_iter_next(&iter)) {
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s%s", used ? "," : "", bson_iter_key(&iter));
  }
  return buf;
}

char *tu_env_save(const char *name) {
  const char *value = getenv(name);
  if (!value) return NULL;
  char *copy = malloc(strlen(value) + 1);
  assert_non_null(copy);
  strcpy(copy, value);
  return copy;
}

void tu_env_restore(const char *name, char *saved) {
  if (saved) {
    setenv(name, saved, 1);
    free(saved);
  } else {
    unsetenv(name);
  }
}

char *tu_server_url(const char *userinfo, const char *suffix) {
  const char *url = tu_env("MONGO_URL");
  const char *prefix = "mongodb://";
  assert_true(strncmp(url, prefix, strlen(prefix)) == 0);
  const char *host = url + strlen(prefix);
  size_t host_len = strcspn(host, "/?");
  const char *at = memchr(host, '@', host_len);
  if (at) { /* MONGO_URL with credentials: keep only the host part */
    host_len -= (size_t)(at + 1 - host);
    host = at + 1;
  }
  size_t size = strlen(prefix) + (userinfo ? strlen(userinfo) + 1 : 0) + host_len + strlen(suffix) + 1;
  char *out = malloc(size);
  assert_non_null(out);
  snprintf(out, size, "%s%s%s%.*s%s", prefix, userinfo ? userinfo : "", userinfo ? "@" : "", (int)host_len, host,
           suffix);
  return out;
}

void tu_apply_skip_filter(void) {
  const char *pattern = getenv("MONGO_ODM_TEST_SKIP");
  if (pattern && *pattern) {
    fprintf(stderr, "MONGO_ODM_TEST_SKIP=%s: matching tests are skipped\n", pattern);
    cmocka_set_skip_filter(pattern);
  }
}

/* A TCP socket bound to a loopback port of the kernel's choice; *port gets the port. */
static int bind_loopback(int *port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
  socklen_t len = sizeof addr;
  assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
  *port = ntohs(addr.sin_port);
  return fd;
}

int tu_listen_loopback(int *port) {
  const int fd = bind_loopback(port);
  assert_int_equal(listen(fd, 128), 0);
  return fd;
}

int tu_dead_port(void) {
  int port = 0;
  close(bind_loopback(&port));
  return port;
}
