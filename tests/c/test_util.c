#include "test_util.h"

#include <unistd.h>

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
